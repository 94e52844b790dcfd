#!/usr/bin/env python3
"""Builds the bundled BANKING77 sample (BEIR layout) in index/samples/banking77/ from ../shared/data.

corpus.jsonl  — every training utterance: {"_id", "title": "", "text", "tags": [intent]}
queries.jsonl — every 6th test utterance (514 queries), {"_id", "text"}
qrels/test.tsv — query-id, corpus-id, score (1 = same intent), with a header, as BEIR writes it

Deterministic (no randomness); standard library only. BANKING77 is CC BY 4.0 (PolyAI); LICENSE is copied beside it.
"""
import csv, json, os, shutil, sys

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
src = os.path.join(root, "..", "shared", "data", "banking77")
dst = os.path.join(root, "index", "samples", "banking77")
os.makedirs(os.path.join(dst, "qrels"), exist_ok=True)

def rows(name):
    with open(os.path.join(src, name), newline="", encoding="utf-8") as f:
        return [(r["text"].strip(), r["category"].strip()) for r in csv.DictReader(f)]

train, test = rows("train.csv"), rows("test.csv")
by_intent = {}
with open(os.path.join(dst, "corpus.jsonl"), "w", encoding="utf-8") as f:
    for i, (text, intent) in enumerate(train, 1):
        doc_id = f"train-{i:05d}"
        by_intent.setdefault(intent, []).append(doc_id)
        f.write(json.dumps({"_id": doc_id, "title": "", "text": text, "tags": [intent]}, ensure_ascii=False) + "\n")

queries = [(f"test-{i:04d}", text, intent) for i, (text, intent) in enumerate(test, 1) if i % 6 == 1]
with open(os.path.join(dst, "queries.jsonl"), "w", encoding="utf-8") as f:
    for qid, text, _ in queries:
        f.write(json.dumps({"_id": qid, "text": text}, ensure_ascii=False) + "\n")
with open(os.path.join(dst, "qrels", "test.tsv"), "w", encoding="utf-8") as f:
    f.write("query-id\tcorpus-id\tscore\n")
    for qid, _, intent in queries:
        for doc_id in by_intent[intent]:
            f.write(f"{qid}\t{doc_id}\t1\n")

shutil.copyfile(os.path.join(src, "LICENSE"), os.path.join(dst, "LICENSE"))
print(f"{len(train)} documents, {len(queries)} queries, {len(by_intent)} intents -> {dst}", file=sys.stderr)
