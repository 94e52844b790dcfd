#!/usr/bin/env bash
# int8 + ONNX Runtime for .NET benchmark, one sitting (issue 16). Each implementation runs in its own process on
# the same texts (first N BANKING77 train records) and the same models (random MiniLM-L6-H384 shape and the real
# all-MiniLM-L6-v2), fp32 and int8:
#   - `semsearch encode` whole process (start, load, tokenize, encode, write JSONL), /usr/bin/time wall + CPU;
#     int8 = the folder `semsearch model quantize` writes;
#   - ONNX Runtime 1.32 for .NET (bench/OrtEncode) forward passes only, fp32 export (bench/onnx/export_onnx.py)
#     and its int8 rewrite (bench/onnx/quantize_int8.py: DynamicQuantizeMatMul, per-channel int8 weights);
#   - implementations alternate round by round (RUNS rounds), so machine load hits each alike; best of the rounds;
#   - semsearch-bench gemm: FMA peak, float and int8 GEMM GFLOP/s on the encoder's shapes;
#   - QUALITY=1: int8 vs fp32 on the real model: cosine on the N texts, STS-benchmark test Spearman, BANKING77
#     BEIR retrieval nDCG@10 (exact cosine top-100 from the embeddings, scored by `semsearch eval`).
#
#   bash bench/run_int8_benchmark.sh [OUTDIR]        (default /tmp/semsearch-int8-benchmark)
#
# Environment: N (default 5000), RUNS (default 2), THREADS (default 2; a list such as "1,2"), QUALITY (default 1),
# SEMSEARCH_SHARED_DATA, ARTIFACTS (dotnet --artifacts-path, default OUTDIR/build). Needs Debian's python3-torch
# (export, tokenization of the anchors' ids) and python3-onnx (the int8 rewrite). Prints a markdown report to
# stdout and OUTDIR/int8-benchmark.md; progress to stderr.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$(mkdir -p "${1:-/tmp/semsearch-int8-benchmark}" && cd "${1:-/tmp/semsearch-int8-benchmark}" && pwd)
N=${N:-5000}; RUNS=${RUNS:-2}; THREADS=${THREADS:-2}; QUALITY=${QUALITY:-1}
SHARED=$(cd "${SEMSEARCH_SHARED_DATA:-$ROOT/../shared/data}" && pwd)
PY=/usr/bin/python3
log() { echo "[$(date -u +%T)] $*" >&2; }
cd "$ROOT"
"$PY" -c "import torch, onnx, numpy" 2>/dev/null || { echo "needs: apt-get install -y python3-torch python3-onnx python3-numpy" >&2; exit 1; }
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg); START_UTC=$(date -u +%FT%TZ)
COMMIT=$(git rev-parse --short HEAD); DIRTY=$(git status --porcelain --untracked-files=no | wc -l)
log "int8 benchmark: N=$N RUNS=$RUNS THREADS=$THREADS load $LOAD_START -> $OUT"

ARTIFACTS=${ARTIFACTS:-$OUT/build}
log "building semsearch, semsearch-bench, ort-encode (Release)"
for p in bench/SemanticSearch.Bench bench/OrtEncode; do
  dotnet build "$p" -c Release --artifacts-path "$ARTIFACTS" -v q -nologo >>"$OUT/build.log" 2>&1 || { tail -20 "$OUT/build.log" >&2; exit 1; }
done
SEMSEARCH="$ARTIFACTS/bin/SemanticSearch.Cli/release/semsearch"
BENCH_DLL="$ARTIFACTS/bin/SemanticSearch.Bench/release/semsearch-bench.dll"
ORT_DLL="$ARTIFACTS/bin/OrtEncode/release/ort-encode.dll"

log "texts, random model, token ids"
"$PY" bench/python/banking77_texts.py --csv "$SHARED/banking77/train.csv" --n "$N" --output "$OUT/texts.txt" >&2
[ -f "$OUT/minilm-random/modules.json" ] || "$PY" tools/reference/make_minilm_random.py --output "$OUT/minilm-random" >/dev/null
# ids.json as bench/python/torch_encode.py writes it (both models share bert-base-uncased's vocabulary, 256 tokens)
"$PY" - "$OUT" <<'PYEOF'
import json, os, sys
import numpy as np
sys.path.insert(0, os.path.join(os.getcwd(), "tools", "reference"))
import bert_reference as ref
out = sys.argv[1]
s = ref.read_model_settings(f"{out}/minilm-random")
tok = ref.BertWordPieceTokenizer(f"{out}/minilm-random/vocab.txt", do_lower_case=s["do_lower_case"])
texts = open(f"{out}/texts.txt", encoding="utf-8").read().split("\n")
texts = texts[:-1] if texts and texts[-1] == "" else texts
ids = [tok.encode(t, max_length=s["max_seq_length"])[1] for t in texts]
order = np.argsort([-len(t) for t in texts])
json.dump({"batch_size": 32, "max_seq_length": s["max_seq_length"], "order": [int(i) for i in order], "input_ids": ids},
          open(f"{out}/ids.json", "w"))
PYEOF

declare -A MODEL_DIR=([random]="$OUT/minilm-random" [real]="$SHARED/all-MiniLM-L6-v2")
for m in random real; do
  log "model $m: ONNX export, ORT int8 rewrite, semsearch model quantize"
  [ -f "$OUT/$m.onnx" ] || "$PY" bench/onnx/export_onnx.py --model "${MODEL_DIR[$m]}" --output "$OUT/$m.onnx" >"$OUT/export-$m.log" 2>&1
  "$PY" bench/onnx/quantize_int8.py --input "$OUT/$m.onnx" --output "$OUT/$m-int8.onnx" >"$OUT/quantize-onnx-$m.log"
  "$SEMSEARCH" model quantize --model "${MODEL_DIR[$m]}" --output "$OUT/$m-int8" --overwrite >"$OUT/quantize-semsearch-$m.log"
done

rm -f "$OUT"/r*-*.time "$OUT"/r*-ort-*.json
for r in $(seq "$RUNS"); do
  for m in random real; do
    for t in ${THREADS//,/ }; do
      for v in fp32 int8; do
        model_dir=${MODEL_DIR[$m]}; onnx="$OUT/$m.onnx"
        if [ "$v" = int8 ]; then model_dir="$OUT/$m-int8"; onnx="$OUT/$m-int8.onnx"; fi
        log "round $r/$RUNS: $m $v threads $t: semsearch encode, ORT .NET"
        /usr/bin/time -f "%e %U %S %M" -o "$OUT/r$r-semsearch-$m-$v-$t.time" "$SEMSEARCH" encode --model "$model_dir" \
          --input "$OUT/texts.txt" --output "$OUT/semsearch-$m-$v.jsonl" --threads "$t" 2>"$OUT/semsearch-$m-$v.log"
        dotnet "$ORT_DLL" --model "$onnx" --ids "$OUT/ids.json" --threads "$t" --repeat 1 --label "$v" \
          --save-embeddings "$OUT/ort-$m-$v.f32" --json "$OUT/r$r-ort-$m-$v-$t.json" >&2
      done
    done
  done
done

log "semsearch-bench gemm"
dotnet "$BENCH_DLL" gemm --threads "$THREADS" >"$OUT/gemm.md"

if [ "$QUALITY" = 1 ]; then
  bash bench/int8_quality.sh "$OUT" "$SEMSEARCH" "$SHARED"
fi
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
log "done, load $LOAD_END"

export OUT N RUNS THREADS QUALITY LOAD_START LOAD_END START_UTC COMMIT DIRTY
"$PY" "$ROOT/bench/python/int8_report.py" | tee "$OUT/int8-benchmark.md"
