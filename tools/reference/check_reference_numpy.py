#!/usr/bin/python3
"""Second, independent check of tests/fixtures/reference/models/*/expected.json.

    /usr/bin/python3 tools/reference/check_reference_numpy.py

Re-computes every expected embedding with a from-scratch float64 numpy BERT (no torch modules, no code
shared with bert_reference.py's model; it reads the stored weights and the config/pooling files of each
folder itself) from the `input_ids` in expected.json, and fails if any value differs by more than 1e-9.
torch is only used to open pytorch_model.bin.
"""

import json
import math
import os
import struct
import sys

import numpy as np

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
MODELS = os.path.join(REPO, "tests", "fixtures", "reference", "models")

_erf = np.frompyfunc(math.erf, 1, 1)


def read_weights(d):
    p = os.path.join(d, "model.safetensors")
    out = {}
    if os.path.exists(p):
        raw = open(p, "rb").read()
        n = struct.unpack("<Q", raw[:8])[0]
        header = json.loads(raw[8:8 + n])
        header.pop("__metadata__", None)
        for name, info in header.items():
            b, e = info["data_offsets"]
            buf = raw[8 + n + b:8 + n + e]
            if info["dtype"] == "F32":
                a = np.frombuffer(buf, "<f4").astype(np.float64)
            elif info["dtype"] == "F16":
                a = np.frombuffer(buf, "<f2").astype(np.float64)
            elif info["dtype"] == "BF16":
                a = (np.frombuffer(buf, "<u2").astype(np.uint32) << 16).view(np.float32).astype(np.float64)
            elif info["dtype"] == "I64":
                a = np.frombuffer(buf, "<i8")
            else:
                raise ValueError(info["dtype"])
            out[name] = a.reshape(info["shape"])
    else:
        import torch
        for k, v in torch.load(os.path.join(d, "pytorch_model.bin"), map_location="cpu").items():
            out[k] = v.numpy().astype(np.float64) if v.is_floating_point() else v.numpy()
    return {(k[5:] if k.startswith("bert.") else k): v for k, v in out.items()}


def layer_norm(x, g, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * g + b


def act(x, name):
    if name == "gelu":
        return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)).astype(np.float64))
    if name == "gelu_new":
        return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))
    if name == "relu":
        return np.maximum(x, 0.0)
    raise ValueError(name)


def encode(W, cfg, ids):
    """One unpadded sequence -> token embeddings [S, H]."""
    S, H, nh = len(ids), cfg["hidden_size"], cfg["num_attention_heads"]
    hd = H // nh
    eps = cfg["layer_norm_eps"]
    x = W["embeddings.word_embeddings.weight"][ids] + W["embeddings.token_type_embeddings.weight"][0] \
        + W["embeddings.position_embeddings.weight"][:S]
    x = layer_norm(x, W["embeddings.LayerNorm.weight"], W["embeddings.LayerNorm.bias"], eps)
    for i in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{i}."

        def lin(name, v):
            return v @ W[p + name + ".weight"].T + W[p + name + ".bias"]

        q, k, v = (lin("attention.self." + n, x).reshape(S, nh, hd).transpose(1, 0, 2) for n in ("query", "key", "value"))
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(hd)
        scores = scores - scores.max(-1, keepdims=True)
        probs = np.exp(scores)
        probs /= probs.sum(-1, keepdims=True)
        ctx = (probs @ v).transpose(1, 0, 2).reshape(S, H)
        a = layer_norm(lin("attention.output.dense", ctx) + x,
                       W[p + "attention.output.LayerNorm.weight"], W[p + "attention.output.LayerNorm.bias"], eps)
        h = act(lin("intermediate.dense", a), cfg["hidden_act"])
        x = layer_norm(lin("output.dense", h) + a, W[p + "output.LayerNorm.weight"], W[p + "output.LayerNorm.bias"], eps)
    return x


def settings(d):
    modules_path = os.path.join(d, "modules.json")
    if not os.path.exists(modules_path):
        return "mean", False
    pooling, normalize = None, False
    for m in json.load(open(modules_path)):
        if m["type"] == "sentence_transformers.models.Pooling":
            pc = json.load(open(os.path.join(d, m["path"], "config.json")))
            pooling = {"pooling_mode_cls_token": "cls", "pooling_mode_mean_tokens": "mean",
                       "pooling_mode_max_tokens": "max", "pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len_tokens"}
            pooling = [v for k, v in pooling.items() if pc[k]][0]
        if m["type"] == "sentence_transformers.models.Normalize":
            normalize = True
    return pooling, normalize


def main():
    worst = 0.0
    for name in sorted(os.listdir(MODELS)):
        d = os.path.join(MODELS, name)
        exp = json.load(open(os.path.join(d, "expected.json"), encoding="utf-8"))
        cfg = json.load(open(os.path.join(d, "config.json")))
        W = read_weights(d)
        pooling, normalize = settings(d)
        assert (pooling, normalize) == (exp["pooling"], exp["normalize"]), name
        rows = []
        for ids in exp["input_ids"]:
            t = encode(W, cfg, np.array(ids))
            if pooling == "cls":
                e = t[0]
            elif pooling == "max":
                e = t.max(0)
            elif pooling == "mean":
                e = t.sum(0) / len(ids)
            else:
                e = t.sum(0) / math.sqrt(len(ids))
            if normalize:
                e = e / max(np.linalg.norm(e), 1e-12)
            rows.append(e)
        diff = np.abs(np.array(rows) - np.array(exp["embeddings"])).max()
        hs = max(np.abs(encode(W, cfg, np.array(exp["input_ids"][i])) - np.array(h)).max()
                 for i, h in enumerate(exp["last_hidden_state_first3"]))
        print(f"{name}: numpy vs expected.json embeddings max abs diff {diff:.2e}, hidden states {hs:.2e}")
        worst = max(worst, diff, hs)
    if worst > 1e-9:
        sys.exit(f"FAILED: {worst}")
    print("OK")


if __name__ == "__main__":
    main()
