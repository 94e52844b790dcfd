#!/usr/bin/env bash
# Title handling measured both ways (issue 12): one field with the title counted twice (--title-boost 0)
# against a separate title field boosted 1, 2, 3, on the FAQ sample (77 entries with titles; the 3,080
# BANKING77 test questions as queries, qrels = the entry of the question's intent). Keyword nDCG@10.
# Usage: bench/index/title_handling.sh [WORK_DIR]   (run from the repository root)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${1:-$(mktemp -d)}
dotnet build "$ROOT/src/SemanticSearch.Cli" -c Release -v q -nologo >/dev/null
CLI="dotnet $ROOT/src/SemanticSearch.Cli/bin/Release/net10.0/semsearch.dll"
S=$ROOT/index/samples/banking77-faq
for boost in 0 1 2 3; do
  rm -rf "$WORK/t$boost"
  $CLI index --index "$WORK/t$boost" --input "$S/corpus.jsonl" --title-boost $boost >/dev/null 2>&1
  $CLI search --index "$WORK/t$boost" --queries "$S/queries.jsonl" --run "$WORK/t$boost.run" --top 100 >/dev/null 2>&1
  echo "== --title-boost $boost"; $CLI eval --qrels "$S/qrels/test.tsv" --run "$WORK/t$boost.run" | grep -E "nDCG@10|MRR@10|Recall@10 "
done
