"""Regenerates canonical-decompositions.txt, the NFD table the tokenizer embeds.

Why a table: the solution runs with InvariantGlobalization, where .NET's
string.Normalize(FormD) is a no-op for non-ASCII text, so BERT's accent
stripping (NFD, then drop category Mn) needs its own decomposition data.
Each line is "<code point> <full canonical decomposition>" in hex, already in
canonical order. Hangul syllables are left out: they decompose algorithmically.

Usage: python3 generate_canonical_decompositions.py > canonical-decompositions.txt
"""
import sys
import unicodedata

HANGUL_FIRST, HANGUL_LAST = 0xAC00, 0xD7A3

def main() -> None:
    out = sys.stdout
    out.write(f"# NFD canonical decompositions, Unicode {unicodedata.unidata_version}\n")
    for cp in range(0x110000):
        if HANGUL_FIRST <= cp <= HANGUL_LAST or 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        decomposed = unicodedata.normalize("NFD", ch)
        if decomposed != ch:
            out.write(f"{cp:X} " + " ".join(f"{ord(c):X}" for c in decomposed) + "\n")

if __name__ == "__main__":
    main()
