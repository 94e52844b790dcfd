#!/usr/bin/env python3
"""Builds a BEIR-format retrieval set from BANKING77 (CC BY 4.0, PolyAI; read from ../shared/data, not copied).

corpus.jsonl  : every train utterance, _id = "train-<row>", tags = [intent]
queries.jsonl : a seeded sample of test utterances, _id = "test-<row>"
qrels.tsv     : query-id, corpus-id, 1 for every train utterance of the same intent

Usage: build_banking77_beir.py DATA_DIR OUT_DIR [--queries 500] [--seed 13]
"""
import argparse, csv, json, os, random

ap = argparse.ArgumentParser()
ap.add_argument("data_dir", help="folder with banking77/train.csv and test.csv")
ap.add_argument("out_dir")
ap.add_argument("--queries", type=int, default=500)
ap.add_argument("--seed", type=int, default=13)
a = ap.parse_args()

def rows(name):
    with open(os.path.join(a.data_dir, "banking77", name), newline="", encoding="utf-8") as f:
        return [(i + 1, r["text"], r["category"]) for i, r in enumerate(csv.DictReader(f))]

train, test = rows("train.csv"), rows("test.csv")
os.makedirs(a.out_dir, exist_ok=True)
by_intent = {}
with open(os.path.join(a.out_dir, "corpus.jsonl"), "w", encoding="utf-8") as f:
    for row, text, intent in train:
        doc_id = f"train-{row}"
        by_intent.setdefault(intent, []).append(doc_id)
        f.write(json.dumps({"_id": doc_id, "title": "", "text": text, "tags": [intent]}) + "\n")
sample = random.Random(a.seed).sample(test, min(a.queries, len(test)))
with open(os.path.join(a.out_dir, "queries.jsonl"), "w", encoding="utf-8") as q, \
     open(os.path.join(a.out_dir, "qrels.tsv"), "w", encoding="utf-8") as r:
    r.write("query-id\tcorpus-id\tscore\n")
    for row, text, intent in sample:
        qid = f"test-{row}"
        q.write(json.dumps({"_id": qid, "text": text}) + "\n")
        for doc_id in by_intent[intent]:
            r.write(f"{qid}\t{doc_id}\t1\n")
print(f"{len(train)} corpus docs, {len(sample)} queries, {len(by_intent)} intents -> {a.out_dir}")
