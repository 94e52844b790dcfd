#!/usr/bin/python3
"""Write the text column of the first N records of BANKING77 train.csv, one text per line.

    /usr/bin/python3 bench/python/banking77_texts.py [--csv ../shared/data/banking77/train.csv] [--n 5000] --output texts.txt

7 of the first 5,000 texts contain line breaks; each "\\r" / "\\n" is written as a space so one line is
one text. The BERT tokenizer maps \\r, \\n and space alike to a separator, so token ids are unchanged.
"""

import argparse
import csv
import os

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CSV = os.path.join(os.environ.get("SEMSEARCH_SHARED_DATA", os.path.join(HERE, "..", "..", "..", "shared", "data")),
                           "banking77", "train.csv")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--csv", default=DEFAULT_CSV)
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--output", required=True)
    args = ap.parse_args()
    with open(args.csv, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))[: args.n]
    if len(rows) != args.n:
        raise SystemExit(f"only {len(rows)} records in {args.csv}")
    with open(args.output, "w", encoding="utf-8", newline="\n") as f:
        for r in rows:
            f.write(r["text"].replace("\r", " ").replace("\n", " ") + "\n")
    print(f"{len(rows)} texts -> {args.output}")


if __name__ == "__main__":
    main()
