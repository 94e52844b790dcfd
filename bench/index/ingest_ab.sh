#!/usr/bin/env bash
# Old-vs-new A/B of whole-process keyword-only `semsearch index` on 100k short documents (BANKING77
# training utterances, replicated 10x under distinct ids, with their intent as tag). The given
# binaries run in turn, ROUNDS times, each into a fresh index, so machine noise hits every build
# alike. One line per run (wall, docs/s, CPU = user + sys, load before-after) to stdout and appended
# to $RESULTS.
#
#   bash bench/index/ingest_ab.sh ROUNDS "label|ENV=value ...|/path/to/semsearch" ...
#
# Run from the repository root; the corpus is built once into $WORK (default /tmp/semsearch-ingest-ab).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DATA=${DATA:-$ROOT/../shared/data}
WORK=${WORK:-/tmp/semsearch-ingest-ab}
RESULTS=${RESULTS:-$WORK/results.tsv}
COPIES=${COPIES:-10}
[ $# -ge 2 ] || { echo "usage: $0 ROUNDS \"label|ENV=..|binary\" ..." >&2; exit 2; }
ROUNDS=$1; shift
mkdir -p "$WORK"
CORPUS=$WORK/corpus-x$COPIES.jsonl
if [ ! -f "$CORPUS" ]; then
  python3 "$ROOT/bench/index/build_banking77_beir.py" "$DATA" "$WORK/beir" >/dev/null
  python3 - "$WORK/beir/corpus.jsonl" "$CORPUS" "$COPIES" <<'PY'
import json, sys
src, dst, copies = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = [json.loads(l) for l in open(src, encoding="utf-8") if l.strip()]
with open(dst, "w", encoding="utf-8") as out:
    for c in range(copies):
        for r in rows:
            out.write(json.dumps(dict(r, _id=f"{r['_id']}-{c}")) + "\n")
PY
fi
docs=$(wc -l <"$CORPUS")
for r in $(seq "$ROUNDS"); do
  for spec in "$@"; do
    IFS='|' read -r label envs bin <<<"$spec"
    rm -rf "$WORK/index-$label"
    l0=$(cut -d' ' -f1 /proc/loadavg)
    env ${envs:-X=1} /usr/bin/time -f "%e %U %S" -o "$WORK/time" "$bin" index --index "$WORK/index-$label" --input "$CORPUS" \
      >"$WORK/out-$label.txt" 2>"$WORK/err-$label.txt"
    l1=$(cut -d' ' -f1 /proc/loadavg)
    read -r wall user sys <"$WORK/time"
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
    rate=$(awk -v d="$docs" -v w="$wall" 'BEGIN { printf "%.0f", d / w }')
    printf "%s\t%s\t%s docs\twall %s\t%s docs/s\tcpu %s (user %s sys %s)\tload %s-%s\n" \
      "$(date -u +%T)" "$label" "$docs" "$wall" "$rate" "$cpu" "$user" "$sys" "$l0" "$l1" | tee -a "$RESULTS"
  done
done
