#!/usr/bin/python3
"""Reference gradients of a whole sentence encoder under MultipleNegativesRankingLoss (PyTorch, float64).

    /usr/bin/python3 tools/reference/make_encoder_gradients.py

Writes tests/fixtures/training/encoder-model/ (a tiny random sentence-transformers folder: hidden 32, 2 layers,
4 heads, FFN 40, mean pooling + Normalize, a 40-token vocabulary) and
tests/fixtures/training/encoder-gradients.json: the token ids of an anchor and a positive column, the
embeddings, the loss (MNRL, scale 20, cross-entropy of anchor i against every positive) and dLoss/dParameter
for every parameter under its Hugging Face name, computed by autograd in float64 with dropout off (eval mode).
The tokenizer is bypassed: ids are drawn directly. Deterministic (numpy seed).
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bert_reference as ref  # noqa: E402
import make_reference as mr  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(REPO, "tests", "fixtures", "training")
SCALE = 20.0
SPEC = dict(
    config=dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=40,
                hidden_act="gelu", max_position_embeddings=16, type_vocab_size=2, layer_norm_eps=1e-12),
    max_seq_length=16, pooling="mean", normalize=True, seed=4242,
    weights="safetensors", dtype="F32", prefix="", pooler=False, position_ids=False, st_layout=True,
    linear_std=0.2, emb_std=0.5,
)


def main():
    os.makedirs(OUT, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [f"w{i}" for i in range(35)]
    vocab_path = os.path.join(OUT, "encoder-vocab.tmp")
    with open(vocab_path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(vocab) + "\n")
    model_dir = os.path.join(OUT, "encoder-model")
    _, cfg = mr.write_model_folder_at(model_dir, SPEC, vocab_path, len(vocab))
    os.remove(vocab_path)

    rng = np.random.default_rng(7)
    cls, sep = vocab.index("[CLS]"), vocab.index("[SEP]")

    def sequence():
        n = int(rng.integers(0, 13))  # 2..14 tokens with [CLS]/[SEP]; a length-2 sequence is allowed
        return [cls] + [int(x) for x in rng.integers(5, len(vocab), size=n)] + [sep]

    anchors = [sequence() for _ in range(5)]
    positives = [sequence() for _ in range(5)]

    enc = mr.build_reference_model(model_dir, cfg, SPEC["pooling"], SPEC["normalize"], dtype=torch.float64)
    enc.eval()  # dropout off
    for p in enc.parameters():
        p.requires_grad_(True)
    a_ids, a_mask = mr.pad_batch(anchors)
    p_ids, p_mask = mr.pad_batch(positives)
    a = enc(a_ids, a_mask)
    p = enc(p_ids, p_mask)
    # sentence-transformers MNRL: scores = cos_sim(anchors, positives) * scale, CE against the diagonal.
    scores = SCALE * (torch.nn.functional.normalize(a, dim=1) @ torch.nn.functional.normalize(p, dim=1).T)
    loss = torch.nn.functional.cross_entropy(scores, torch.arange(len(anchors)))
    loss.backward()

    grads = {}
    for name, param in enc.bert.named_parameters():
        g = param.grad if param.grad is not None else torch.zeros_like(param)
        grads[name] = [float(f"{v:.10g}") for v in g.detach().reshape(-1).tolist()]
    fixture = dict(
        model="encoder-model", scale=SCALE, anchors=anchors, positives=positives, loss=float(loss),
        anchor_embeddings=[float(f"{v:.10g}") for v in a.detach().reshape(-1).tolist()],
        positive_embeddings=[float(f"{v:.10g}") for v in p.detach().reshape(-1).tolist()],
        gradients=grads,
    )
    path = os.path.join(OUT, "encoder-gradients.json")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")
    print(path, f"loss={float(loss):.6f}", f"{sum(len(v) for v in grads.values())} gradient values")


if __name__ == "__main__":
    main()
