#!/usr/bin/env bash
# Keyword (BM25 / FTS5) retrieval quality on BANKING77 as BEIR: nDCG@10, MRR@10, Recall@10/100, MAP.
# Usage: bench/index/banking77_keyword.sh [WORK_DIR]   (run from the repository root)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DATA=${DATA:-$ROOT/../shared/data}
WORK=${1:-$(mktemp -d)}
dotnet build "$ROOT/src/SemanticSearch.Cli" -c Release -v q -nologo >/dev/null
CLI="dotnet $ROOT/src/SemanticSearch.Cli/bin/Release/net10.0/semsearch.dll"
python3 "$ROOT/bench/index/build_banking77_beir.py" "$DATA" "$WORK/beir" --queries "${QUERIES:-500}"
rm -rf "$WORK/index"
$CLI index --index "$WORK/index" --input "$WORK/beir/corpus.jsonl"
$CLI search --index "$WORK/index" --queries "$WORK/beir/queries.jsonl" --run "$WORK/run.keyword.txt" --top 100
$CLI eval --qrels "$WORK/beir/qrels.tsv" --run "$WORK/run.keyword.txt"
