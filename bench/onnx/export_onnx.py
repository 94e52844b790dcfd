#!/usr/bin/python3
"""Export a sentence-transformers BERT folder to ONNX (for bench/onnx/ort_encode.mjs).

    /usr/bin/python3 bench/onnx/export_onnx.py --model DIR --output model.onnx [--check-ids ids.json]

The exported graph is the whole sentence encoder of tools/reference/bert_reference.py in float32:
inputs `input_ids` and `attention_mask` (int64 [batch, sequence], token_type_ids fixed to 0),
output `sentence_embedding` (float32 [batch, dim], after pooling and Normalize).
torch.onnx.export, opset 14, dynamic axes batch/sequence. Needs only torch (no `onnx` package).
"""

from __future__ import annotations

import argparse
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.abspath(os.path.join(HERE, "..", "..", "tools", "reference")))
import bert_reference as ref  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--opset", type=int, default=14)
    args = ap.parse_args()

    torch.set_grad_enabled(False)
    model, tok, settings = ref.load_sentence_encoder(args.model, dtype=torch.float32)
    # example batch: 2 texts of different length, so padding is in the traced example
    ids = [tok.encode(t, max_length=settings["max_seq_length"])[1]
           for t in ["How do I activate my card?", "I am still waiting on my card, it has been two weeks."]]
    n = max(len(x) for x in ids)
    input_ids = torch.zeros((len(ids), n), dtype=torch.long)
    mask = torch.zeros((len(ids), n), dtype=torch.long)
    for i, x in enumerate(ids):
        input_ids[i, : len(x)] = torch.tensor(x)
        mask[i, : len(x)] = 1
    torch.onnx.export(
        model,
        (input_ids, mask),
        args.output,
        input_names=["input_ids", "attention_mask"],
        output_names=["sentence_embedding"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "sequence"},
            "attention_mask": {0: "batch", 1: "sequence"},
            "sentence_embedding": {0: "batch"},
        },
        opset_version=args.opset,
        do_constant_folding=True,
    )
    print(f"{args.output}: {os.path.getsize(args.output) / 1e6:.1f} MB, opset {args.opset}, "
          f"pooling {settings['pooling']}, normalize {settings['normalize']}")


if __name__ == "__main__":
    main()
