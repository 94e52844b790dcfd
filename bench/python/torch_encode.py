#!/usr/bin/python3
"""PyTorch encode anchor for the `semsearch encode` benchmark.

    /usr/bin/python3 bench/python/torch_encode.py --model DIR --input texts.txt [--threads 1,2]
        [--batch-size 32] [--repeat 2] [--write-ids ids.json] [--save-embeddings emb.npy] [--json result.json]

Forward passes only (eval, no grad, float32) of the plain-torch BERT in tools/reference/bert_reference.py
(HF BertModel mirror + sentence-transformers pooling/Normalize), on length-sorted batches of 32 the way
sentence-transformers' encode() builds them (texts sorted by descending character length with
np.argsort, each batch padded to its longest sequence). Tokenization (pure-Python BERT tokenizer, all
texts, once) is timed separately from the forward passes.

Each thread count runs in its own child process, because BLAS/OpenMP thread pools and
OPENBLAS_CORETYPE must be set in the environment before torch is imported:
OMP_NUM_THREADS = OPENBLAS_NUM_THREADS = N, OPENBLAS_CORETYPE = SkylakeX if the CPU has avx512f,
else Haswell, OMP_WAIT_POLICY = PASSIVE (see --omp-wait-policy). The best (fastest) thread count is reported.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REF = os.path.abspath(os.path.join(HERE, "..", "..", "tools", "reference"))


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def openblas_coretype():
    return "SkylakeX" if "avx512f" in cpu_flags() else "Haswell"


def read_texts(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f]


def worker(args):
    # environment has been prepared by the parent; only now import torch
    import numpy as np
    import torch

    sys.path.insert(0, REF)
    import bert_reference as ref

    torch.set_num_threads(args.threads_one)
    torch.set_num_interop_threads(1)
    torch.set_grad_enabled(False)

    texts = read_texts(args.input)
    t0 = time.perf_counter()
    model, tok, settings = ref.load_sentence_encoder(args.model, dtype=torch.float32)
    load_s = time.perf_counter() - t0

    max_len = settings["max_seq_length"]
    t0 = time.perf_counter()
    ids = [tok.encode(t, max_length=max_len)[1] for t in texts]
    tokenize_s = time.perf_counter() - t0

    # sentence-transformers: length_sorted_idx = np.argsort([-len(text) for text in sentences])
    order = np.argsort([-len(t) for t in texts])
    bs = args.batch_size
    batches = []
    for start in range(0, len(order), bs):
        idx = order[start : start + bs]
        seqs = [ids[i] for i in idx]
        n = max(len(s) for s in seqs)
        input_ids = np.zeros((len(seqs), n), dtype=np.int64)
        mask = np.zeros((len(seqs), n), dtype=np.int64)
        for r, s in enumerate(seqs):
            input_ids[r, : len(s)] = s
            mask[r, : len(s)] = 1
        batches.append((idx, input_ids, mask))

    if args.write_ids:
        with open(args.write_ids, "w", encoding="utf-8") as f:
            json.dump({"batch_size": bs, "max_seq_length": max_len, "order": [int(i) for i in order],
                       "input_ids": ids}, f)

    out = np.zeros((len(texts), model.bert.embeddings.word_embeddings.weight.shape[1]), dtype=np.float32)

    def run_all():
        for idx, input_ids, mask in batches:
            emb = model(torch.from_numpy(input_ids), torch.from_numpy(mask))
            out[idx] = emb.numpy()

    # warm-up: one batch of the longest texts (not timed)
    model(torch.from_numpy(batches[0][1]), torch.from_numpy(batches[0][2]))
    times, cpu_times = [], []
    for _ in range(args.repeat):
        c0, t0 = time.process_time(), time.perf_counter()
        run_all()
        times.append(time.perf_counter() - t0)
        cpu_times.append(time.process_time() - c0)
    best_run = min(range(len(times)), key=times.__getitem__)
    forward_s = times[best_run]
    if args.save_embeddings:
        np.save(args.save_embeddings, out)
    n_tokens = sum(len(x) for x in ids)
    padded = sum(b[1].size for b in batches)
    print(json.dumps({
        "threads": args.threads_one, "texts": len(texts), "batches": len(batches), "batch_size": bs,
        "tokens": n_tokens, "padded_tokens": padded, "max_seq_length": max_len,
        "load_s": load_s, "tokenize_s": tokenize_s, "forward_s": forward_s, "forward_runs_s": times,
        "cpu_s": cpu_times[best_run],  # process CPU time (all threads) of the reported pass
        "texts_per_s": len(texts) / forward_s,
        "torch": torch.__version__, "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
    }))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--input", required=True, help="UTF-8 text file, one text per line")
    ap.add_argument("--threads", default="1,2", help="comma-separated thread counts to try")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--repeat", type=int, default=2, help="timed passes over all batches; the fastest is reported")
    ap.add_argument("--write-ids", help="write token ids + batch order as JSON (input of bench/onnx/ort_encode.mjs)")
    ap.add_argument("--save-embeddings", help="save float32 embeddings (.npy, original text order)")
    ap.add_argument("--json", help="write all results as JSON here")
    ap.add_argument("--omp-wait-policy", default="PASSIVE",
                    help="OMP_WAIT_POLICY for the workers (default PASSIVE: Debian's torch uses the pthread build of "
                         "OpenBLAS, whose pool spins next to torch's OpenMP pool; with 2 threads each on 2 cores and "
                         "spinning OpenMP workers a pass was measured 8x slower)")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--threads-one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args)
        return

    coretype = openblas_coretype()
    results = []
    for i, n in enumerate(int(x) for x in args.threads.split(",")):
        env = dict(os.environ, OPENBLAS_CORETYPE=coretype, OMP_NUM_THREADS=str(n),
                   OPENBLAS_NUM_THREADS=str(n), MKL_NUM_THREADS=str(n), OMP_WAIT_POLICY=args.omp_wait_policy)
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", "--threads-one", str(n),
               "--model", args.model, "--input", args.input, "--batch-size", str(args.batch_size),
               "--repeat", str(args.repeat)]
        if i == 0 and args.write_ids:
            cmd += ["--write-ids", args.write_ids]
        if i == 0 and args.save_embeddings:
            cmd += ["--save-embeddings", args.save_embeddings]
        proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, check=True, text=True)
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        results.append(r)
        print(f"torch {r['torch']} threads={n} OPENBLAS_CORETYPE={coretype} OMP_WAIT_POLICY={args.omp_wait_policy}: {r['texts']} texts, "
              f"tokenize {r['tokenize_s']:.2f} s (pure Python), forward {r['forward_s']:.2f} s "
              f"= {r['texts_per_s']:.1f} texts/s, CPU {r['cpu_s']:.2f} s (runs: {', '.join('%.2f' % t for t in r['forward_runs_s'])})",
              flush=True)
    best = max(results, key=lambda r: r["texts_per_s"])
    print(f"best: threads={best['threads']} {best['texts_per_s']:.1f} texts/s, forward {best['forward_s']:.2f} s, "
          f"tokenize {best['tokenize_s']:.2f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"best": best, "runs": results, "openblas_coretype": coretype}, f, indent=1)


if __name__ == "__main__":
    main()
