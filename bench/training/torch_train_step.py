#!/usr/bin/python3
"""PyTorch anchor for the training-step benchmark: MNRL fine-tuning throughput of a MiniLM-L6-H384-shaped model.

    /usr/bin/python3 bench/training/torch_train_step.py --model DIR [--threads 2] [--steps 20] [--warmup 3]
        [--batch 32] [--max-len 64] [--json out.json]

Same work as the C# benchmark (bench/training/TrainingBench): BANKING77 train.csv pairs (each text paired with
the next unpaired text of the same intent, in file order), batches of 32 pairs, each column tokenized to at most
64 tokens and padded to its longest (as sentence-transformers does), model in train mode (dropout 0.1),
forward of both columns, MultipleNegativesRankingLoss (scale 20), backward, AdamW step (lr 2e-5, wd 0.01,
no decay for bias/LayerNorm), zero_grad. Float32. The plain-torch BERT of tools/reference/bert_reference.py.
Tokenization happens once, before timing. Prints pairs/s and peak RSS.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REF = os.path.abspath(os.path.join(HERE, "..", "..", "tools", "reference"))
DEFAULT_CSV = os.path.join(os.environ.get("SEMSEARCH_SHARED_DATA", os.path.join(HERE, "..", "..", "..", "shared", "data")),
                           "banking77", "train.csv")


def banking77_pairs(path):
    """(anchor, positive) texts: each text paired with the next text of the same intent, in file order."""
    pending, pairs = {}, []
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            intent = row["category"]
            if intent in pending:
                pairs.append((pending.pop(intent), row["text"]))
            else:
                pending[intent] = row["text"]
    return pairs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--csv", default=DEFAULT_CSV)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--max-len", type=int, default=64)
    ap.add_argument("--json")
    args = ap.parse_args()

    import torch
    torch.set_num_threads(args.threads)
    sys.path.insert(0, REF)
    import bert_reference as ref

    enc, tok, _ = ref.load_sentence_encoder(args.model, dtype=torch.float32)
    enc.train()
    pairs = banking77_pairs(args.csv)
    need = (args.warmup + args.steps) * args.batch
    if len(pairs) < need:
        raise SystemExit(f"only {len(pairs)} pairs, need {need}")
    ids = [(tok.encode(a, max_length=args.max_len)[1], tok.encode(p, max_length=args.max_len)[1]) for a, p in pairs[:need]]

    def pad(seqs):
        n = max(len(s) for s in seqs)
        x = torch.zeros((len(seqs), n), dtype=torch.long)
        m = torch.zeros((len(seqs), n), dtype=torch.long)
        for i, s in enumerate(seqs):
            x[i, : len(s)] = torch.tensor(s)
            m[i, : len(s)] = 1
        return x, m

    batches = []
    for b in range(args.warmup + args.steps):
        chunk = ids[b * args.batch : (b + 1) * args.batch]
        batches.append((pad([a for a, _ in chunk]), pad([p for _, p in chunk])))

    decay = [p for n, p in enc.named_parameters() if not any(s in n for s in ("bias", "LayerNorm.weight"))]
    no_decay = [p for n, p in enc.named_parameters() if any(s in n for s in ("bias", "LayerNorm.weight"))]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}], lr=2e-5)
    labels = torch.arange(args.batch)

    def step(batch):
        (ai, am), (pi, pm) = batch
        a = enc(ai, am)
        p = enc(pi, pm)
        scores = 20.0 * (torch.nn.functional.normalize(a, dim=1) @ torch.nn.functional.normalize(p, dim=1).T)
        loss = torch.nn.functional.cross_entropy(scores, labels)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=False)
        return float(loss)

    for b in batches[: args.warmup]:
        step(b)
    t0, c0 = time.perf_counter(), time.process_time()
    for b in batches[args.warmup :]:
        step(b)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    tokens = sum(len(a) + len(p) for a, p in ids[args.warmup * args.batch :])
    result = dict(impl=f"torch {torch.__version__}", threads=args.threads, steps=args.steps, batch=args.batch,
                  pairs_per_s=args.steps * args.batch / seconds, ms_per_step=1000 * seconds / args.steps,
                  cpu_ms_per_step=1000 * cpu / args.steps,
                  real_tokens_per_step=tokens / args.steps,
                  peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(result))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f)


if __name__ == "__main__":
    main()
