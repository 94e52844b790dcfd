#!/usr/bin/env bash
# FAQ quickstart — the README's main job.
#
# On a fresh machine with the .NET 10 SDK and ../shared/data beside the repository:
#   1. builds semsearch;
#   2. initializes a small BERT from scratch (no pretrained weights can be downloaded here);
#   3. fine-tunes it on BANKING77 paraphrase pairs with the FAQ recipe (MNRL, no same-intent negatives);
#   4. trains the intent-tagging head on the frozen encoder;
#   5. indexes the bundled FAQ sample (index/samples/banking77-faq: 77 questions with written answers),
#      tagging every entry with the head's predicted intent at ingest (index --classifier), and measures
#      retrieval of the FAQ entry for the 3,080 BANKING77 test questions;
#   6. starts the gRPC service (which tags upserted documents with the same head) and prints how to
#      query it, with a predicted-tag filter among the examples (Ctrl-C stops it).
# Every step whose output already exists is reused, so a second run starts the service at once.
#
#   bash tools/quickstart.sh [--no-serve] [--port N]
#
# Environment: SEMSEARCH_DATA (default ../shared/data), SEMSEARCH_HOME (default index/), QUICKSTART_EPOCHS.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
data=${SEMSEARCH_DATA:-$root/../shared/data}
home=${SEMSEARCH_HOME:-$root/index}
sample=$root/index/samples/banking77-faq
serve=1
port=50051
while [ $# -gt 0 ]; do
  case $1 in
    --no-serve) serve=0 ;;
    --port) port=$2; shift ;;
    *) echo "quickstart: unknown option $1 (try --no-serve, --port N)" >&2; exit 2 ;;
  esac
  shift
done

for f in "$data/bert-base-uncased/vocab.txt" "$data/banking77/train.csv" "$sample/corpus.jsonl"; do
  [ -f "$f" ] || { echo "quickstart: missing $f (is ../shared/data beside the repository?)" >&2; exit 1; }
done

step() { printf '\n==> %s\n' "$*" >&2; }
models=$home/models
base=$models/faq-base          # random init
tuned=$models/faq-minilm       # fine-tuned encoder
tagged=$models/faq-minilm-tagger  # fine-tuned encoder + intent head
index=$home/banking77-faq
out=$home/banking77-faq-runs

step "build"
dotnet build src/SemanticSearch.Cli/SemanticSearch.Cli.csproj -c Release -nologo -v quiet >&2
semsearch() { dotnet "$root/src/SemanticSearch.Cli/bin/Release/net10.0/semsearch.dll" "$@"; }
mkdir -p "$models" "$out"

if [ ! -f "$base/modules.json" ]; then
  step "initialize a small BERT from scratch (4 layers, hidden 256, BERT's init)"
  semsearch model init --vocab "$data/bert-base-uncased/vocab.txt" --output "$base" \
    --layers 4 --hidden 256 --heads 4 --max-seq-length 64 --normalize --seed 42
else step "reuse $base"; fi

if [ ! -f "$tuned/modules.json" ]; then
  step "fine-tune on BANKING77 paraphrases with the FAQ recipe (progress below)"
  semsearch train --model "$base" --recipe faq --intents "$data/banking77/train.csv" --output "$tuned" \
    --epochs "${QUICKSTART_EPOCHS:-1}" --batch-size 32 --lr 5e-4 --warmup-ratio 0.1 --seed 42
else step "reuse $tuned"; fi

if [ ! -f "$tagged/classifier/config.json" ]; then
  step "train the intent-tagging head (frozen encoder)"
  semsearch classifier train --model "$tuned" --data "$sample/classifier-train.jsonl" \
    --validation "$sample/classifier-validation.jsonl" --output "$tagged" --seed 42
else step "reuse $tagged"; fi

if [ ! -f "$index/.quickstart-done" ]; then
  step "index the FAQ sample with the fine-tuned model, tagging each entry with the intent head"
  rm -rf "$index"
  # FAQ entries all have question-like titles: a separate title field boosted 2 measured best there (BENCHMARKS.md).
  semsearch index --index "$index" --input "$sample/corpus.jsonl" --model "$tagged" --classifier "$tagged" --title-boost 2
  touch "$index/.quickstart-done" "$index/.quickstart-tagged"
elif [ ! -f "$index/.quickstart-tagged" ]; then
  step "tag the existing $index with the intent head (it was indexed before tagging at ingest)"
  semsearch retag --index "$index" --classifier "$tagged"
  touch "$index/.quickstart-tagged"
else step "reuse $index"; fi
semsearch stats --index "$index" | grep -A2 '^predicted' >&2 || true

step "how well it finds the right FAQ entry for 3,080 unseen BANKING77 questions"
for mode in keyword vector hybrid; do
  semsearch search --index "$index" --mode "$mode" --queries "$sample/queries.jsonl" --run "$out/$mode.run" --top 10 2>/dev/null
  printf '%-8s ' "$mode"; semsearch eval --qrels "$sample/qrels/test.tsv" --run "$out/$mode.run" | tr '\n' ' '; echo
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
EOF
  semsearch serve --index "$index" --model "$tagged" --port "$port"
fi
