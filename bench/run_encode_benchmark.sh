#!/usr/bin/env bash
# Encode benchmark, one run: the same BANKING77 texts and the same random MiniLM-L6-H384 model through
#   - `semsearch encode` as a whole process (start, load, tokenize, encode, write), wall + CPU time,
#     best of RUNS, at each of THREADS;
#   - PyTorch 1.13 and ONNX Runtime 1.30 forward-only (bench/run_encode_anchors.sh, unchanged);
#   - semsearch-bench: GEMM vs FMA peak, tokenizer tokens/s, model load, in-process encode.
# Prints one combined markdown report to stdout and OUTDIR/encode-benchmark.md; progress to stderr.
#
#   bash bench/run_encode_benchmark.sh [--quick] [OUTDIR]      (default OUTDIR /tmp/semsearch-encode-benchmark)
#
# --quick: 500 texts, shorter GEMM table, 1 anchor pass (a smoke test, not a result).
# Environment: N (texts, default 5000), RUNS (default 3), THREADS (default "2,1"), BATCH_SIZE (semsearch
# --batch-size, default 64 = its default), ANCHOR_REPEAT (default 2), SEMSEARCH_SHARED_DATA,
# ARTIFACTS (dotnet --artifacts-path, default OUTDIR/build; reuse one to skip a full rebuild).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
QUICK=0
if [ "${1:-}" = "--quick" ]; then QUICK=1; shift; fi
OUT=$(mkdir -p "${1:-/tmp/semsearch-encode-benchmark}" && cd "${1:-/tmp/semsearch-encode-benchmark}" && pwd)
if [ "$QUICK" = 1 ]; then
  N=${N:-500}; ANCHOR_REPEAT=${ANCHOR_REPEAT:-1}; GEMM_ARGS=(--tokens 16,512 --seconds-per-case 0.2)
else
  N=${N:-5000}; ANCHOR_REPEAT=${ANCHOR_REPEAT:-2}; GEMM_ARGS=()
fi
RUNS=${RUNS:-3}
THREADS=${THREADS:-2,1}
BATCH_SIZE=${BATCH_SIZE:-64}
SHARED=${SEMSEARCH_SHARED_DATA:-$ROOT/../shared/data}
PY=/usr/bin/python3
log() { echo "[$(date -u +%T)] $*" >&2; }
cd "$ROOT"

# ---- machine facts
CPU_MODEL=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)
CPU_FLAGS=$(grep -m1 '^flags' /proc/cpuinfo | grep -o -w -E 'avx2|fma|avx512f' | sort -u | xargs)
MEM_GB=$(awk '/MemTotal/ {printf "%.0f", $2/1048576}' /proc/meminfo)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
START_UTC=$(date -u +%FT%TZ)
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null | wc -l)
log "encode benchmark: $CPU_MODEL, $(nproc) cores, load $LOAD_START, N=$N, RUNS=$RUNS, THREADS=$THREADS -> $OUT"
if awk -v l="${LOAD_START%% *}" 'BEGIN { exit !(l > 1.5) }'; then
  log "WARNING: load average ${LOAD_START%% *} > 1.5 at start: the machine is busy, wall-clock numbers will be unreliable"
fi

# ---- build (own artifacts folder: no clash with other builds of the tree)
log "building semsearch + semsearch-bench (Release)"
ARTIFACTS=${ARTIFACTS:-$OUT/build}
dotnet build bench/SemanticSearch.Bench -c Release --artifacts-path "$ARTIFACTS" -v q -nologo >"$OUT/build.log" 2>&1 \
  || { tail -20 "$OUT/build.log" >&2; log "build failed (log: $OUT/build.log)"; exit 1; }
SEMSEARCH="$ARTIFACTS/bin/SemanticSearch.Cli/release/semsearch"
BENCH_DLL="$ARTIFACTS/bin/SemanticSearch.Bench/release/semsearch-bench.dll"

# ---- anchors (they also write the text list and the torch-made model folder), else C# model
ANCHORS="$OUT/anchors"
if "$PY" -c "import torch, numpy" 2>/dev/null; then
  log "anchors: PyTorch + ONNX Runtime forward-only (bench/run_encode_anchors.sh), slow on a busy machine"
  N=$N TORCH_THREADS=1,2 ORT_THREADS=1,2 REPEAT=$ANCHOR_REPEAT SEMSEARCH_SHARED_DATA=$SHARED \
    bash bench/run_encode_anchors.sh "$ANCHORS" >"$OUT/anchors.log" 2>&1 \
    || { tail -20 "$OUT/anchors.log" >&2; log "anchors failed (log: $OUT/anchors.log)"; exit 1; }
  MODEL_SOURCE="tools/reference/make_minilm_random.py (torch, seed 2024)"
else
  log "no torch in $PY: anchors skipped, model written by RandomModelWriter"
  mkdir -p "$ANCHORS"
  python3 bench/python/banking77_texts.py --csv "$SHARED/banking77/train.csv" --n "$N" --output "$ANCHORS/texts.txt" >&2
  dotnet "$BENCH_DLL" write-model --vocab "$SHARED/bert-base-uncased/vocab.txt" --output "$ANCHORS/minilm-random"
  MODEL_SOURCE="RandomModelWriter (C#, seed 2024)"
fi
TEXTS="$ANCHORS/texts.txt"
MODEL="$ANCHORS/minilm-random"

# ---- semsearch encode, whole process: wall + user + sys CPU from /usr/bin/time
rm -f "$OUT"/process-*.time
for t in ${THREADS//,/ }; do
  for r in $(seq "$RUNS"); do
    log "semsearch encode: threads $t, run $r/$RUNS"
    /usr/bin/time -f "%e %U %S %M" -o "$OUT/process-$t-$r.time" \
      "$SEMSEARCH" encode --model "$MODEL" --input "$TEXTS" --output "$OUT/semsearch-embeddings.jsonl" \
      --threads "$t" --batch-size "$BATCH_SIZE" 2>"$OUT/semsearch-encode.log"
    log "  $(tail -1 "$OUT/semsearch-encode.log")  [wall user sys maxrssKB: $(cat "$OUT/process-$t-$r.time")]"
  done
done

# ---- semsearch-bench suites (in-process)
log "semsearch-bench all: gemm, tokenizer, load, encode"
dotnet "$BENCH_DLL" all --model "$MODEL" --texts "$TEXTS" --threads "$THREADS" --runs "$RUNS" \
  --batch-size "$BATCH_SIZE" --json "$OUT/inprocess.json" "${GEMM_ARGS[@]}" >"$OUT/semsearch-bench.md"
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
log "done, load $LOAD_END"

# ---- combined report
export OUT N RUNS THREADS BATCH_SIZE QUICK CPU_MODEL CPU_FLAGS MEM_GB LOAD_START LOAD_END START_UTC COMMIT DIRTY MODEL_SOURCE ANCHOR_REPEAT
"$PY" - <<'PYEOF' | tee "$OUT/encode-benchmark.md"
import glob, json, os
E = os.environ
out, n = E["OUT"], int(E["N"])
threads = [int(t) for t in E["THREADS"].split(",")]

def load_json(path):
    return json.load(open(path)) if os.path.exists(path) else None

# whole process: best wall and least CPU (user+sys) over the runs, per thread count
process = {}
for t in threads:
    runs = [open(p).read().split() for p in glob.glob(f"{out}/process-{t}-*.time")]
    runs = [(float(w), float(u) + float(s), int(m)) for w, u, s, m in runs]
    if runs:
        process[t] = dict(wall=min(r[0] for r in runs), cpu=min(r[1] for r in runs), rss_mb=max(r[2] for r in runs) / 1024,
                          n=len(runs))
inproc = {r["threads"]: r for r in (load_json(f"{out}/inprocess.json") or [])}
torch = load_json(f"{out}/anchors/torch.json")
torch_runs = {r["threads"]: r for r in (torch["runs"] if torch else []) if r}
ort_runs = {}
for p in glob.glob(f"{out}/anchors/ort-*.json"):
    o = json.load(open(p))
    ort_runs[o["threads"]] = o

rows = []
for t, p in sorted(process.items()):
    rows.append(("C# `semsearch encode`, whole process", t, "start+load+tokenize+encode+write", p["wall"], p["cpu"]))
for t, r in sorted(inproc.items()):
    rows.append(("C# SentenceEncoder.Encode, in process", t, "tokenize+encode+pool", r["wall_s"], r["cpu_s"]))
for t, r in sorted(torch_runs.items()):
    rows.append((f"PyTorch {r['torch']} forward-only", t, "forward (tokenized beforehand)", r["forward_s"], r["cpu_s"]))
for t, r in sorted(ort_runs.items()):
    rows.append((f"{r['runtime']} forward-only", t, "forward (ids precomputed)", r["forward_s"], r["cpu_s"]))

P = print
P(f"## Encode benchmark: {n} BANKING77 texts, MiniLM-L6-H384 (random weights)")
P()
if E["QUICK"] == "1":
    P(f"**Quick run ({n} texts, fewer repeats): a smoke test, not a result.**")
    P()
load0 = float(E["LOAD_START"].split()[0])
if load0 > 1.5:
    P(f"**WARNING: load average {load0} at start (> 1.5): the machine was busy; wall-clock numbers are unreliable, "
      f"texts per CPU-second is the steadier column.**")
    P()
P(f"- machine: {E['CPU_MODEL']}, {os.cpu_count()} logical cores ({E['CPU_FLAGS']}), {E['MEM_GB']} GB")
P(f"- load average (1/5/15 min): start {E['LOAD_START']}, end {E['LOAD_END']}; started {E['START_UTC']}")
P(f"- commit {E['COMMIT']}" + (f" with {E['DIRTY']} modified tracked files" if E["DIRTY"] != "0" else ""))
P(f"- model: {E['MODEL_SOURCE']}: 6 layers, hidden 384, 12 heads, FFN 1536, max_seq_length 256, mean pooling + Normalize")
P(f"- C#: best of {E['RUNS']} runs per thread count, `--batch-size {E['BATCH_SIZE']}`; anchors: batches of 32, "
  f"length-sorted, best of {E['ANCHOR_REPEAT']} passes after a warm-up batch")
P()
P("| implementation | threads | timed | wall s | texts/s | CPU s | texts per CPU-s |")
P("|---|---|---|---|---|---|---|")
for name, t, what, wall, cpu in rows:
    P(f"| {name} | {t} | {what} | {wall:.2f} | {n / wall:.1f} | {cpu:.2f} | {n / cpu:.1f} |")
P()
P("Targets: C# whole-process time ≤ ORT forward-only time, and ≤ PyTorch forward-only time / 1.5 "
  "(ratio ≤ 1.00 meets the target). Same thread count on both sides; last row: fastest configuration of each.")
P()
P("| threads | C# whole process s | vs ORT forward (wall) | vs ORT (CPU) | vs PyTorch/1.5 (wall) | vs PyTorch/1.5 (CPU) |")
P("|---|---|---|---|---|---|")
def ratio(a, b):
    if b is None: return "n/a"
    r = a / b
    return f"{r:.2f} {'met' if r <= 1 else 'not met'}"
for t, p in sorted(process.items()):
    o, tr = ort_runs.get(t), torch_runs.get(t)
    P(f"| {t} | {p['wall']:.2f} (CPU {p['cpu']:.2f}) | {ratio(p['wall'], o and o['forward_s'])} | {ratio(p['cpu'], o and o['cpu_s'])} | "
      f"{ratio(p['wall'], tr and tr['forward_s'] / 1.5)} | {ratio(p['cpu'], tr and tr['cpu_s'] / 1.5)} |")
if process and (ort_runs or torch_runs):
    bp = min(process.values(), key=lambda p: p["wall"])
    bo = min(ort_runs.values(), key=lambda r: r["forward_s"]) if ort_runs else None
    bt = min(torch_runs.values(), key=lambda r: r["forward_s"]) if torch_runs else None
    cp = min(p["cpu"] for p in process.values())
    co = min((r["cpu_s"] for r in ort_runs.values()), default=None)
    ct = min((r["cpu_s"] for r in torch_runs.values()), default=None)
    P(f"| best of each (wall: fastest; CPU: least) | {bp['wall']:.2f} (CPU {cp:.2f}) | {ratio(bp['wall'], bo and bo['forward_s'])} | "
      f"{ratio(cp, co)} | {ratio(bp['wall'], bt and bt['forward_s'] / 1.5)} | {ratio(cp, ct and ct / 1.5)} |")
P()
if process:
    P(f"semsearch encode peak RSS: {max(p['rss_mb'] for p in process.values()):.0f} MB.")
# C# output vs PyTorch embeddings (same model, same texts): a benchmark of wrong numbers is no benchmark
try:
    import numpy as np
    ref = np.load(f"{out}/anchors/torch.npy")
    cs = np.array([json.loads(l)["embedding"] for l in open(f"{out}/semsearch-embeddings.jsonl")], dtype=np.float32)
    P(f"semsearch vs PyTorch embeddings: max abs diff {np.abs(cs - ref).max():.2e}, min cosine {(cs * ref).sum(1).min():.7f}.")
except Exception as e:  # no anchors (no torch) or shapes differ
    P(f"semsearch vs PyTorch embeddings: not compared ({type(e).__name__}: {e}).")
P()
anchor_log = f"{out}/anchors.log"
if os.path.exists(anchor_log):
    lines = open(anchor_log).read().splitlines()
    tail = lines[max(i for i, l in enumerate(lines) if l.startswith("| anchor")) - 1:] if any(l.startswith("| anchor") for l in lines) else []
    if tail:
        P("### Anchors (bench/run_encode_anchors.sh)")
        P("\n".join(tail))
        P()
P(open(f"{out}/semsearch-bench.md").read().rstrip())
P()
P("### Commands")
P()
P("```")
P(f"bash bench/run_encode_benchmark.sh{' --quick' if E['QUICK'] == '1' else ''} {out}")
P(f"  N={n} TORCH_THREADS=1,2 ORT_THREADS=1,2 REPEAT={E['ANCHOR_REPEAT']} bash bench/run_encode_anchors.sh {out}/anchors")
for t in threads:
    P(f"  /usr/bin/time -f '%e %U %S %M' semsearch encode --model {out}/anchors/minilm-random --input {out}/anchors/texts.txt "
      f"--output {out}/semsearch-embeddings.jsonl --threads {t} --batch-size {E['BATCH_SIZE']}   # x{E['RUNS']}")
P(f"  dotnet semsearch-bench.dll all --model {out}/anchors/minilm-random --texts {out}/anchors/texts.txt "
  f"--threads {E['THREADS']} --runs {E['RUNS']} --batch-size {E['BATCH_SIZE']}")
P("```")
PYEOF
