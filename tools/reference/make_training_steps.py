#!/usr/bin/python3
"""Eight optimizer steps of MNRL (with a hard-negative column) + AdamW on the tiny encoder (PyTorch, float64).

    /usr/bin/python3 tools/reference/make_training_steps.py

Reads tests/fixtures/training/encoder-model/ (tools/reference/make_encoder_gradients.py) and writes
tests/fixtures/training/training-steps.json: 8 batches of 4 (anchor, positive, negative) id sequences, and per step
the learning rate and loss; at the end every parameter under its Hugging Face name. Each step is what the loop does:
zero_grad, one forward of all three columns (dropout off), MNRL (scale 20, candidates = positives ++ negatives),
backward, clip_grad_norm_(1.0), torch.optim.AdamW with sentence-transformers' two groups (weight decay 0.01 except
"bias"/"LayerNorm" names), lr from get_linear_schedule_with_warmup (base 5e-3, 2 warm-up steps of 8). Both training
backends must reproduce the losses and final weights (tests/SemanticSearch.Training*.Tests).
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_encoder_gradients as meg  # noqa: E402
import make_reference as mr  # noqa: E402

OUT = meg.OUT
STEPS, ROWS, BASE_LR, WARMUP, WD, CLIP = 8, 4, 5e-3, 2, 0.01, 1.0


def main():
    model_dir = os.path.join(OUT, "encoder-model")
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    vocab = [line.rstrip("\n") for line in open(os.path.join(model_dir, "vocab.txt"), encoding="utf-8")]
    rng = np.random.default_rng(11)
    cls, sep = vocab.index("[CLS]"), vocab.index("[SEP]")

    def sequence():
        n = int(rng.integers(1, 13))
        return [cls] + [int(x) for x in rng.integers(5, len(vocab), size=n)] + [sep]

    batches = [[[sequence() for _ in range(ROWS)] for _ in range(3)] for _ in range(STEPS)]
    enc = mr.build_reference_model(model_dir, cfg, meg.SPEC["pooling"], meg.SPEC["normalize"], dtype=torch.float64)
    enc.eval()  # dropout off
    named = list(enc.bert.named_parameters())
    no_decay = ["bias", "LayerNorm.bias", "LayerNorm.weight"]
    groups = [
        {"params": [p for n, p in named if not any(s in n for s in no_decay)], "weight_decay": WD},
        {"params": [p for n, p in named if any(s in n for s in no_decay)], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=BASE_LR)

    def multiplier(s):
        return s / max(1, WARMUP) if s < WARMUP else max(0.0, (STEPS - s) / max(1, STEPS - WARMUP))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, multiplier)
    steps = []
    for columns in batches:
        lr = optimizer.param_groups[0]["lr"]
        optimizer.zero_grad()
        embeddings = []
        for column in columns:
            ids, mask = mr.pad_batch(column)
            embeddings.append(enc(ids, mask))
        a = torch.nn.functional.normalize(embeddings[0], dim=1)
        candidates = torch.nn.functional.normalize(torch.cat(embeddings[1:]), dim=1)
        loss = torch.nn.functional.cross_entropy(meg.SCALE * a @ candidates.T, torch.arange(ROWS))
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_([p for _, p in named], CLIP)
        optimizer.step()
        scheduler.step()
        steps.append(dict(lr=lr, loss=float(loss), grad_norm=float(norm)))

    fixture = dict(
        model="encoder-model", scale=meg.SCALE, base_lr=BASE_LR, warmup=WARMUP, total=STEPS, weight_decay=WD, clip=CLIP,
        batches=batches, steps=steps,
        final={n: [float(f"{v:.9g}") for v in p.detach().reshape(-1).tolist()] for n, p in named},
    )
    path = os.path.join(OUT, "training-steps.json")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")
    print(path, " ".join(f"{s['loss']:.5f}" for s in steps))


if __name__ == "__main__":
    main()
