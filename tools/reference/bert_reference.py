"""Independent reference implementation of BERT / Sentence-BERT for SemanticSearch.

Plain Python + PyTorch only (no transformers / sentence-transformers / safetensors
packages). Three parts:

* ``BertWordPieceTokenizer`` -- a port of the *rules* of Google BERT's
  ``tokenization.py`` (BasicTokenizer + WordpieceTokenizer).
* ``BertModel`` / ``SentenceEncoder`` -- torch ``nn.Module`` that mirrors the
  Hugging Face ``BertModel`` (same parameter names) followed by
  sentence-transformers Pooling and Normalize.
* A tiny safetensors writer / reader (F32, F16, BF16, I64).

Used by tools/reference/make_reference.py (test fixtures),
tools/reference/make_minilm_random.py and the bench/ anchors.
"""

from __future__ import annotations

import collections
import json
import math
import os
import struct
import unicodedata

import numpy as np

# --------------------------------------------------------------------------------------
# Tokenizer (rules of google-research/bert tokenization.py)
# --------------------------------------------------------------------------------------


def load_vocab(path):
    """token -> id, one token per line, id = 0-based line number (Google load_vocab)."""
    vocab = collections.OrderedDict()
    with open(path, "r", encoding="utf-8") as f:
        index = 0
        for line in f:
            token = line.strip()
            vocab[token] = index
            index += 1
    return vocab


def whitespace_tokenize(text):
    text = text.strip()
    if not text:
        return []
    return text.split()


def _is_whitespace(char):
    # \t, \n, \r are technically control characters but BERT treats them as whitespace.
    if char == " " or char == "\t" or char == "\n" or char == "\r":
        return True
    return unicodedata.category(char) == "Zs"


def _is_control(char):
    if char == "\t" or char == "\n" or char == "\r":
        return False
    # Google BERT: Cc and Cf only. (HF transformers' BasicTokenizer uses every "C*"
    # category, i.e. also Co/Cs/Cn; the fixtures avoid such characters.)
    return unicodedata.category(char) in ("Cc", "Cf")


def _is_punctuation(char):
    cp = ord(char)
    # All non-letter/number ASCII is punctuation for BERT, e.g. "^", "$", "`".
    if (33 <= cp <= 47) or (58 <= cp <= 64) or (91 <= cp <= 96) or (123 <= cp <= 126):
        return True
    return unicodedata.category(char).startswith("P")


def _is_chinese_char(cp):
    # CJK Unified Ideographs blocks, as in BERT (not Hangul / Hiragana / Katakana).
    return (
        (0x4E00 <= cp <= 0x9FFF)
        or (0x3400 <= cp <= 0x4DBF)
        or (0x20000 <= cp <= 0x2A6DF)
        or (0x2A700 <= cp <= 0x2B73F)
        or (0x2B740 <= cp <= 0x2B81F)
        or (0x2B820 <= cp <= 0x2CEAF)
        or (0xF900 <= cp <= 0xFAFF)
        or (0x2F800 <= cp <= 0x2FA1F)
    )


class BasicTokenizer:
    def __init__(self, do_lower_case=True):
        self.do_lower_case = do_lower_case

    def tokenize(self, text):
        text = self._clean_text(text)
        text = self._tokenize_chinese_chars(text)
        orig_tokens = whitespace_tokenize(text)
        split_tokens = []
        for token in orig_tokens:
            if self.do_lower_case:
                token = token.lower()
                token = self._run_strip_accents(token)
            split_tokens.extend(self._run_split_on_punc(token))
        return whitespace_tokenize(" ".join(split_tokens))

    @staticmethod
    def _run_strip_accents(text):
        text = unicodedata.normalize("NFD", text)
        return "".join(c for c in text if unicodedata.category(c) != "Mn")

    @staticmethod
    def _run_split_on_punc(text):
        output = []
        start_new_word = True
        for char in text:
            if _is_punctuation(char):
                output.append([char])
                start_new_word = True
            else:
                if start_new_word:
                    output.append([])
                start_new_word = False
                output[-1].append(char)
        return ["".join(x) for x in output]

    @staticmethod
    def _tokenize_chinese_chars(text):
        out = []
        for char in text:
            if _is_chinese_char(ord(char)):
                out.append(" ")
                out.append(char)
                out.append(" ")
            else:
                out.append(char)
        return "".join(out)

    @staticmethod
    def _clean_text(text):
        out = []
        for char in text:
            cp = ord(char)
            if cp == 0 or cp == 0xFFFD or _is_control(char):
                continue
            out.append(" " if _is_whitespace(char) else char)
        return "".join(out)


class WordpieceTokenizer:
    def __init__(self, vocab, unk_token="[UNK]", max_input_chars_per_word=100):
        self.vocab = vocab
        self.unk_token = unk_token
        self.max_input_chars_per_word = max_input_chars_per_word

    def tokenize(self, text):
        output_tokens = []
        for token in whitespace_tokenize(text):
            chars = list(token)  # code points
            if len(chars) > self.max_input_chars_per_word:
                output_tokens.append(self.unk_token)
                continue
            is_bad = False
            start = 0
            sub_tokens = []
            while start < len(chars):
                end = len(chars)
                cur_substr = None
                while start < end:
                    substr = "".join(chars[start:end])
                    if start > 0:
                        substr = "##" + substr
                    if substr in self.vocab:
                        cur_substr = substr
                        break
                    end -= 1
                if cur_substr is None:
                    is_bad = True
                    break
                sub_tokens.append(cur_substr)
                start = end
            if is_bad:
                output_tokens.append(self.unk_token)
            else:
                output_tokens.extend(sub_tokens)
        return output_tokens


class BertWordPieceTokenizer:
    """FullTokenizer + sentence-transformers style single-text encoding."""

    def __init__(self, vocab_path, do_lower_case=True):
        self.vocab = load_vocab(vocab_path)
        self.inv_vocab = {v: k for k, v in self.vocab.items()}
        self.basic = BasicTokenizer(do_lower_case=do_lower_case)
        self.wordpiece = WordpieceTokenizer(self.vocab)
        self.cls_id = self.vocab["[CLS]"]
        self.sep_id = self.vocab["[SEP]"]
        self.pad_id = self.vocab["[PAD]"]

    def basic_tokens(self, text):
        return self.basic.tokenize(text)

    def tokenize(self, text):
        out = []
        for token in self.basic.tokenize(text):
            out.extend(self.wordpiece.tokenize(token))
        return out

    def encode(self, text, max_length=None):
        """-> (tokens, ids) with [CLS]/[SEP]; word pieces truncated to max_length-2."""
        pieces = self.tokenize(text)
        if max_length is not None:
            pieces = pieces[: max(0, max_length - 2)]
        tokens = ["[CLS]"] + pieces + ["[SEP]"]
        return tokens, [self.vocab[t] for t in tokens]


# --------------------------------------------------------------------------------------
# Model (mirrors HF BertModel parameter names) + sentence-transformers pooling
# --------------------------------------------------------------------------------------

import torch  # noqa: E402  (tokenizer above is usable without torch semantics)
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


ACTIVATIONS = {
    "gelu": F.gelu,  # exact erf GELU
    "gelu_new": gelu_new,  # tanh approximation
    "relu": F.relu,
}


class BertEmbeddings(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        h = cfg["hidden_size"]
        self.word_embeddings = nn.Embedding(cfg["vocab_size"], h)
        self.position_embeddings = nn.Embedding(cfg["max_position_embeddings"], h)
        self.token_type_embeddings = nn.Embedding(cfg["type_vocab_size"], h)
        self.LayerNorm = nn.LayerNorm(h, eps=cfg["layer_norm_eps"])
        self.dropout = nn.Dropout(cfg.get("hidden_dropout_prob", 0.1))

    def forward(self, input_ids, token_type_ids):
        seq_len = input_ids.shape[1]
        position_ids = torch.arange(seq_len, dtype=torch.long, device=input_ids.device).unsqueeze(0)
        embeddings = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        embeddings = embeddings + self.position_embeddings(position_ids)
        embeddings = self.LayerNorm(embeddings)
        return self.dropout(embeddings)


class BertSelfAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        h = cfg["hidden_size"]
        self.num_heads = cfg["num_attention_heads"]
        assert h % self.num_heads == 0
        self.head_dim = h // self.num_heads
        self.query = nn.Linear(h, h)
        self.key = nn.Linear(h, h)
        self.value = nn.Linear(h, h)
        self.dropout = nn.Dropout(cfg.get("attention_probs_dropout_prob", 0.1))

    def _split(self, x):
        b, s, _ = x.shape
        return x.view(b, s, self.num_heads, self.head_dim).permute(0, 2, 1, 3)

    def forward(self, hidden, additive_mask):
        q = self._split(self.query(hidden))
        k = self._split(self.key(hidden))
        v = self._split(self.value(hidden))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim)
        scores = scores + additive_mask  # [B,1,1,S]: 0 for tokens, large negative for padding
        probs = self.dropout(torch.softmax(scores, dim=-1))
        ctx = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous()
        b, s = ctx.shape[0], ctx.shape[1]
        return ctx.view(b, s, self.num_heads * self.head_dim)


class BertSelfOutput(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        h = cfg["hidden_size"]
        self.dense = nn.Linear(h, h)
        self.LayerNorm = nn.LayerNorm(h, eps=cfg["layer_norm_eps"])
        self.dropout = nn.Dropout(cfg.get("hidden_dropout_prob", 0.1))

    def forward(self, hidden, residual):
        return self.LayerNorm(self.dropout(self.dense(hidden)) + residual)


class BertAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.self = BertSelfAttention(cfg)
        self.output = BertSelfOutput(cfg)

    def forward(self, hidden, additive_mask):
        return self.output(self.self(hidden, additive_mask), hidden)


class BertIntermediate(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.dense = nn.Linear(cfg["hidden_size"], cfg["intermediate_size"])
        self.act = ACTIVATIONS[cfg["hidden_act"]]

    def forward(self, hidden):
        return self.act(self.dense(hidden))


class BertOutput(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.dense = nn.Linear(cfg["intermediate_size"], cfg["hidden_size"])
        self.LayerNorm = nn.LayerNorm(cfg["hidden_size"], eps=cfg["layer_norm_eps"])
        self.dropout = nn.Dropout(cfg.get("hidden_dropout_prob", 0.1))

    def forward(self, hidden, residual):
        return self.LayerNorm(self.dropout(self.dense(hidden)) + residual)


class BertLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.attention = BertAttention(cfg)
        self.intermediate = BertIntermediate(cfg)
        self.output = BertOutput(cfg)

    def forward(self, hidden, additive_mask):
        attn = self.attention(hidden, additive_mask)
        return self.output(self.intermediate(attn), attn)


class BertEncoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(cfg) for _ in range(cfg["num_hidden_layers"])])

    def forward(self, hidden, additive_mask):
        for layer in self.layer:
            hidden = layer(hidden, additive_mask)
        return hidden


class BertPooler(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.dense = nn.Linear(cfg["hidden_size"], cfg["hidden_size"])

    def forward(self, hidden):
        return torch.tanh(self.dense(hidden[:, 0]))


class BertModel(nn.Module):
    """Returns last_hidden_state [B, S, H]. The pooler exists for the state dict only."""

    def __init__(self, cfg, with_pooler=True):
        super().__init__()
        self.embeddings = BertEmbeddings(cfg)
        self.encoder = BertEncoder(cfg)
        self.pooler = BertPooler(cfg) if with_pooler else None

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        dtype = self.embeddings.word_embeddings.weight.dtype
        # HF "extended attention mask": (1 - mask) * finfo(dtype).min, broadcast over heads/queries
        additive = (1.0 - attention_mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min
        hidden = self.embeddings(input_ids, token_type_ids)
        return self.encoder(hidden, additive)


POOLING_MODES = ("cls", "max", "mean", "mean_sqrt_len_tokens")


def pool(token_embeddings, attention_mask, mode):
    """sentence-transformers models.Pooling for a single mode."""
    if mode == "cls":
        return token_embeddings[:, 0]
    mask = attention_mask.unsqueeze(-1).expand(token_embeddings.size()).to(token_embeddings.dtype)
    if mode == "max":
        te = token_embeddings.clone()
        te[mask == 0] = -1e9
        return torch.max(te, 1)[0]
    sum_embeddings = torch.sum(token_embeddings * mask, 1)
    sum_mask = torch.clamp(mask.sum(1), min=1e-9)
    if mode == "mean":
        return sum_embeddings / sum_mask
    if mode == "mean_sqrt_len_tokens":
        return sum_embeddings / torch.sqrt(sum_mask)
    raise ValueError(mode)


class SentenceEncoder(nn.Module):
    """Transformer -> Pooling -> (Normalize)."""

    def __init__(self, cfg, pooling="mean", normalize=True, with_pooler=True):
        super().__init__()
        self.bert = BertModel(cfg, with_pooler=with_pooler)
        self.pooling = pooling
        self.normalize = normalize

    def forward(self, input_ids, attention_mask):
        tok = self.bert(input_ids, attention_mask)
        emb = pool(tok, attention_mask, self.pooling)
        if self.normalize:
            emb = F.normalize(emb, p=2, dim=1)
        return emb


def load_bert_state(model: BertModel, state: dict):
    """Load a HF-named state dict (optionally 'bert.'-prefixed); ignore position_ids/pooler."""
    own = model.state_dict()
    clean = {}
    for k, v in state.items():
        name = k[len("bert."):] if k.startswith("bert.") else k
        if name == "embeddings.position_ids" or (name.startswith("pooler.") and "pooler.dense.weight" not in own):
            continue  # buffers / pooler weights that sentence embeddings never use
        clean[name] = v
    missing = [k for k in own if k not in clean]
    unexpected = [k for k in clean if k not in own]
    if missing or unexpected:
        raise KeyError(f"missing={missing} unexpected={unexpected}")
    with torch.no_grad():
        for k, p in own.items():
            src = clean[k]
            if not isinstance(src, torch.Tensor):
                src = torch.from_numpy(np.ascontiguousarray(src))
            assert tuple(src.shape) == tuple(p.shape), (k, src.shape, p.shape)
            p.copy_(src.to(p.dtype))


def random_bert_state(cfg, seed, linear_std=0.25, emb_std=0.5, with_pooler=True):
    """Deterministic (numpy PCG64) float64 weights with HF names, 'large' on purpose so every op matters."""
    rng = np.random.default_rng(seed)
    h, inter = cfg["hidden_size"], cfg["intermediate_size"]
    st = collections.OrderedDict()

    def lin(prefix, n_out, n_in, std=linear_std):
        st[prefix + ".weight"] = rng.normal(0.0, std, size=(n_out, n_in))
        st[prefix + ".bias"] = rng.normal(0.0, 0.1, size=(n_out,))

    def ln(prefix):
        st[prefix + ".weight"] = 1.0 + rng.uniform(-0.2, 0.2, size=(h,))
        st[prefix + ".bias"] = rng.uniform(-0.1, 0.1, size=(h,))

    st["embeddings.word_embeddings.weight"] = rng.normal(0.0, emb_std, size=(cfg["vocab_size"], h))
    # position / token-type embeddings at 0.6x the word-embedding scale, so the words dominate
    st["embeddings.position_embeddings.weight"] = rng.normal(0.0, 0.6 * emb_std, size=(cfg["max_position_embeddings"], h))
    st["embeddings.token_type_embeddings.weight"] = rng.normal(0.0, 0.6 * emb_std, size=(cfg["type_vocab_size"], h))
    ln("embeddings.LayerNorm")
    for i in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        lin(p + "attention.self.query", h, h)
        lin(p + "attention.self.key", h, h)
        lin(p + "attention.self.value", h, h)
        lin(p + "attention.output.dense", h, h)
        ln(p + "attention.output.LayerNorm")
        lin(p + "intermediate.dense", inter, h)
        lin(p + "output.dense", h, inter, std=linear_std * math.sqrt(h / inter) if inter > h else linear_std)
        ln(p + "output.LayerNorm")
    if with_pooler:
        lin("pooler.dense", h, h)
    return st


# --------------------------------------------------------------------------------------
# safetensors (hand-written)
# --------------------------------------------------------------------------------------

_ST_DTYPES = {"F32": (np.float32, 4), "F16": (np.float16, 2), "BF16": (np.uint16, 2), "I64": (np.int64, 8)}


def f32_to_bf16_bits(a):
    """float -> bfloat16 bit patterns (uint16), round-to-nearest-even (NaN-free input)."""
    bits = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounding = 0x7FFF + ((bits >> 16) & 1)
    return ((bits + rounding) >> 16).astype(np.uint16)


def bf16_bits_to_f32(b):
    return (np.asarray(b, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)


def to_storage(a, dtype):
    """float64/float32 array -> numpy array holding the stored representation."""
    if dtype == "F32":
        return np.asarray(a, dtype=np.float32)
    if dtype == "F16":
        return np.asarray(a, dtype=np.float64).astype(np.float16)  # round-to-nearest-even
    if dtype == "BF16":
        return f32_to_bf16_bits(np.asarray(a, dtype=np.float64).astype(np.float32))
    if dtype == "I64":
        return np.asarray(a, dtype=np.int64)
    raise ValueError(dtype)


def storage_to_f64(arr, dtype):
    if dtype == "BF16":
        return bf16_bits_to_f32(arr).astype(np.float64)
    return np.asarray(arr).astype(np.float64)


def write_safetensors(path, tensors: dict, metadata=None):
    """tensors: name -> (dtype string, numpy array in stored representation). Sorted by name."""
    header = {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        dtype, arr = tensors[name]
        np_dtype, _ = _ST_DTYPES[dtype]
        data = np.ascontiguousarray(arr, dtype=np_dtype).astype(np.dtype(np_dtype).newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = metadata if metadata is not None else {"format": "pt"}
    hjson = json.dumps(header, separators=(",", ":")).encode("utf-8")
    pad = (8 - (8 + len(hjson)) % 8) % 8
    hjson += b" " * pad
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    """-> (name -> (dtype, numpy array in stored representation), metadata)."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n].decode("utf-8"))
    base = 8 + n
    meta = header.pop("__metadata__", None)
    out = {}
    for name, info in header.items():
        np_dtype, size = _ST_DTYPES[info["dtype"]]
        b, e = info["data_offsets"]
        count = (e - b) // size
        arr = np.frombuffer(raw, dtype=np.dtype(np_dtype).newbyteorder("<"), count=count, offset=base + b)
        out[name] = (info["dtype"], arr.reshape(info["shape"]).copy())
    return out, meta


def load_state_f64(model_dir):
    """Read model.safetensors or pytorch_model.bin -> name -> float64 numpy (ints left as int)."""
    st_path = os.path.join(model_dir, "model.safetensors")
    if os.path.exists(st_path):
        tensors, _ = read_safetensors(st_path)
        return {k: (storage_to_f64(a, d) if d != "I64" else a) for k, (d, a) in tensors.items()}
    bin_path = os.path.join(model_dir, "pytorch_model.bin")
    state = torch.load(bin_path, map_location="cpu")
    return {k: (v.double().numpy() if v.is_floating_point() else v.numpy()) for k, v in state.items()}


# --------------------------------------------------------------------------------------
# Reading a sentence-transformers / HF model folder (used by the bench anchors)
# --------------------------------------------------------------------------------------

_POOLING_KEYS = {
    "pooling_mode_cls_token": "cls",
    "pooling_mode_max_tokens": "max",
    "pooling_mode_mean_tokens": "mean",
    "pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len_tokens",
}


def read_model_settings(model_dir):
    """-> dict(config, max_seq_length, pooling, normalize, do_lower_case) with sentence-transformers defaults."""
    def rd(name):
        p = os.path.join(model_dir, name)
        if not os.path.exists(p):
            return None
        with open(p, encoding="utf-8") as f:
            return json.load(f)

    cfg = rd("config.json")
    tok_cfg = rd("tokenizer_config.json") or {}
    modules = rd("modules.json")
    sbert = rd("sentence_bert_config.json") or {}
    pooling, normalize = "mean", False
    if modules:
        for m in modules:
            if m["type"].endswith("models.Pooling"):
                pc = rd(os.path.join(m["path"], "config.json"))
                modes = [v for k, v in _POOLING_KEYS.items() if pc.get(k)]
                if len(modes) != 1:
                    raise ValueError(f"exactly one pooling mode supported, got {modes}")
                pooling = modes[0]
            elif m["type"].endswith("models.Normalize"):
                normalize = True
    max_len = sbert.get("max_seq_length")
    if max_len is None:
        max_len = min(cfg["max_position_embeddings"], tok_cfg.get("model_max_length", 10**9))
    return dict(config=cfg, max_seq_length=max_len, pooling=pooling, normalize=normalize,
                do_lower_case=tok_cfg.get("do_lower_case", True))


def load_sentence_encoder(model_dir, dtype=torch.float32):
    s = read_model_settings(model_dir)
    enc = SentenceEncoder(s["config"], pooling=s["pooling"], normalize=s["normalize"], with_pooler=False)
    state = load_state_f64(model_dir)
    load_bert_state(enc.bert, {k: torch.from_numpy(v) for k, v in state.items()})
    enc = enc.to(dtype).eval()
    tok = BertWordPieceTokenizer(os.path.join(model_dir, "vocab.txt"), do_lower_case=s["do_lower_case"])
    return enc, tok, s
