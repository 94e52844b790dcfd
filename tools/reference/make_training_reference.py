#!/usr/bin/python3
"""Reference values for SemanticSearch.Training's losses, AdamW, LR schedule and clipping.

Run with Debian's interpreter (it has torch):  /usr/bin/python3 tools/reference/make_training_reference.py
Writes tests/fixtures/training/reference.json, which is committed; CI never runs torch.

Every loss below is written out from sentence-transformers' definitions (the library itself is not
installed here) and differentiated by torch autograd in float64. Inputs are drawn in float32 and then
widened, so the C# side sees exactly the same numbers.
"""
import json
import math
import os

import torch
import torch.nn.functional as F

torch.manual_seed(20261127)
B, D = 6, 16
SCALE = 20.0
MARGIN = 0.5


def emb(rows=B, dim=D):
    # float32 draw, widened: the C# tests feed these exact values as float.
    return torch.randn(rows, dim, dtype=torch.float32).double().requires_grad_(True)


def cos_sim_matrix(a, b):
    # sentence_transformers.util.cos_sim: F.normalize (eps 1e-12) then a @ b.T
    return F.normalize(a, p=2, dim=1) @ F.normalize(b, p=2, dim=1).T


def pairwise_cos(a, b):
    # sentence_transformers.util.pairwise_cos_sim
    return (F.normalize(a, p=2, dim=1) * F.normalize(b, p=2, dim=1)).sum(dim=1)


def mnrl(cols, labels=None, symmetric=False):
    anchors, candidates = cols[0], torch.cat(cols[1:])
    scores = cos_sim_matrix(anchors, candidates) * SCALE
    target = torch.arange(anchors.shape[0])
    forward = F.cross_entropy(scores, target)
    if not symmetric:
        return forward
    # MultipleNegativesSymmetricRankingLoss: positives-only block, transposed
    backward = F.cross_entropy(scores[:, : anchors.shape[0]].T, target)
    return (forward + backward) / 2


def cosent(cols, labels):
    scores = pairwise_cos(cols[0], cols[1]) * SCALE
    scores = scores[:, None] - scores[None, :]
    mask = (labels[:, None] < labels[None, :]).double()
    scores = scores - (1 - mask) * 1e12
    scores = torch.cat((torch.zeros(1, dtype=scores.dtype), scores.view(-1)), dim=0)
    return torch.logsumexp(scores, dim=0)


def cosine_similarity(cols, labels):
    return F.mse_loss(pairwise_cos(cols[0], cols[1]), labels)


def contrastive(cols, labels):
    d = 1 - pairwise_cos(cols[0], cols[1])
    losses = 0.5 * (labels * d.pow(2) + (1 - labels) * F.relu(MARGIN - d).pow(2))
    return losses.mean()


def online_contrastive(cols, labels):
    d = 1 - pairwise_cos(cols[0], cols[1])
    negs = d[labels == 0]
    poss = d[labels == 1]
    negative_pairs = negs[negs < (poss.max() if len(poss) > 1 else negs.mean())]
    positive_pairs = poss[poss > (negs.min() if len(negs) > 1 else poss.mean())]
    return positive_pairs.pow(2).sum() + F.relu(MARGIN - negative_pairs).pow(2).sum()


def matryoshka(inner, dims, weights):
    def loss(cols, labels):
        return sum(w * inner([c[:, :d] for c in cols], labels) for d, w in zip(dims, weights))
    return loss


def flat(t):
    return [float(x) for x in t.detach().reshape(-1).tolist()]


def loss_case(name, fn, ncols, labels=None, extra=None):
    cols = [emb() for _ in range(ncols)]
    lab = None if labels is None else torch.tensor(labels, dtype=torch.float64)
    value = fn(cols, lab)
    value.backward()
    case = {
        "name": name,
        "rows": B,
        "dim": D,
        "columns": [flat(c) for c in cols],
        "labels": labels,
        "loss": float(value),
        "grads": [flat(c.grad) for c in cols],
    }
    case.update(extra or {})
    return case


def softmax_case(name, weights):
    logits = torch.randn(B, 5, dtype=torch.float32).double().requires_grad_(True)
    labels = [0, 3, 1, 4, 3, 2]
    w = None if weights is None else torch.tensor(weights, dtype=torch.float64)
    value = F.cross_entropy(logits, torch.tensor(labels), weight=w)
    value.backward()
    return {"name": name, "rows": B, "classes": 5, "logits": flat(logits), "labels": labels,
            "class_weights": weights, "loss": float(value), "grad": flat(logits.grad)}


def adamw_case():
    # One parameter per no-decay rule plus a decayed weight; three steps of warm-up.
    names = ["encoder.layer.0.attention.self.query.weight", "encoder.layer.0.attention.self.query.bias",
             "embeddings.LayerNorm.weight"]
    shapes = [(3, 4), (4,), (4,)]
    params = [torch.randn(*s, dtype=torch.float32) for s in shapes]
    initial = [p.clone() for p in params]
    no_decay = ["bias", "LayerNorm.bias", "LayerNorm.weight"]
    groups = [
        {"params": [p for n, p in zip(names, params) if not any(nd in n for nd in no_decay)], "weight_decay": 0.01},
        {"params": [p for n, p in zip(names, params) if any(nd in n for nd in no_decay)], "weight_decay": 0.0},
    ]
    base_lr, warmup, total = 2e-3, 10, 100
    opt = torch.optim.AdamW(groups, lr=base_lr, betas=(0.9, 0.999), eps=1e-8, foreach=False)

    def schedule(step):  # transformers.get_linear_schedule_with_warmup
        if step < warmup:
            return step / max(1, warmup)
        return max(0.0, (total - step) / max(1, total - warmup))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, schedule)
    steps = []
    for _ in range(3):
        # Advance the schedule first so that step 1 of warm-up (lr = base/warmup) is the first update.
        sched.step()
        grads = [torch.randn(*s, dtype=torch.float32) for s in shapes]
        for p, g in zip(params, grads):
            p.grad = g.clone()
        lr = opt.param_groups[0]["lr"]
        opt.step()
        steps.append({"lr": lr, "grads": [flat(g) for g in grads], "after": [flat(p) for p in params]})
    return {"names": names, "initial": [flat(p) for p in initial], "base_lr": base_lr, "warmup": warmup,
            "total": total, "weight_decay": 0.01, "steps": steps,
            "schedule": {str(s): schedule(s) for s in [0, 1, 5, 10, 11, 55, 100, 120]}}


def clip_case():
    grads = [torch.randn(5, dtype=torch.float32) * 3, torch.randn(2, 3, dtype=torch.float32)]
    params = [torch.zeros_like(g, requires_grad=True) for g in grads]
    for p, g in zip(params, grads):
        p.grad = g.clone()
    total = torch.nn.utils.clip_grad_norm_(params, max_norm=1.0)
    return {"max_norm": 1.0, "grads": [flat(g) for g in grads], "total_norm": float(total),
            "clipped": [flat(p.grad) for p in params]}


def main():
    scored = [0.9, 0.1, 0.5, 0.5, 0.75, 0.0]  # one tie, so the strict `<` mask is exercised
    binary = [1, 0, 1, 0, 0, 1]
    dims, ones = [16, 8, 4], [1.0, 1.0, 1.0]
    cases = [
        loss_case("mnrl", lambda c, l: mnrl(c), 2),
        loss_case("mnrl_hard_negative", lambda c, l: mnrl(c), 3),
        loss_case("mnrl_symmetric", lambda c, l: mnrl(c, symmetric=True), 2),
        loss_case("mnrl_symmetric_hard_negative", lambda c, l: mnrl(c, symmetric=True), 3),
        loss_case("cosent", cosent, 2, scored),
        loss_case("cosine_similarity", cosine_similarity, 2, scored),
        loss_case("contrastive", contrastive, 2, binary),
        loss_case("online_contrastive", online_contrastive, 2, binary),
        loss_case("matryoshka_mnrl_hard_negative", matryoshka(lambda c, l: mnrl(c), dims, ones), 3,
                  extra={"dims": dims, "weights": ones}),
        loss_case("matryoshka_cosent_weighted", matryoshka(cosent, dims, [1.0, 0.5, 0.25]), 2, scored,
                  extra={"dims": dims, "weights": [1.0, 0.5, 0.25]}),
    ]
    out = {
        "generator": "tools/reference/make_training_reference.py (torch %s, float64 autograd)" % torch.__version__,
        "scale": SCALE,
        "margin": MARGIN,
        "losses": cases,
        "softmax": [softmax_case("softmax", None), softmax_case("softmax_weighted", [1.0, 2.0, 0.5, 1.5, 3.0])],
        "adamw": adamw_case(),
        "clip": clip_case(),
    }
    path = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "training", "reference.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote", os.path.normpath(path), "cases:", ", ".join(c["name"] for c in cases))


if __name__ == "__main__":
    main()
