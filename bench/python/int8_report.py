#!/usr/bin/python3
"""Markdown report of bench/run_int8_benchmark.sh (reads its OUT folder; settings from the environment)."""
import glob, json, os, re

import numpy as np

E = os.environ
out, n = E["OUT"], int(E["N"])
threads = [int(t) for t in E["THREADS"].split(",")]
P = print


def best_process(m, v, t):
    runs = [open(p).read().split() for p in glob.glob(f"{out}/r*-semsearch-{m}-{v}-{t}.time")]
    runs = [(float(w), float(u) + float(s)) for w, u, s, _ in runs]
    return (min(r[0] for r in runs), min(r[1] for r in runs), len(runs)) if runs else None


def best_ort(m, v, t):
    runs = [json.load(open(p)) for p in glob.glob(f"{out}/r*-ort-{m}-{v}-{t}.json")]
    return (min(r["forward_s"] for r in runs), min(r["cpu_s"] for r in runs), runs[0]["runtime"]) if runs else None


def embeddings_jsonl(path):
    return np.array([json.loads(l)["embedding"] for l in open(path)], dtype=np.float32)


def ratio(a, b, target, at_most=True):
    r = a / b
    met = r <= target if at_most else r >= target
    return f"{r:.2f} ({'met' if met else 'not met'})"


load0 = float(E["LOAD_START"].split()[0])
P(f"## int8 and ONNX Runtime for .NET: {n} BANKING77 texts, MiniLM-L6-H384 (random and all-MiniLM-L6-v2)")
P()
P(f"- machine: {open('/proc/cpuinfo').read().split('model name')[1].split(':')[1].splitlines()[0].strip()}, "
  f"{os.cpu_count()} logical cores; load average (1/5/15 min) start {E['LOAD_START']}, end {E['LOAD_END']}; started {E['START_UTC']}")
P(f"- commit {E['COMMIT']}" + (f" with {E['DIRTY']} modified tracked files" if E["DIRTY"] != "0" else ""))
P(f"- {E['RUNS']} rounds, implementations alternating inside each round; best wall and least CPU (user+sys) of the rounds")
if load0 > 1.5:
    P(f"- **load average {load0} at start: the machine was shared and busy; wall-clock columns are not results, "
      f"compare CPU seconds and the ratios of this run only**")
P()
P("| model | implementation | threads | timed | wall s | texts/s | CPU s | texts per CPU-s |")
P("|---|---|---|---|---|---|---|---|")
res = {}
for m in ("random", "real"):
    for t in threads:
        for v in ("fp32", "int8"):
            p, o = best_process(m, v, t), best_ort(m, v, t)
            res[(m, v, t)] = (p, o)
            if p:
                P(f"| {m} | semsearch encode {v}, whole process | {t} | start+load+tokenize+encode+write | {p[0]:.2f} | {n / p[0]:.1f} | {p[1]:.2f} | {n / p[1]:.1f} |")
            if o:
                P(f"| {m} | {o[2]} forward-only | {t} | forward (ids precomputed) | {o[0]:.2f} | {n / o[0]:.1f} | {o[1]:.2f} | {n / o[1]:.1f} |")
P()
P("Targets (ratios of times; wall and CPU):")
P()
P("| model | threads | fp32 whole process / ORT fp32 forward (≤ 0.8) wall · CPU | int8 speed-up over our fp32 (≥ 2) wall · CPU | our int8 whole process / ORT int8 forward (≤ 1) wall · CPU |")
P("|---|---|---|---|---|")
for m in ("random", "real"):
    for t in threads:
        (pf, of), (pi, oi) = res[(m, "fp32", t)], res[(m, "int8", t)]
        if not (pf and of and pi and oi):
            continue
        P(f"| {m} | {t} | {ratio(pf[0], of[0], 0.8)} · {ratio(pf[1], of[1], 0.8)} | {ratio(pf[0], pi[0], 2, False)} · {ratio(pf[1], pi[1], 2, False)} | "
          f"{ratio(pi[0], oi[0], 1)} · {ratio(pi[1], oi[1], 1)} |")
P()
P("Embeddings agreement (cosine, all texts):")
P()
for m in ("random", "real"):
    try:
        a, b = embeddings_jsonl(f"{out}/semsearch-{m}-fp32.jsonl"), embeddings_jsonl(f"{out}/semsearch-{m}-int8.jsonl")
        oa = np.fromfile(f"{out}/ort-{m}-fp32.f32", dtype=np.float32).reshape(a.shape)
        ob = np.fromfile(f"{out}/ort-{m}-int8.f32", dtype=np.float32).reshape(a.shape)
        ci, co, cf = (a * b).sum(1), (oa * ob).sum(1), (a * oa).sum(1)
        P(f"- {m}: semsearch int8 vs fp32 mean {ci.mean():.5f} (min {ci.min():.5f}); ORT int8 vs ORT fp32 mean {co.mean():.5f} "
          f"(min {co.min():.5f}); semsearch fp32 vs ORT fp32 min {cf.min():.7f}")
    except Exception as e:
        P(f"- {m}: not compared ({type(e).__name__}: {e})")
P()
if E.get("QUALITY") == "1":
    def ranks(x):
        order = np.argsort(x, kind="stable")
        r = np.empty(len(x)); r[order] = np.arange(len(x))
        for val in np.unique(x):  # average ranks of ties
            idx = np.where(x == val)[0]
            r[idx] = r[idx].mean()
        return r

    gold = np.array(json.load(open(f"{out}/sts-gold.json")))
    P("Quality on the real model (all-MiniLM-L6-v2), fp32 vs int8:")
    P()
    P("| metric | fp32 | int8 | difference | target |")
    P("|---|---|---|---|---|")
    sp = {}
    for v in ("fp32", "int8"):
        e = embeddings_jsonl(f"{out}/sts-{v}.jsonl")
        cos = (e[0::2] * e[1::2]).sum(1)
        sp[v] = 100 * np.corrcoef(ranks(cos), ranks(gold))[0, 1]
    d = sp["int8"] - sp["fp32"]
    P(f"| STS-benchmark test Spearman ×100 ({len(gold)} pairs) | {sp['fp32']:.2f} | {sp['int8']:.2f} | {d:+.2f} | within 0.5: {'met' if abs(d) <= 0.5 else 'not met'} |")
    nd = {}
    for v in ("fp32", "int8"):
        nd[v] = float(re.search(r"nDCG@10\s+([0-9.]+)", open(f"{out}/beir-{v}.eval").read()).group(1))
    d = nd["int8"] - nd["fp32"]
    P(f"| BANKING77 BEIR nDCG@10 (500 queries, exact cosine) | {nd['fp32']:.4f} | {nd['int8']:.4f} | {d:+.4f} | within 0.005: {'met' if abs(d) <= 0.005 else 'not met'} |")
    try:
        a, b = embeddings_jsonl(f"{out}/semsearch-real-fp32.jsonl"), embeddings_jsonl(f"{out}/semsearch-real-int8.jsonl")
        c = (a * b).sum(1).mean()
        P(f"| cosine int8 to fp32, mean over the {len(a)} texts | | | {c:.5f} | ≥ 0.99: {'met' if c >= 0.99 else 'not met'} |")
    except Exception:
        pass
    P()
P("### GEMM (semsearch-bench gemm)")
P()
P("```")
P(open(f"{out}/gemm.md").read().replace("```", "").strip())
P("```")
P()
P("### Commands")
P()
P("```")
P(f"N={n} RUNS={E['RUNS']} THREADS={E['THREADS']} QUALITY={E['QUALITY']} bash bench/run_int8_benchmark.sh {out}")
P("  semsearch model quantize --model MODEL --output OUT/MODEL-int8")
P("  /usr/bin/python3 bench/onnx/export_onnx.py --model MODEL --output OUT/MODEL.onnx")
P("  /usr/bin/python3 bench/onnx/quantize_int8.py --input OUT/MODEL.onnx --output OUT/MODEL-int8.onnx")
P("  /usr/bin/time -f '%e %U %S %M' semsearch encode --model MODEL[-int8] --input OUT/texts.txt --output X.jsonl --threads T")
P("  dotnet ort-encode.dll --model OUT/MODEL[-int8].onnx --ids OUT/ids.json --threads T --repeat 1")
P(f"  dotnet semsearch-bench.dll gemm --threads {E['THREADS']}")
P("```")
