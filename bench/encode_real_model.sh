#!/usr/bin/env bash
# Encode throughput of a real pretrained model (default: all-MiniLM-L6-v2 from ../shared/data): `semsearch encode`
# as a whole process (start, load, tokenize, encode, write) over the first N BANKING77 train texts, at each thread
# count, with wall and CPU time (/usr/bin/time). CPU time is the steadier figure on a shared machine.
#   bash bench/encode_real_model.sh [MODEL_DIR] [OUTDIR]     Environment: N (default 5000), THREADS (default "2 1")
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
shared=${SEMSEARCH_SHARED_DATA:-$root/../shared/data}
model=${1:-$shared/all-MiniLM-L6-v2}
out=${2:-/tmp/semsearch-encode-real}
n=${N:-5000}
mkdir -p "$out"
dotnet build src/SemanticSearch.Cli/SemanticSearch.Cli.csproj -c Release -nologo -v quiet >&2
python3 bench/python/banking77_texts.py --csv "$shared/banking77/train.csv" --n "$n" --output "$out/texts.txt" >&2
echo "load before: $(uptime)"
echo "| model | threads | wall s | texts/s | CPU s (user+sys) | texts per CPU-s | peak RSS MB |"
echo "|---|---|---|---|---|---|---|"
for t in ${THREADS:-2 1}; do
  /usr/bin/time -f '%e %U %S %M' -o "$out/time-$t.txt" \
    dotnet src/SemanticSearch.Cli/bin/Release/net10.0/semsearch.dll encode --model "$model" --input "$out/texts.txt" \
    --output "$out/embeddings-$t.jsonl" --threads "$t" 2>/dev/null
  read -r wall user sys rss < "$out/time-$t.txt"
  awk -v m="$(basename "$model")" -v t="$t" -v n="$n" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" \
    'BEGIN { printf "| %s | %d | %.2f | %.1f | %.2f | %.1f | %.0f |\n", m, t, w, n / w, u + s, n / (u + s), r / 1024 }'
done
echo "load after: $(uptime)"
