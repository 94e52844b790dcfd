#!/usr/bin/env bash
# Old-vs-new A/B of whole-process `semsearch encode`: the given binaries run in turn, ROUNDS times, so
# machine noise hits every build alike. One line per run (wall, CPU = user + sys, load before-after) to
# stdout and appended to $RESULTS.
#
#   bash bench/encode_ab.sh ROUNDS THREADS "label|ENV=value ...|/path/to/semsearch" ...
#
# MODEL and TEXTS default to what bench/run_encode_benchmark.sh leaves in its OUTDIR/anchors
# (the torch-made MiniLM-shaped model and the 5,000 BANKING77 texts); --batch-size 32 as there.
set -euo pipefail
ANCHORS=${ANCHORS:-/tmp/semsearch-encode-benchmark/anchors}
MODEL=${MODEL:-$ANCHORS/minilm-random}
TEXTS=${TEXTS:-$ANCHORS/texts.txt}
RESULTS=${RESULTS:-/tmp/semsearch-encode-ab.tsv}
[ $# -ge 3 ] || { echo "usage: $0 ROUNDS THREADS \"label|ENV=..|binary\" ..." >&2; exit 2; }
[ -d "$MODEL" ] && [ -f "$TEXTS" ] || { echo "no model/texts under $ANCHORS: run bench/run_encode_benchmark.sh first (or set MODEL, TEXTS)" >&2; exit 1; }
ROUNDS=$1; THREADS=$2; shift 2
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
for r in $(seq "$ROUNDS"); do
  for spec in "$@"; do
    IFS='|' read -r label envs bin <<<"$spec"
    l0=$(cut -d' ' -f1 /proc/loadavg)
    env ${envs:-X=1} /usr/bin/time -f "%e %U %S" -o "$work/time" "$bin" encode --model "$MODEL" --input "$TEXTS" \
      --output "$work/out-$label.jsonl" --threads "$THREADS" --batch-size 32 2>/dev/null
    l1=$(cut -d' ' -f1 /proc/loadavg)
    read -r wall user sys <"$work/time"
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
    printf "%s\t%s\tthreads %s\twall %s\tcpu %s\tload %s-%s\n" "$(date -u +%T)" "$label" "$THREADS" "$wall" "$cpu" "$l0" "$l1" | tee -a "$RESULTS"
  done
done
