#!/usr/bin/env bash
# Verifies the CUDA path of the torch training backend on a machine WITH an NVIDIA GPU (none is lent to this
# project, so this has never been run here; paste what it prints below when it is).
#
#   bash tools/gpu-check.sh [MODEL_DIR]        (default: ../shared/data/all-MiniLM-L6-v2)
#
# 1. builds semsearch against TorchSharp-cuda-linux (-p:TorchRuntime=cuda; that package must be on the NuGet source),
# 2. fine-tunes the same model on the same 64 BANKING77 pairs from the same seed, dropout off, on cpu and on cuda:0
#    (8 MNRL steps of 8 pairs, lr 5e-5, warm-up 25 %),
# 3. checks the two runs' per-step losses agree within 1e-3 (float32 kernels differ between devices; a wrong graph
#    differs by far more),
# 4. loads the cuda-trained folder on the managed engine (`semsearch encode`) and checks its embeddings against the
#    cpu-trained model's within 1e-3 (cosine > 0.9999 per text).
# Exit 0 when all pass.
#
# Printed on a GPU machine: (not run yet)
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-../shared/data/all-MiniLM-L6-v2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

nvidia-smi -L || { echo "gpu-check: no NVIDIA GPU visible (nvidia-smi failed)" >&2; exit 1; }
dotnet build src/SemanticSearch.Cli -c Release -p:TorchRuntime=cuda -o "$work/bin" >/dev/null
semsearch() { dotnet "$work/bin/semsearch.dll" "$@"; }

# 64 anchor/positive pairs: consecutive BANKING77 training texts of one intent.
/usr/bin/python3 - "$work/pairs.jsonl" <<'PY'
import csv, json, sys, collections
rows = collections.defaultdict(list)
for text, label in csv.reader(open("../shared/data/banking77/train.csv", encoding="utf-8")):
    if label != "category": rows[label].append(text)
with open(sys.argv[1], "w", encoding="utf-8") as out:
    n = 0
    for texts in rows.values():
        for a, p in zip(texts[0::2], texts[1::2]):
            out.write(json.dumps({"anchor": a, "positive": p}) + "\n"); n += 1
            if n % 2 == 0: break
        if n >= 64: break
PY
for device in cpu cuda:0; do
  semsearch train --model "$model" --output "$work/out-${device%%:*}" --pairs "$work/pairs.jsonl" --backend torch --device "$device" \
    --batch-size 8 --lr 5e-5 --warmup-ratio 0.25 --dropout 0 --seed 7 --checkpoint-steps 0
done
/usr/bin/python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
def losses(d): return [r["loss"] for r in map(json.loads, open(f"{w}/{d}/metrics.jsonl")) if r["kind"] == "train"]
cpu, cuda = losses("out-cpu"), losses("out-cuda")
print("step losses cpu :", " ".join(f"{x:.5f}" for x in cpu))
print("step losses cuda:", " ".join(f"{x:.5f}" for x in cuda))
worst = max(abs(a - b) for a, b in zip(cpu, cuda))
print(f"max |cpu - cuda| loss = {worst:.2e}")
sys.exit(0 if len(cpu) == len(cuda) == 8 and worst <= 1e-3 else 1)
PY
head -n 50 ../shared/data/banking77/test.csv | tail -n 49 | cut -d, -f1 > "$work/probe.txt"
semsearch encode --model "$work/out-cuda" --input "$work/probe.txt" --output "$work/cuda.jsonl"
semsearch encode --model "$work/out-cpu" --input "$work/probe.txt" --output "$work/cpu.jsonl"
/usr/bin/python3 - "$work" <<'PY'
import json, sys, math
w = sys.argv[1]
def rows(f): return [json.loads(l)["embedding"] for l in open(f"{w}/{f}")]
worst = 1.0
for a, b in zip(rows("cpu.jsonl"), rows("cuda.jsonl")):
    dot = sum(x * y for x, y in zip(a, b)); na = math.sqrt(sum(x * x for x in a)); nb = math.sqrt(sum(y * y for y in b))
    worst = min(worst, dot / (na * nb))
print(f"managed engine on the cuda-trained model vs the cpu-trained one: min cosine {worst:.6f}")
sys.exit(0 if worst > 0.9999 else 1)
PY
echo "gpu-check: passed"
