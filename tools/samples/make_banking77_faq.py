#!/usr/bin/env python3
"""Builds the BANKING77 customer-support FAQ sample in index/samples/banking77-faq/.

Inputs
  index/samples/banking77-faq/faq-entries.json  hand-written: one {"intent", "question", "answer"} per intent
  ../shared/data/banking77/                      train.csv, test.csv (text,category), categories.json, LICENSE

Outputs (beside faq-entries.json)
  corpus.jsonl                 one FAQ document per intent (BEIR): {"_id": "faq-<intent>", "title": question,
                               "text": answer, "tags": [intent], "metadata": {"paraphrases": N}}
  paraphrases.jsonl            every train.csv utterance: {"text", "intent", "faq_id", "split"}
  pairs.jsonl                  MultipleNegativesRankingLoss pairs {"anchor", "positive"} from the "train" split
  classifier-train.jsonl       {"text", "label"}, the "train" split of train.csv
  classifier-validation.jsonl  {"text", "label"}, the held-out 10% of train.csv ("validation" split)
  queries.jsonl, qrels/test.tsv  every test.csv utterance as a query; relevant = its intent's FAQ document
  LICENSE                      copy of the BANKING77 licence (CC BY 4.0)

Rules
  * Utterances are trimmed of surrounding whitespace (a few train/test records start or end with line breaks);
    nothing else is changed.
  * The validation split is stratified and order-independent: within each intent the utterances are ranked by
    SHA-256 of "<intent>\\x1f<text>" and the first round(n / 10) (at least 1) are held out. No randomness.
  * A pair's positive is the FAQ document exactly as the index embeds it: title + ". " + text
    (SourceDocument.EmbeddingText). Pairs are interleaved round-robin over the intents so that consecutive
    lines have different positives.

Validation: exactly 77 intents in categories.json and 77 FAQ entries, every intent covered exactly once, only the
fields intent/question/answer, no empty field, no repeated question or answer, every CSV row non-empty with a known
intent. Any problem: a message per problem on stderr, exit status 1, and nothing is written.

Standard library only, deterministic (same inputs, byte-identical outputs). Run from anywhere:
  python3 tools/samples/make_banking77_faq.py [--source DIR] [--entries FILE] [--out DIR]
"""
import argparse
import csv
import hashlib
import json
import os
import shutil
import sys

EXPECTED_INTENTS = 77
VALIDATION_FRACTION_TENTHS = 1  # 10 %
ENTRY_FIELDS = ("intent", "question", "answer")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_SOURCE = os.path.normpath(os.path.join(ROOT, "..", "shared", "data", "banking77"))
DEFAULT_OUT = os.path.join(ROOT, "index", "samples", "banking77-faq")


class InputError(Exception):
    def __init__(self, problems):
        super().__init__("\n".join(problems))
        self.problems = problems


def faq_id(intent):
    return f"faq-{intent}"


def embedding_text(title, text):
    # Mirrors SemanticSearch.Index SourceDocument.EmbeddingText, so a pair's positive is what the index embeds.
    return text if title == "" else title + ". " + text


def load_json(path, what):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise InputError([f"{what} not found: {path}"])
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError([f"{what} is not valid UTF-8 JSON: {path}: {e}"])


def load_categories(path):
    cats = load_json(path, "categories file")
    problems = []
    if not isinstance(cats, list) or not all(isinstance(c, str) and c.strip() for c in cats):
        raise InputError([f"{path}: expected a JSON array of non-empty strings"])
    if len(cats) != EXPECTED_INTENTS:
        problems.append(f"{path}: {len(cats)} intents, expected {EXPECTED_INTENTS}")
    dups = sorted({c for c in cats if cats.count(c) > 1})
    if dups:
        problems.append(f"{path}: repeated intents: {', '.join(dups)}")
    if problems:
        raise InputError(problems)
    return cats


def load_entries(path, categories):
    entries = load_json(path, "FAQ entries file")
    if not isinstance(entries, list):
        raise InputError([f"{path}: expected a JSON array of {{\"intent\", \"question\", \"answer\"}} objects"])
    problems, seen, questions, answers = [], {}, {}, {}
    known = set(categories)
    for i, e in enumerate(entries):
        where = f"{path}: entry {i + 1}"
        if not isinstance(e, dict):
            problems.append(f"{where}: expected an object, got {type(e).__name__}")
            continue
        if isinstance(e.get("intent"), str):
            where += f" ({e['intent']})"
        extra = sorted(set(e) - set(ENTRY_FIELDS))
        if extra:
            problems.append(f"{where}: unknown field(s) {', '.join(extra)} (expected intent, question, answer)")
        for field in ENTRY_FIELDS:
            value = e.get(field)
            if value is None:
                problems.append(f"{where}: missing field \"{field}\"")
            elif not isinstance(value, str):
                problems.append(f"{where}: field \"{field}\" must be a string")
            elif not value.strip():
                problems.append(f"{where}: field \"{field}\" is empty")
            elif value != value.strip():
                problems.append(f"{where}: field \"{field}\" has leading or trailing whitespace")
        intent = e.get("intent")
        if isinstance(intent, str) and intent.strip():
            if intent not in known:
                problems.append(f"{where}: intent \"{intent}\" is not in categories.json")
            elif intent in seen:
                problems.append(f"{where}: intent \"{intent}\" already covered by entry {seen[intent] + 1}")
            else:
                seen[intent] = i
        for field, index in (("question", questions), ("answer", answers)):
            value = e.get(field)
            if isinstance(value, str) and value.strip():
                key = " ".join(value.split()).lower()
                if key in index:
                    problems.append(f"{where}: same {field} as entry {index[key] + 1}")
                else:
                    index[key] = i
    missing = [c for c in categories if c not in seen]
    if missing:
        problems.append(f"{path}: no entry for {len(missing)} intent(s): {', '.join(missing)}")
    if len(entries) != EXPECTED_INTENTS:
        problems.append(f"{path}: {len(entries)} entries, expected exactly {EXPECTED_INTENTS} (one per intent)")
    if problems:
        raise InputError(problems)
    return {e["intent"]: e for e in entries}


def load_csv(path, categories):
    known, rows, problems = set(categories), [], []
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            if reader.fieldnames is None or "text" not in reader.fieldnames or "category" not in reader.fieldnames:
                raise InputError([f"{path}: header must name the columns text and category, got {reader.fieldnames}"])
            for record in reader:
                where = f"{path}: record ending on line {reader.line_num}"
                text = (record.get("text") or "").strip()
                intent = (record.get("category") or "").strip()
                if None in record or None in record.values():
                    problems.append(f"{where}: wrong number of fields")
                elif not text:
                    problems.append(f"{where}: empty text")
                elif intent not in known:
                    problems.append(f"{where}: unknown intent \"{intent}\"")
                else:
                    rows.append((text, intent))
    except FileNotFoundError:
        raise InputError([f"data file not found: {path}"])
    except UnicodeDecodeError as e:
        raise InputError([f"{path}: not UTF-8: {e}"])
    if not rows and not problems:
        problems.append(f"{path}: no rows after the header")
    if problems:
        raise InputError(problems[:20] + ([f"... and {len(problems) - 20} more"] if len(problems) > 20 else []))
    return rows


def validation_indices(train):
    """Indices of the held-out rows: per intent, the round(n/10) (>= 1) rows with the smallest SHA-256 key."""
    by_intent = {}
    for i, (text, intent) in enumerate(train):
        by_intent.setdefault(intent, []).append(i)
    held = set()
    for intent, idx in by_intent.items():
        k = max(1, (len(idx) * VALIDATION_FRACTION_TENTHS + 5) // 10)
        ranked = sorted(idx, key=lambda i: (hashlib.sha256(f"{intent}\x1f{train[i][0]}".encode("utf-8")).hexdigest(), i))
        held.update(ranked[:k])
    return held


def round_robin(groups, order):
    """Interleaves lists: first item of each group in `order`, then the second of each, and so on."""
    out, depth = [], 0
    while True:
        layer = [groups[key][depth] for key in order if depth < len(groups.get(key, ()))]
        if not layer:
            return out
        out.extend(layer)
        depth += 1


def write_jsonl(path, records):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return len(records)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Build the BANKING77 FAQ sample (see the module docstring).")
    ap.add_argument("--source", default=DEFAULT_SOURCE, help="BANKING77 folder (train.csv, test.csv, categories.json, LICENSE)")
    ap.add_argument("--entries", default=None, help="faq-entries.json (default: OUT/faq-entries.json)")
    ap.add_argument("--out", default=DEFAULT_OUT, help="output folder")
    args = ap.parse_args(argv)
    entries_path = args.entries or os.path.join(args.out, "faq-entries.json")
    license_path = os.path.join(args.source, "LICENSE")

    # Read and check everything before writing anything.
    categories = load_categories(os.path.join(args.source, "categories.json"))
    entries = load_entries(entries_path, categories)
    train = load_csv(os.path.join(args.source, "train.csv"), categories)
    test = load_csv(os.path.join(args.source, "test.csv"), categories)
    counts = {c: 0 for c in categories}
    for _, intent in train:
        counts[intent] += 1
    no_train = [c for c in categories if counts[c] < 2]
    if no_train:
        raise InputError([f"train.csv: fewer than 2 utterances for intent(s) {', '.join(no_train)}; cannot hold out validation"])
    if not os.path.isfile(license_path):
        raise InputError([f"licence not found: {license_path}"])

    held = validation_indices(train)
    split = ["validation" if i in held else "train" for i in range(len(train))]

    os.makedirs(os.path.join(args.out, "qrels"), exist_ok=True)
    out = lambda name: os.path.join(args.out, name)
    n = {}

    n["corpus.jsonl"] = write_jsonl(out("corpus.jsonl"), [
        {"_id": faq_id(c), "title": entries[c]["question"], "text": entries[c]["answer"], "tags": [c],
         "metadata": {"paraphrases": counts[c]}}
        for c in categories])

    n["paraphrases.jsonl"] = write_jsonl(out("paraphrases.jsonl"), [
        {"text": text, "intent": intent, "faq_id": faq_id(intent), "split": split[i]}
        for i, (text, intent) in enumerate(train)])

    positive = {c: embedding_text(entries[c]["question"], entries[c]["answer"]) for c in categories}
    anchors = {}
    for i, (text, intent) in enumerate(train):
        if split[i] == "train":
            anchors.setdefault(intent, []).append(text)
    n["pairs.jsonl"] = write_jsonl(out("pairs.jsonl"), [
        {"anchor": text, "positive": positive[intent]}
        for text, intent in round_robin({c: [(t, c) for t in anchors[c]] for c in anchors}, categories)])

    n["classifier-train.jsonl"] = write_jsonl(out("classifier-train.jsonl"), [
        {"text": text, "label": intent} for i, (text, intent) in enumerate(train) if split[i] == "train"])
    n["classifier-validation.jsonl"] = write_jsonl(out("classifier-validation.jsonl"), [
        {"text": text, "label": intent} for i, (text, intent) in enumerate(train) if split[i] == "validation"])

    queries = [(f"test-{i:04d}", text, intent) for i, (text, intent) in enumerate(test, 1)]
    n["queries.jsonl"] = write_jsonl(out("queries.jsonl"), [{"_id": qid, "text": text} for qid, text, _ in queries])
    with open(out(os.path.join("qrels", "test.tsv")), "w", encoding="utf-8", newline="\n") as f:
        f.write("query-id\tcorpus-id\tscore\n")
        for qid, _, intent in queries:
            f.write(f"{qid}\t{faq_id(intent)}\t1\n")
    n["qrels/test.tsv"] = len(queries)

    shutil.copyfile(license_path, out("LICENSE"))

    for name, count in n.items():
        print(f"{name}: {count}", file=sys.stderr)
    print(f"{len(categories)} FAQ documents, {len(train)} training utterances "
          f"({len(train) - len(held)} train / {len(held)} validation), {len(test)} queries -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except InputError as e:
        for p in e.problems:
            print(f"error: {p}", file=sys.stderr)
        print(f"make_banking77_faq: {len(e.problems)} problem(s); nothing was written", file=sys.stderr)
        sys.exit(1)
