"""Regenerates unicode-stress.json: random mixed-script strings with the ids that the independent Python port
of Google BERT's tokenization rules (tools/reference/bert_reference.py) gives them, lower-cased and cased.

The strings exercise what ASCII text never reaches: NFD accent stripping across Latin/Greek/Cyrillic/Vietnamese,
Hangul decomposition, compatibility ideographs, Unicode punctuation and spaces, control and format characters,
emoji and supplementary-plane characters. Left out on purpose, because references disagree on them: unassigned,
private-use and surrogate code points (Google drops only Cc/Cf) and capital sigma (final-sigma rule).

Usage (repository root, Python with numpy + torch, which bert_reference imports):
    /usr/bin/python3 tests/SemanticSearch.Tokenization.Tests/Fixtures/make_unicode_stress.py
"""
import hashlib
import json
import os
import random
import sys
import unicodedata

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools", "reference"))
from bert_reference import BertWordPieceTokenizer  # noqa: E402

VOCAB = os.path.join(ROOT, "..", "shared", "data", "bert-base-uncased", "vocab.txt")
RANGES = [(0x20, 0x7E), (0x00, 0x1F), (0xA0, 0x24F), (0x300, 0x36F), (0x370, 0x3FF), (0x400, 0x4FF),
          (0x590, 0x6FF), (0x900, 0x97F), (0x1E00, 0x1FFF), (0x2000, 0x206F), (0x3000, 0x30FF),
          (0x4E00, 0x4E80), (0xAC00, 0xD7A3), (0xF900, 0xFAFF), (0xFB00, 0xFB4F), (0xFF00, 0xFF5E),
          (0x1F300, 0x1F64F), (0x20000, 0x20010), (0x1D15E, 0x1D164), (0x2126, 0x212B)]


def usable(ch):
    return unicodedata.category(ch) not in ("Cn", "Co", "Cs") and ch != "\u03a3"


def main():
    rng = random.Random(20261127)
    texts = []
    while len(texts) < 1500:
        chars = []
        for _ in range(rng.randint(1, 30)):
            low, high = rng.choice(RANGES)
            ch = chr(rng.randint(low, high))
            if usable(ch):
                chars.append(ch)
            if rng.random() < 0.15:
                chars.append(" ")
        texts.append("".join(chars))
    uncased = BertWordPieceTokenizer(VOCAB, do_lower_case=True)
    cased = BertWordPieceTokenizer(VOCAB, do_lower_case=False)
    with open(VOCAB, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    out = {
        "generated_by": "tests/SemanticSearch.Tokenization.Tests/Fixtures/make_unicode_stress.py",
        "unicode_version": unicodedata.unidata_version,
        "vocab_sha256": sha,
        "cases": [{"text": t, "uncased_ids": uncased.encode(t)[1], "cased_ids": cased.encode(t)[1]} for t in texts],
    }
    path = os.path.join(os.path.dirname(__file__), "unicode-stress.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=True, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
