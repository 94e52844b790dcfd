#!/usr/bin/python3
"""Write a random-weight model shaped like all-MiniLM-L6-v2 (sentence-transformers layout).

    /usr/bin/python3 tools/reference/make_minilm_random.py --output DIR [--seed 2024]

6 layers, hidden 384, 12 heads, FFN 1536, gelu, vocab 30522 (bert-base-uncased vocab.txt copied in),
max_position_embeddings 512, max_seq_length 256, mean pooling + Normalize, model.safetensors F32
(~91 MB, not committed). Deterministic for a given --seed. Used by the encode benchmark anchors
(bench/python, bench/onnx) and by the C# benchmark, so all of them run the very same weights.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_reference as mr  # noqa: E402  (reuses the folder writer)

MINILM_SPEC = dict(
    config=dict(hidden_size=384, num_hidden_layers=6, num_attention_heads=12, intermediate_size=1536,
                hidden_act="gelu", max_position_embeddings=512, type_vocab_size=2, layer_norm_eps=1e-12),
    max_seq_length=256, pooling="mean", normalize=True,
    weights="safetensors", dtype="F32", prefix="", pooler=False, position_ids=False, st_layout=True,
    # realistic magnitudes for a 384-wide model (the tiny fixtures use larger ones on purpose)
    linear_std=0.05, emb_std=0.05,
)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--output", required=True, help="folder to create (replaced if it exists)")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--vocab", default=mr.DEFAULT_VOCAB)
    args = ap.parse_args()
    spec = dict(MINILM_SPEC, seed=args.seed)
    vocab = mr.ref.load_vocab(args.vocab)
    out = os.path.abspath(args.output)
    mr.write_model_folder_at(out, spec, args.vocab, len(vocab))
    print(out)


if __name__ == "__main__":
    main()
