#!/usr/bin/python3
"""Build the reference fixtures under tests/fixtures/reference/.

Run from the repository root with Debian's interpreter (it has python3-torch):

    /usr/bin/python3 tools/reference/make_reference.py

Deterministic: weights come from numpy PCG64 generators with fixed seeds, the
forward pass runs in float64 on CPU. Writes

    tests/fixtures/reference/tokenization.json
    tests/fixtures/reference/models/<name>/...   (HF / sentence-transformers layout + expected.json)

Needs /work/shared/data/bert-base-uncased/vocab.txt (or --vocab / $SEMSEARCH_SHARED_DATA).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bert_reference as ref  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(REPO, "tests", "fixtures", "reference")
DEFAULT_VOCAB = os.path.join(
    os.environ.get("SEMSEARCH_SHARED_DATA", os.path.join(REPO, "..", "shared", "data")),
    "bert-base-uncased",
    "vocab.txt",
)
VOCAB_SHA256 = "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"

LONG_TEXT = (
    "I tried to top up my account with my credit card three times today, but every single attempt "
    "was declined and I still do not know why this keeps happening to me since last Tuesday."
)
WORD_150 = ("antidisestablishmentarianism" * 6)[:150]

# Texts fed to every reference model. No lone surrogates (JSON), no literal "[CLS]"-style
# special-token strings (Google's tokenizer splits them, HF's treats them as special), no
# private-use / unassigned code points (Google's and HF's _is_control differ there) and no
# word-final capital sigma (Python's str.lower applies Final_Sigma, .NET's ToLowerInvariant doesn't).
MODEL_TEXTS = [
    "The quick brown fox jumps over the lazy dog.",
    "I am still waiting on my card?",
    "Café Crème à la mode",
    "我爱北京天安门",
    "\U00020000 is a CJK Extension B character",
    "I \u2764\ufe0f \U0001F355!!!",
    "wait...what?!?!",
    "\u0000a\u0007b",
    "replacement \ufffd character",
    "tabs\tand\nnewlines\r\nmixed   spaces",
    "unaffable",
    "",
    LONG_TEXT,
    "Call 555-0123 or visit https://example.com/path?q=1&x=2 now",
    "email me at john.doe@example.org",
    "HeLLo WoRLD",
    WORD_150,
    "$100.50 (USD) \u2014 20% off; price: \u20ac30",
    "naïve résumé façade coöperate",
    "\u0130stanbul \u00c5NGSTR\u00d6M",
    "日本語のテキストとカタカナ",
    "한국어 문장입니다",
    "zero\u200bwidth and soft\u00adhyphen",
    "non\u00a0breaking\u3000ideographic space",
    "\u00abquoted\u00bb \u201etext\u201c \u2018single\u2019 \u2013 dash \u2026 ellipsis",
    "^caret `backtick` ~tilde| {braces} [brackets] <angle> \\back/slash",
    "   \t \n ",
    "How do I transfer money to my account from another country?",
    "x",
    "Ελληνικά κείμενα",
    "العربية",
    "\ufb01nance \uff26\uff35\uff2c\uff2c\uff37\uff29\uff24\uff34\uff28",
]

EXTRA_TOKENIZATION_TEXTS = [
    "Hello, world!",
    "don't I'm you're we'll they've",
    "state-of-the-art e.g. i.e. etc.",
    "1,234,567.89 and 3.14159 and 2nd 3rd 4th",
    "#BlackFriday @user_name",
    "C++ and C# and F# are languages",
    "rock'n'roll Mr. O'Neil",
    "unbelievably tokenization supercalifragilisticexpialidocious",
    "hello     world",
    "lowercase UPPERCASE CamelCase",
    "a" * 100,
    "a" * 101,
    "a" * 99 + "\U0001F600",
    "My card got declined at the ATM, what should I do?",
    "Is there a fee for exchanging GBP to EUR?",
    "Why did my top-up fail?!",
    "I want to change my PIN (personal identification number).",
    "transfer:pending/failed|reverted",
    "100% sure... or 99.9%?",
    "ümlaut Ünïcödé ÀÉÎÕÜ ñ Ñ ç",
    "Straße Maß groß",
    "ﬀ ﬂ ﬃ ligatures",
    "½ ¼ ² ³ µ",
    "tab\tseparated\tvalues",
    "\u2028line\u2029para\u0085nel",
    "emoji 😀😃😄 and flags 🇬🇧",
    "mixed中文and English",
    "ＡＢＣ１２３ fullwidth",
    "\u200d\u200c\u2060\ufeff joiners",
    "  leading and trailing  ",
]

# One tokenization case that is truncated.
TRUNCATED_CASE = (LONG_TEXT, 12)

CASED_TEXTS = ["HeLLo WoRLD", "Café Crème", "Hello, World!", "naïve"]


# name -> spec
MODELS = {
    "mini-mean-f32": dict(
        seed=1001,
        config=dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                    hidden_act="gelu", max_position_embeddings=64, type_vocab_size=2, layer_norm_eps=1e-12),
        max_seq_length=24, pooling="mean", normalize=True,
        weights="safetensors", dtype="F32", prefix="", pooler=False, position_ids=False, st_layout=True,
    ),
    "mini-cls-f16-prefixed": dict(
        seed=1002,
        config=dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=48,
                    hidden_act="gelu_new", max_position_embeddings=64, type_vocab_size=2, layer_norm_eps=1e-12),
        max_seq_length=16, pooling="cls", normalize=False,
        weights="safetensors", dtype="F16", prefix="bert.", pooler=False, position_ids=False, st_layout=True,
    ),
    "mini-max-bin": dict(
        seed=1003,
        config=dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=8, intermediate_size=64,
                    hidden_act="relu", max_position_embeddings=64, type_vocab_size=2, layer_norm_eps=1e-12),
        max_seq_length=32, pooling="max", normalize=True,
        weights="bin", dtype="F32", prefix="", pooler=True, position_ids=True, st_layout=True,
    ),
    "mini-meansqrt-bf16": dict(
        seed=1004,
        config=dict(hidden_size=32, num_hidden_layers=3, num_attention_heads=4, intermediate_size=40,
                    hidden_act="gelu", max_position_embeddings=64, type_vocab_size=1, layer_norm_eps=1e-7),
        max_seq_length=24, pooling="mean_sqrt_len_tokens", normalize=False,
        weights="safetensors", dtype="BF16", prefix="", pooler=False, position_ids=False, st_layout=True,
    ),
    "plain-hf-bert": dict(
        seed=1005,
        config=dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=37,
                    hidden_act="gelu", max_position_embeddings=64, type_vocab_size=2, layer_norm_eps=1e-12),
        tokenizer_model_max_length=20,
        max_seq_length=20, pooling="mean", normalize=False,
        weights="safetensors", dtype="F32", prefix="", pooler=True, position_ids=False, st_layout=False,
    ),
}


def dump_json(path, obj, indent=2):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(obj, f, ensure_ascii=False, indent=indent)
        f.write("\n")


def full_config(spec, vocab_size):
    c = dict(spec["config"])
    cfg = {
        "architectures": ["BertModel"],
        "attention_probs_dropout_prob": 0.1,
        "hidden_act": c["hidden_act"],
        "hidden_dropout_prob": 0.1,
        "hidden_size": c["hidden_size"],
        "initializer_range": 0.02,
        "intermediate_size": c["intermediate_size"],
        "layer_norm_eps": c["layer_norm_eps"],
        "max_position_embeddings": c["max_position_embeddings"],
        "model_type": "bert",
        "num_attention_heads": c["num_attention_heads"],
        "num_hidden_layers": c["num_hidden_layers"],
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "torch_dtype": {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}[spec["dtype"]],
        "transformers_version": "4.40.0",
        "type_vocab_size": c["type_vocab_size"],
        "use_cache": True,
        "vocab_size": vocab_size,
    }
    return cfg


def pooling_config(dim, mode):
    return {
        "word_embedding_dimension": dim,
        "pooling_mode_cls_token": mode == "cls",
        "pooling_mode_mean_tokens": mode == "mean",
        "pooling_mode_max_tokens": mode == "max",
        "pooling_mode_mean_sqrt_len_tokens": mode == "mean_sqrt_len_tokens",
    }


def write_model_folder(name, spec, vocab_path, vocab_size):
    return write_model_folder_at(os.path.join(OUT, "models", name), spec, vocab_path, vocab_size)


def write_model_folder_at(d, spec, vocab_path, vocab_size):
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    cfg = full_config(spec, vocab_size)
    dump_json(os.path.join(d, "config.json"), cfg)
    shutil.copyfile(vocab_path, os.path.join(d, "vocab.txt"))
    model_max_length = spec.get("tokenizer_model_max_length", 512)
    dump_json(os.path.join(d, "tokenizer_config.json"), {
        "clean_up_tokenization_spaces": True,
        "cls_token": "[CLS]",
        "do_basic_tokenize": True,
        "do_lower_case": True,
        "mask_token": "[MASK]",
        "model_max_length": model_max_length,
        "never_split": None,
        "pad_token": "[PAD]",
        "sep_token": "[SEP]",
        "strip_accents": None,
        "tokenize_chinese_chars": True,
        "tokenizer_class": "BertTokenizer",
        "unk_token": "[UNK]",
    })
    dump_json(os.path.join(d, "special_tokens_map.json"), {
        "cls_token": "[CLS]", "mask_token": "[MASK]", "pad_token": "[PAD]", "sep_token": "[SEP]", "unk_token": "[UNK]",
    })
    if spec["st_layout"]:
        modules = [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        ]
        if spec["normalize"]:
            # No 2_Normalize folder is written: sentence-transformers saves no file for Normalize and git
            # keeps no empty folder (the real all-MiniLM-L6-v2 hub repo has none either). Loaders must
            # tolerate its absence.
            modules.append({"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"})
        dump_json(os.path.join(d, "modules.json"), modules)
        dump_json(os.path.join(d, "sentence_bert_config.json"), {"max_seq_length": spec["max_seq_length"], "do_lower_case": False})
        os.makedirs(os.path.join(d, "1_Pooling"))
        dump_json(os.path.join(d, "1_Pooling", "config.json"), pooling_config(cfg["hidden_size"], spec["pooling"]))

    # weights
    c = dict(cfg)
    state = ref.random_bert_state(c, spec["seed"], with_pooler=spec["pooler"],
                                  linear_std=spec.get("linear_std", 0.25), emb_std=spec.get("emb_std", 0.5))
    prefix = spec["prefix"]
    if spec["weights"] == "safetensors":
        tensors = {prefix + k: (spec["dtype"], ref.to_storage(v, spec["dtype"])) for k, v in state.items()}
        if spec["position_ids"]:
            tensors[prefix + "embeddings.position_ids"] = ("I64", np.arange(c["max_position_embeddings"], dtype=np.int64)[None, :])
        ref.write_safetensors(os.path.join(d, "model.safetensors"), tensors, {"format": "pt"})
    else:
        assert spec["dtype"] == "F32"
        sd = {}
        for k, v in state.items():
            sd[prefix + k] = torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32)).clone()
        if spec["position_ids"]:
            sd[prefix + "embeddings.position_ids"] = torch.arange(c["max_position_embeddings"], dtype=torch.long).unsqueeze(0)
        torch.save(sd, os.path.join(d, "pytorch_model.bin"))
    return d, cfg


def build_reference_model(model_dir, cfg, pooling, normalize, dtype=torch.float64):
    enc = ref.SentenceEncoder(cfg, pooling=pooling, normalize=normalize, with_pooler=False)
    state = ref.load_state_f64(model_dir)  # weights exactly as stored, upcast to float64
    ref.load_bert_state(enc.bert, {k: torch.from_numpy(v) for k, v in state.items()})
    enc = enc.to(dtype)
    enc.eval()
    # the load must reproduce the stored weights bit-exactly (F16/BF16 -> float64 is exact)
    return enc


def pad_batch(id_lists, pad_id=0):
    n = max(len(x) for x in id_lists)
    ids = torch.full((len(id_lists), n), pad_id, dtype=torch.long)
    mask = torch.zeros((len(id_lists), n), dtype=torch.long)
    for i, x in enumerate(id_lists):
        ids[i, : len(x)] = torch.tensor(x, dtype=torch.long)
        mask[i, : len(x)] = 1
    return ids, mask


def make_model_fixture(name, spec, tok, vocab_path):
    d, cfg = write_model_folder(name, spec, vocab_path, len(tok.vocab))
    max_len = spec["max_seq_length"]
    if not spec["st_layout"]:
        # the default a loader must derive for a plain HF folder
        assert max_len == min(cfg["max_position_embeddings"], spec.get("tokenizer_model_max_length", 512))
    encs = [tok.encode(t, max_length=max_len) for t in MODEL_TEXTS]
    tokens = [e[0] for e in encs]
    ids = [e[1] for e in encs]
    assert all(len(x) <= max_len for x in ids)
    assert any(len(tok.encode(t)[1]) > max_len for t in MODEL_TEXTS), "truncation not exercised"

    model = build_reference_model(d, cfg, spec["pooling"], spec["normalize"])
    with torch.no_grad():
        single = []
        hidden_first = []
        for i, x in enumerate(ids):
            b, m = pad_batch([x])
            single.append(model(b, m)[0])
            if i < 3:
                hidden_first.append(model.bert(b, m)[0].tolist())
        single = torch.stack(single)
        # consistency: the same texts in one padded batch (and in reverse order) give the same vectors
        b, m = pad_batch(ids)
        batched = model(b, m)
        b2, m2 = pad_batch(ids[::-1])
        batched_rev = model(b2, m2).flip(0)
        batch_diff = max((single - batched).abs().max().item(), (single - batched_rev).abs().max().item())
        assert batch_diff < 1e-9, f"{name}: batch vs single differ by {batch_diff}"
        # how far plain float32 inference is from the float64 reference (informational)
        m32 = build_reference_model(d, cfg, spec["pooling"], spec["normalize"], dtype=torch.float32)
        f32 = m32(b, m).double()
        f32_diff = (f32 - batched).abs().max().item()

    emb = single.numpy()
    assert np.all(np.isfinite(emb))
    if spec["normalize"]:
        assert np.allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-12)
    # the embeddings must actually differ from text to text
    assert np.min([np.abs(emb[i] - emb[j]).max() for i in range(len(emb)) for j in range(i)
                   if ids[i] != ids[j]]) > 1e-3

    weights_file = "model.safetensors" if spec["weights"] == "safetensors" else "pytorch_model.bin"
    expected = {
        "model": name,
        "generated_by": "tools/reference/make_reference.py",
        "torch_version": torch.__version__,
        "compute_dtype": "float64",
        "note": "embeddings computed in float64 from the weights exactly as stored (F16/BF16 upcast), one text at a time",
        "weights": {
            "file": weights_file,
            "dtype": spec["dtype"],
            "key_prefix": spec["prefix"],
            "extra_keys_to_ignore": ([spec["prefix"] + "embeddings.position_ids"] if spec["position_ids"] else [])
            + ([spec["prefix"] + "pooler.dense.weight", spec["prefix"] + "pooler.dense.bias"] if spec["pooler"] else []),
        },
        "config": {k: cfg[k] for k in ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
                                       "intermediate_size", "hidden_act", "max_position_embeddings",
                                       "type_vocab_size", "layer_norm_eps")},
        "max_seq_length": max_len,
        "pooling": spec["pooling"],
        "normalize": spec["normalize"],
        "dimension": cfg["hidden_size"],
        "do_lower_case": True,
        "sentence_transformers_layout": spec["st_layout"],
        "texts": MODEL_TEXTS,
        "tokens": tokens,
        "input_ids": ids,
        "embeddings": emb.tolist(),
        "last_hidden_state_first3": hidden_first,
        "batch_vs_single_max_abs_diff": batch_diff,
        "float32_inference_max_abs_diff": f32_diff,
    }
    if not spec["st_layout"]:
        expected["assumed_defaults"] = {
            "why": "no modules.json / sentence_bert_config.json: defaults of sentence-transformers for a plain HF model",
            "pooling": "mean",
            "normalize": False,
            "max_seq_length": "min(config.max_position_embeddings, tokenizer_config.model_max_length) = min(%d, %d) = %d"
            % (cfg["max_position_embeddings"], spec.get("tokenizer_model_max_length", 512), max_len),
        }
    dump_json(os.path.join(d, "expected.json"), expected, indent=1)
    return batch_diff, f32_diff


def make_tokenization_fixture(tok, tok_cased):
    cases = []
    for t in MODEL_TEXTS + EXTRA_TOKENIZATION_TEXTS:
        tokens, ids = tok.encode(t)
        cases.append({"text": t, "max_length": None, "basic_tokens": tok.basic_tokens(t), "tokens": tokens, "ids": ids})
    t, n = TRUNCATED_CASE
    tokens, ids = tok.encode(t, max_length=n)
    assert len(ids) == n
    cases.append({"text": t, "max_length": n, "basic_tokens": tok.basic_tokens(t), "tokens": tokens, "ids": ids})
    cased = []
    for t in CASED_TEXTS:
        tokens, ids = tok_cased.encode(t)
        cased.append({"text": t, "max_length": None, "basic_tokens": tok_cased.basic_tokens(t), "tokens": tokens, "ids": ids})
    dump_json(os.path.join(OUT, "tokenization.json"), {
        "generated_by": "tools/reference/make_reference.py (port of the rules of google-research/bert tokenization.py)",
        "vocab": "bert-base-uncased/vocab.txt",
        "vocab_sha256": VOCAB_SHA256,
        "notes": "tokens/ids include [CLS] and [SEP]; max_length null = no truncation, else word pieces cut to max_length-2",
        "do_lower_case": True,
        "cases": cases,
        "cased": {"do_lower_case": False, "cases": cased},
    }, indent=1)
    return len(cases)


def self_check_tokenizer(tok):
    # known outputs of bert-base-uncased
    assert tok.encode("Hello, world!")[1] == [101, 7592, 1010, 2088, 999, 102], tok.encode("Hello, world!")
    assert tok.tokenize("unaffable") == ["una", "##ffa", "##ble"], tok.tokenize("unaffable")
    assert tok.tokenize("\u0000a\u0007b") == tok.tokenize("ab")
    assert tok.tokenize("我爱北") == ["我", "[UNK]", "北"]  # 爱 is not in the vocab
    assert tok.tokenize("a" * 101) == ["[UNK]"]
    assert tok.encode("")[1] == [101, 102]
    assert tok.basic_tokens("Café Crème!") == ["cafe", "creme", "!"]
    assert tok.basic_tokens("wait...what") == ["wait", ".", ".", ".", "what"]


def self_check_safetensors(tmp_dir):
    rng = np.random.default_rng(7)
    a = rng.normal(size=(3, 5))
    p = os.path.join(tmp_dir, "check.safetensors")
    ref.write_safetensors(p, {"b": ("F16", ref.to_storage(a, "F16")), "a": ("BF16", ref.to_storage(a, "BF16")),
                              "c": ("F32", ref.to_storage(a, "F32")), "d": ("I64", np.arange(4)[None, :])})
    raw = open(p, "rb").read()
    n = int.from_bytes(raw[:8], "little")
    assert (8 + n) % 8 == 0
    t, meta = ref.read_safetensors(p)
    assert meta == {"format": "pt"} and list(json.loads(raw[8:8 + n])) == ["a", "b", "c", "d", "__metadata__"]
    # our BF16 rounding agrees with torch's float32 -> bfloat16 conversion
    tb = torch.from_numpy(a.astype(np.float32)).to(torch.bfloat16).float().numpy()
    assert np.array_equal(ref.bf16_bits_to_f32(t["a"][1]), tb)
    assert np.array_equal(t["b"][1].astype(np.float64), torch.from_numpy(a).half().double().numpy())
    assert np.array_equal(t["c"][1], a.astype(np.float32))
    os.remove(p)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vocab", default=DEFAULT_VOCAB)
    args = ap.parse_args()
    vocab_path = os.path.abspath(args.vocab)
    with open(vocab_path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    if sha != VOCAB_SHA256:
        sys.exit(f"unexpected vocab sha256 {sha}")
    torch.manual_seed(0)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)

    os.makedirs(os.path.join(OUT, "models"), exist_ok=True)
    tok = ref.BertWordPieceTokenizer(vocab_path, do_lower_case=True)
    tok_cased = ref.BertWordPieceTokenizer(vocab_path, do_lower_case=False)
    self_check_tokenizer(tok)
    self_check_safetensors(OUT)
    n = make_tokenization_fixture(tok, tok_cased)
    print(f"tokenization.json: {n} cases (+{len(CASED_TEXTS)} cased)")
    for name, spec in MODELS.items():
        bd, fd = make_model_fixture(name, spec, tok, vocab_path)
        print(f"{name}: batch-vs-single {bd:.2e}, float32-vs-float64 {fd:.2e}")


if __name__ == "__main__":
    main()
