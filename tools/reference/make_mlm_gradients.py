#!/usr/bin/python3
"""Reference loss and gradients of BERT + the masked-language-model head (PyTorch, float64).

    /usr/bin/python3 tools/reference/make_mlm_gradients.py

Writes tests/fixtures/training/mlm-model/ (a tiny random BERT folder: hidden 16, 2 layers, 2 heads, FFN 24, a
40-token vocabulary) and tests/fixtures/training/mlm-gradients.json: a random MLM head (HF BertForMaskedLM's
cls.predictions.*: transform dense + activation + LayerNorm, decoder TIED to the word embeddings plus its own bias,
as our MaskedLanguageModelGraph has it), a batch of sequences of different lengths with fixed masked positions
(inputs with [MASK], a random token or the original token; labels -100 elsewhere), the loss (mean cross-entropy over
labelled positions, HF's CrossEntropyLoss(ignore_index=-100)) and dLoss/dParameter of every encoder and head
parameter under its Hugging Face name, by autograd in float64 with dropout off. Deterministic (numpy seed).
The word-embedding gradient holds both paths: the embedding lookup and the tied decoder.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bert_reference as ref  # noqa: E402
import make_reference as mr  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(REPO, "tests", "fixtures", "training")
IGNORE = -100
SPEC = dict(
    config=dict(hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=24,
                hidden_act="gelu", max_position_embeddings=16, type_vocab_size=2, layer_norm_eps=1e-12),
    max_seq_length=16, pooling="mean", normalize=False, seed=5151,
    weights="safetensors", dtype="F32", prefix="", pooler=False, position_ids=False, st_layout=True,
    linear_std=0.2, emb_std=0.5,
)


def f32(a):
    """Values as float32 (what our model stores), kept in float64 for the reference computation."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def digits(values):
    return [float(f"{v:.9g}") for v in values]


def main():
    os.makedirs(OUT, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [f"w{i}" for i in range(35)]
    vocab_path = os.path.join(OUT, "mlm-vocab.tmp")
    with open(vocab_path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(vocab) + "\n")
    model_dir = os.path.join(OUT, "mlm-model")
    _, cfg = mr.write_model_folder_at(model_dir, SPEC, vocab_path, len(vocab))
    os.remove(vocab_path)
    h, v = cfg["hidden_size"], len(vocab)

    rng = np.random.default_rng(11)
    # A random head (not HF's init: zero biases and unit gains would leave parts of the backward untested).
    head = {
        "cls.predictions.transform.dense.weight": f32(rng.normal(0, 0.3, size=(h, h))),
        "cls.predictions.transform.dense.bias": f32(rng.normal(0, 0.1, size=h)),
        "cls.predictions.transform.LayerNorm.weight": f32(1 + rng.normal(0, 0.1, size=h)),
        "cls.predictions.transform.LayerNorm.bias": f32(rng.normal(0, 0.1, size=h)),
        "cls.predictions.bias": f32(rng.normal(0, 0.1, size=v)),
    }

    cls, sep, mask = vocab.index("[CLS]"), vocab.index("[SEP]"), vocab.index("[MASK]")
    inputs, labels = [], []
    for length in (9, 4, 14, 6):  # tokens between [CLS] and [SEP]
        original = [cls] + [int(x) for x in rng.integers(5, v, size=length)] + [sep]
        ids, lab = list(original), [IGNORE] * len(original)
        positions = sorted(rng.choice(np.arange(1, length + 1), size=max(1, length // 3), replace=False).tolist())
        for k, i in enumerate(positions):
            lab[i] = original[i]
            kind = k % 3  # [MASK], a random token, the original token: each corruption kind appears
            if kind == 0:
                ids[i] = mask
            elif kind == 1:
                ids[i] = int(rng.integers(5, v))
        inputs.append(ids)
        labels.append(lab)

    enc = mr.build_reference_model(model_dir, cfg, SPEC["pooling"], SPEC["normalize"], dtype=torch.float64)
    enc.eval()  # dropout off
    bert = enc.bert
    params = {name: p for name, p in bert.named_parameters()}
    for p in params.values():
        p.requires_grad_(True)
    head_t = {name: torch.tensor(a, dtype=torch.float64, requires_grad=True) for name, a in head.items()}

    ids_t, attn = mr.pad_batch(inputs)
    lab_t = torch.full(ids_t.shape, IGNORE, dtype=torch.long)
    for i, lab in enumerate(labels):
        lab_t[i, : len(lab)] = torch.tensor(lab)
    hidden = bert(ids_t, attn)  # [B, S, H]
    # HF BertLMPredictionHead: transform (dense → act → LayerNorm), decoder = word embeddings (tied) + bias.
    z = F.linear(hidden, head_t["cls.predictions.transform.dense.weight"], head_t["cls.predictions.transform.dense.bias"])
    a = ref.ACTIVATIONS[cfg["hidden_act"]](z)
    u = F.layer_norm(a, (h,), head_t["cls.predictions.transform.LayerNorm.weight"],
                     head_t["cls.predictions.transform.LayerNorm.bias"], eps=cfg["layer_norm_eps"])
    logits = F.linear(u, params["embeddings.word_embeddings.weight"], head_t["cls.predictions.bias"])
    loss = F.cross_entropy(logits.reshape(-1, v), lab_t.reshape(-1), ignore_index=IGNORE)
    loss.backward()

    grads = {}
    for name, p in list(params.items()) + list(head_t.items()):
        g = p.grad if p.grad is not None else torch.zeros_like(p)
        grads[name] = digits(g.detach().reshape(-1).tolist())
    fixture = dict(
        model="mlm-model", inputs=inputs, labels=labels, loss=float(loss),
        head={name: digits(a.reshape(-1).tolist()) for name, a in head.items()},
        gradients=grads,
    )
    path = os.path.join(OUT, "mlm-gradients.json")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")
    masked = sum(1 for lab in labels for x in lab if x != IGNORE)
    print(path, f"loss={float(loss):.6f}", f"{masked} masked positions", f"{sum(len(g) for g in grads.values())} gradient values")


if __name__ == "__main__":
    main()
