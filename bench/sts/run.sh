#!/usr/bin/env bash
# STS-benchmark on a real model: test Spearman zero-shot, then after fine-tuning on STS-b train with CoSENT
# (`semsearch train --loss cosent`, dev split evaluated every EVAL_STEPS steps, best dev weights kept), test again.
#   bash bench/sts/run.sh [MODEL_DIR] [WORK_DIR]        (defaults: ../shared/data/all-MiniLM-L6-v2, /tmp/sts-bench)
# Environment: EPOCHS (default 2), BATCH (16), LR (2e-5), EVAL_STEPS (180), THREADS (all cores).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
model=${1:-$root/../shared/data/all-MiniLM-L6-v2}
work=${2:-/tmp/sts-bench}
sts=${SEMSEARCH_DATA:-$root/../shared/data}/stsbenchmark
mkdir -p "$work"
dotnet build bench/sts -c Release -nologo -v quiet >&2
dotnet build src/SemanticSearch.Cli/SemanticSearch.Cli.csproj -c Release -nologo -v quiet >&2
bench() { dotnet "$root/bench/sts/bin/Release/net10.0/StsBench.dll" "$@"; }
semsearch() { dotnet "$root/src/SemanticSearch.Cli/bin/Release/net10.0/semsearch.dll" "$@"; }

echo "zero-shot $(basename "$model")"; bench eval --model "$model" --split "$sts/sts-test.csv"
bench pairs --split "$sts/sts-train.csv" --output "$work/train.jsonl"
bench pairs --split "$sts/sts-dev.csv" --output "$work/dev.jsonl"
start=$(date +%s)
semsearch train --model "$model" --pairs "$work/train.jsonl" --loss cosent --output "$work/cosent" --overwrite \
  --epochs "${EPOCHS:-2}" --batch-size "${BATCH:-16}" --lr "${LR:-2e-5}" --warmup-ratio 0.1 \
  --eval "$work/dev.jsonl" --eval-steps "${EVAL_STEPS:-180}" --early-stopping 3 --threads "${THREADS:-$(nproc)}" --seed 42
echo "fine-tuned in $(( $(date +%s) - start )) s"
echo "CoSENT-fine-tuned"; bench eval --model "$work/cosent" --split "$sts/sts-test.csv"
