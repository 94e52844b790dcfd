#!/usr/bin/env bash
# Encode-benchmark anchors: PyTorch 1.13 (Debian python3-torch), ONNX Runtime (onnxruntime-node) and libtorch 2.10
# through TorchSharp (bench/training/TrainingBench --encode)
# encode the first 5,000 BANKING77 train texts with a random all-MiniLM-L6-v2-shaped model
# (6 layers, hidden 384, 12 heads, FFN 1536, max_seq_length 256, mean pooling + Normalize).
#
#   bash bench/run_encode_anchors.sh [OUT_DIR]          (default /tmp/semsearch-encode-anchors)
#
# Environment: N (texts, default 5000), TORCH_THREADS (default "1,2"), ORT_THREADS (default "2"; a list
# such as "1,2" runs ORT once per value),
# REPEAT (timed passes per configuration, fastest reported; default 2), SEMSEARCH_SHARED_DATA.
# OUT_DIR gets texts.txt, minilm-random/ (also usable by `semsearch encode`), minilm-random.onnx,
# ids.json, torch.json, ort-<threads>.json and the embeddings of both runtimes. Nothing there is committed.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${1:-/tmp/semsearch-encode-anchors}
N=${N:-5000}
TORCH_THREADS=${TORCH_THREADS:-1,2}
ORT_THREADS=${ORT_THREADS:-2}
REPEAT=${REPEAT:-2}
PY=/usr/bin/python3   # Debian's interpreter: the one with python3-torch (not a pyenv python first on PATH)

if ! "$PY" -c "import torch, numpy" 2>/dev/null; then
  echo "needs Debian's torch: apt-get install -y python3-torch python3-numpy" >&2
  exit 1
fi
mkdir -p "$OUT"
cd "$ROOT"
echo "== $(date -u +%FT%TZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), nproc $(nproc), load: $(cut -d' ' -f1-3 /proc/loadavg)"

"$PY" bench/python/banking77_texts.py --n "$N" --output "$OUT/texts.txt"
"$PY" tools/reference/make_minilm_random.py --output "$OUT/minilm-random" >/dev/null
"$PY" bench/onnx/export_onnx.py --model "$OUT/minilm-random" --output "$OUT/minilm-random.onnx" 2>"$OUT/export.log"
if [ ! -d bench/onnx/node_modules/onnxruntime-node ]; then
  (cd bench/onnx && npm install --ignore-scripts --no-audit --no-fund)
fi

echo "== PyTorch"
"$PY" bench/python/torch_encode.py --model "$OUT/minilm-random" --input "$OUT/texts.txt" \
  --threads "$TORCH_THREADS" --repeat "$REPEAT" --write-ids "$OUT/ids.json" \
  --save-embeddings "$OUT/torch.npy" --json "$OUT/torch.json"
echo "== ONNX Runtime"
rm -f "$OUT"/ort-*.json
for t in ${ORT_THREADS//,/ }; do
  node bench/onnx/ort_encode.mjs --model "$OUT/minilm-random.onnx" --ids "$OUT/ids.json" \
    --threads "$t" --repeat "$REPEAT" --save-embeddings "$OUT/ort.f32" --json "$OUT/ort-$t.json"
done

echo "== libtorch 2.10 (TorchSharp 0.107)"
dotnet build bench/training/TrainingBench -c Release -v q >/dev/null
for t in ${TORCH_THREADS//,/ }; do
  dotnet bench/training/TrainingBench/bin/Release/net10.0/training-bench.dll --model "$OUT/minilm-random" --encode "$OUT/texts.txt" \
    --threads "$t" --repeat "$REPEAT" --json "$OUT/libtorch-$t.json"
done

echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
"$PY" - "$OUT" <<'PYEOF'
import glob, json, sys
import numpy as np
out = sys.argv[1]
t = json.load(open(f"{out}/torch.json"))
ort_runs = [json.load(open(p)) for p in sorted(glob.glob(f"{out}/ort-*.json"))]
a = np.load(f"{out}/torch.npy")
b = np.fromfile(f"{out}/ort.f32", dtype=np.float32).reshape(a.shape)
best = t["best"]
print()
print(f"| anchor | threads | texts | forward s | texts/s | CPU s | tokenize s |")
print(f"|---|---|---|---|---|---|---|")
for r in t["runs"]:
    mark = " (best)" if r is not None and r["threads"] == best["threads"] else ""
    print(f"| PyTorch {r['torch']} (OpenBLAS {t['openblas_coretype']}){mark} | {r['threads']} | {r['texts']} | "
          f"{r['forward_s']:.2f} | {r['texts_per_s']:.1f} | {r['cpu_s']:.2f} | {r['tokenize_s']:.2f} (pure Python) |")
for o in ort_runs:
    print(f"| {o['runtime']} | {o['threads']} | {o['texts']} | {o['forward_s']:.2f} | {o['texts_per_s']:.1f} | "
          f"{o['cpu_s']:.2f} | (ids precomputed) |")
print()
print(f"batches of {best['batch_size']}, length-sorted; {best['tokens']} tokens, {best['padded_tokens']} with padding; "
      f"ORT vs PyTorch embeddings: max abs diff {np.abs(a - b).max():.2e}, min cosine {(a * b).sum(1).min():.7f}")
PYEOF
