#!/usr/bin/env bash
# int8 quality on the real model (part of bench/run_int8_benchmark.sh, runnable on its own): fp32 and int8
# all-MiniLM-L6-v2 embeddings of the STS-benchmark test pairs and of the BANKING77 BEIR set
# (bench/index/build_banking77_beir.py: 10,003 train utterances, 500 test queries); retrieval is an exact cosine
# scan of the embeddings (top 100), scored by `semsearch eval`. Spearman and the comparison: python/int8_report.py.
#
#   bash bench/int8_quality.sh OUTDIR SEMSEARCH [SHARED_DATA]     (OUTDIR/real-int8 from `semsearch model quantize`)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$1; SEMSEARCH=$2; SHARED=${3:-$ROOT/../shared/data}
PY=/usr/bin/python3
log() { echo "[$(date -u +%T)] $*" >&2; }
cd "$ROOT"
declare -A MODEL_DIR=([real]="$SHARED/all-MiniLM-L6-v2")
log "quality: STS-benchmark test, BANKING77 BEIR (real model, fp32 and int8)"
"$PY" bench/index/build_banking77_beir.py "$SHARED" "$OUT/beir" >&2
"$PY" - "$OUT" "$SHARED" <<'PYEOF'
import csv, json, sys
out, shared = sys.argv[1], sys.argv[2]
# sts-test.csv: tab-separated, no header: genre, file, year, id, score, sentence1, sentence2[, source columns]
rows = [l.rstrip("\n").split("\t") for l in open(f"{shared}/stsbenchmark/sts-test.csv", encoding="utf-8") if l.strip()]
with open(f"{out}/sts.jsonl", "w") as f:
  for i, r in enumerate(rows):
      f.write(json.dumps({"id": f"a{i}", "text": r[5]}) + "\n" + json.dumps({"id": f"b{i}", "text": r[6]}) + "\n")
json.dump([float(r[4]) for r in rows], open(f"{out}/sts-gold.json", "w"))
with open(f"{out}/beir-texts.jsonl", "w") as f:
  for name in ("corpus", "queries"):
      for l in open(f"{out}/beir/{name}.jsonl", encoding="utf-8"):
          d = json.loads(l); f.write(json.dumps({"id": d["_id"], "text": d["text"]}) + "\n")
PYEOF
for v in fp32 int8; do
  model_dir=${MODEL_DIR[real]}; [ "$v" = int8 ] && model_dir="$OUT/real-int8"
  "$SEMSEARCH" encode --model "$model_dir" --input "$OUT/sts.jsonl" --output "$OUT/sts-$v.jsonl" 2>/dev/null
  "$SEMSEARCH" encode --model "$model_dir" --input "$OUT/beir-texts.jsonl" --output "$OUT/beir-$v.jsonl" 2>/dev/null
  "$PY" - "$OUT" "$v" <<'PYEOF'
import json, sys
import numpy as np
out, v = sys.argv[1], sys.argv[2]
ids, vecs = [], []
for l in open(f"{out}/beir-{v}.jsonl"):
  d = json.loads(l); ids.append(d["id"]); vecs.append(d["embedding"])
vecs = np.array(vecs, dtype=np.float32)
queries = [json.loads(l)["_id"] for l in open(f"{out}/beir/queries.jsonl")]
index = {d: i for i, d in enumerate(ids)}
corpus = [i for i, d in enumerate(ids) if d.startswith("train-")]
scores = vecs[[index[q] for q in queries]] @ vecs[corpus].T   # unit vectors: cosine, exact scan
with open(f"{out}/beir-{v}.run", "w") as f:
  for qi, q in enumerate(queries):
      top = np.argsort(-scores[qi], kind="stable")[:100]
      for rank, c in enumerate(top):
          f.write(f"{q} Q0 {ids[corpus[c]]} {rank + 1} {scores[qi, c]:.6f} {v}\n")
PYEOF
  "$SEMSEARCH" eval --qrels "$OUT/beir/qrels.tsv" --run "$OUT/beir-$v.run" >"$OUT/beir-$v.eval"
done
