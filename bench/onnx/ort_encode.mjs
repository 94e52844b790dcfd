// ONNX Runtime encode anchor for the `semsearch encode` benchmark.
//
//   node bench/onnx/ort_encode.mjs --model model.onnx --ids ids.json [--threads 2] [--repeat 2]
//        [--save-embeddings emb.f32] [--json result.json]
//
// ids.json comes from `bench/python/torch_encode.py --write-ids` (token ids of every text from the
// Python reference tokenizer, plus the sentence-transformers batch order: texts sorted by descending
// character length). Batches of `batch_size` in that order, each padded to its longest sequence,
// exactly like the PyTorch anchor. Only the forward passes (session.run) are timed; tensor building
// for all batches is done before the clock starts. CPU execution provider, intra-op threads = --threads
// (default 2), inter-op 1, sequential execution, all graph optimizations.
//
// onnxruntime-node 1.30.0 is installed with `npm install --ignore-scripts` in bench/onnx: the CPU
// native binding ships inside the npm package (bin/napi-v6/linux/x64); the skipped postinstall
// script would only download optional CUDA provider binaries.

import fs from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import ort from 'onnxruntime-node';

function parseArgs(argv) {
  const args = { threads: 2, repeat: 2 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--model') args.model = next();
    else if (a === '--ids') args.ids = next();
    else if (a === '--threads') args.threads = parseInt(next(), 10);
    else if (a === '--repeat') args.repeat = parseInt(next(), 10);
    else if (a === '--save-embeddings') args.saveEmbeddings = next();
    else if (a === '--json') args.json = next();
    else throw new Error(`unknown argument ${a}`);
  }
  if (!args.model || !args.ids) throw new Error('--model and --ids are required');
  return args;
}

const args = parseArgs(process.argv.slice(2));
const spec = JSON.parse(fs.readFileSync(args.ids, 'utf8'));
const ids = spec.input_ids;
const order = spec.order;
const bs = spec.batch_size;

const batches = [];
for (let start = 0; start < order.length; start += bs) {
  const idx = order.slice(start, start + bs);
  const n = Math.max(...idx.map((i) => ids[i].length));
  const inputIds = new BigInt64Array(idx.length * n);
  const mask = new BigInt64Array(idx.length * n);
  idx.forEach((i, r) => {
    ids[i].forEach((t, c) => {
      inputIds[r * n + c] = BigInt(t);
      mask[r * n + c] = 1n;
    });
  });
  batches.push({
    idx,
    feeds: {
      input_ids: new ort.Tensor('int64', inputIds, [idx.length, n]),
      attention_mask: new ort.Tensor('int64', mask, [idx.length, n]),
    },
  });
}

let t0 = performance.now();
const session = await ort.InferenceSession.create(args.model, {
  executionProviders: ['cpu'],
  intraOpNumThreads: args.threads,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
});
const loadS = (performance.now() - t0) / 1000;

let dim = 0;
let out = null;
// warm-up: the first (longest) batch, not timed
{
  const r = await session.run(batches[0].feeds);
  dim = r.sentence_embedding.dims[1];
  out = new Float32Array(ids.length * dim);
}

const runs = [];
const cpuRuns = [];
for (let k = 0; k < args.repeat; k++) {
  const c0 = process.cpuUsage();
  t0 = performance.now();
  for (const b of batches) {
    const r = await session.run(b.feeds);
    const data = r.sentence_embedding.data;
    b.idx.forEach((i, row) => out.set(data.subarray(row * dim, (row + 1) * dim), i * dim));
  }
  runs.push((performance.now() - t0) / 1000);
  const c = process.cpuUsage(c0);
  cpuRuns.push((c.user + c.system) / 1e6);
}
const bestRun = runs.indexOf(Math.min(...runs));
const forwardS = runs[bestRun];
if (args.saveEmbeddings) fs.writeFileSync(args.saveEmbeddings, Buffer.from(out.buffer));

const result = {
  runtime: `onnxruntime-node ${ort.env.versions?.common ?? ''}`.trim(),
  node: process.version,
  threads: args.threads,
  texts: ids.length,
  batches: batches.length,
  batch_size: bs,
  dim,
  load_s: loadS,
  forward_s: forwardS,
  forward_runs_s: runs,
  cpu_s: cpuRuns[bestRun], // process CPU time (all threads) of the reported pass
  texts_per_s: ids.length / forwardS,
  cpu: os.cpus()[0]?.model,
};
console.log(
  `onnxruntime-node intra_op_threads=${args.threads}: ${ids.length} texts, ${batches.length} batches, ` +
    `forward ${forwardS.toFixed(2)} s = ${result.texts_per_s.toFixed(1)} texts/s, CPU ${result.cpu_s.toFixed(2)} s ` +
    `(runs: ${runs.map((r) => r.toFixed(2)).join(', ')}; session load ${loadS.toFixed(2)} s)`,
);
if (args.json) fs.writeFileSync(args.json, JSON.stringify(result, null, 1));
