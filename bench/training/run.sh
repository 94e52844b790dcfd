#!/usr/bin/env bash
# Training-step benchmark: our graph vs PyTorch 1.13 on the same model, data and step.
#   bash bench/training/run.sh [STEPS] [WARMUP]
# Writes a random MiniLM-L6-H384 model (tools/reference/make_minilm_random.py) to $MODEL (default /tmp/minilm-random),
# runs the C# and the torch benchmark alternately (ROUNDS times, default 1) and prints a table.
set -euo pipefail
cd "$(dirname "$0")/../.."
STEPS=${1:-10}
WARMUP=${2:-2}
MODEL=${MODEL:-/tmp/minilm-random}
ROUNDS=${ROUNDS:-1}
OUT=$(mktemp -d)
[ -f "$MODEL/model.safetensors" ] || /usr/bin/python3 tools/reference/make_minilm_random.py --output "$MODEL" >/dev/null
dotnet build bench/training/TrainingBench -c Release -v q >/dev/null
for r in $(seq "$ROUNDS"); do
  dotnet bench/training/TrainingBench/bin/Release/net10.0/training-bench.dll --model "$MODEL" --steps "$STEPS" --warmup "$WARMUP" --json "$OUT/cs-$r.json" >/dev/null
  dotnet bench/training/TrainingBench/bin/Release/net10.0/training-bench.dll --model "$MODEL" --steps "$STEPS" --warmup "$WARMUP" --backend torch --json "$OUT/libtorch-$r.json" >/dev/null
  /usr/bin/python3 bench/training/torch_train_step.py --model "$MODEL" --steps "$STEPS" --warmup "$WARMUP" --json "$OUT/torch-$r.json" >/dev/null
done
/usr/bin/python3 - "$OUT" <<'PY'
import glob, json, sys
rows = [json.load(open(p)) for p in sorted(glob.glob(sys.argv[1] + "/*.json"))]
print(f"{'implementation':42} {'threads':>7} {'pairs/s':>8} {'ms/step':>9} {'cpu ms/step':>11} {'peak RSS MB':>11}")
for r in rows:
    print(f"{r['impl']:42} {r['threads']:>7} {r['pairs_per_s']:>8.2f} {r['ms_per_step']:>9.0f} {r['cpu_ms_per_step']:>11.0f} {r['peak_rss_mb']:>11.0f}")
PY
