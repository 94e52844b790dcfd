// Calls the product API (semanticsearch.v1) of a running `semsearch serve` with @grpc/grpc-js.
// Usage: node node_product_client.mjs HOST:PORT API_KEY — exits 0 only if every check passes.
// The npm packages are the ones pinned for the echo interop client (tests/interop/node, installed by
// .ci/install-interop-deps.sh); the protos are loaded from the repository at run time.
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.resolve(here, '..', 'node', 'package.json'));
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const [address, apiKey] = process.argv.slice(2);
if (!address || !apiKey) {
  console.error('usage: node node_product_client.mjs HOST:PORT API_KEY');
  process.exit(2);
}

const protoRoot = path.resolve(here, '..', '..', '..', 'protos');
// grpc.health.v1 / grpc.reflection: the standard services' schemas, kept beside the foreign clients.
const standardProtoRoot = path.resolve(here, '..', 'protos');
const definition = protoLoader.loadSync(
  ['semanticsearch/v1/search.proto', 'semanticsearch/v1/finetune.proto', 'grpc/health/v1/health.proto',
    'grpc/reflection/v1alpha/reflection.proto'],
  { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true, includeDirs: [protoRoot, standardProtoRoot] });
const loaded = grpc.loadPackageDefinition(definition);
const insecure = grpc.credentials.createInsecure();
const search = new loaded.semanticsearch.v1.SearchService(address, insecure);
const finetune = new loaded.semanticsearch.v1.FineTuneService(address, insecure);
const health = new loaded.grpc.health.v1.Health(address, insecure);
const reflection = new loaded.grpc.reflection.v1alpha.ServerReflection(address, insecure);

const auth = () => { const md = new grpc.Metadata(); md.set('authorization', `Bearer ${apiKey}`); return md; };
const within = (ms) => ({ deadline: Date.now() + ms });
const expect = (cond, what) => { if (!cond) throw new Error(what); };
const unary = (client, method, request, md = auth()) =>
  new Promise((resolve, reject) => client[method](request, md, within(10000), (e, r) => (e ? reject(e) : resolve(r))));
async function expectStatus(promise, code, what) {
  try { await promise; } catch (e) { expect(e.code === code, `${what}: expected ${code}, got ${e.code} (${e.details})`); return e; }
  throw new Error(`${what}: expected ${code}, the call succeeded`);
}

async function watchToEnd(jobId) {
  return new Promise((resolve, reject) => {
    const events = [];
    const call = finetune.WatchJob({ job_id: jobId }, auth(), within(180000));
    call.on('data', (e) => events.push(e));
    call.on('error', reject);
    call.on('end', () => resolve(events));
  });
}
const state = {};

const checks = [
  ['Upsert: client stream of documents, one bad', async () => {
    const reply = await new Promise((resolve, reject) => {
      const call = search.Upsert(auth(), within(30000), (e, r) => (e ? reject(e) : resolve(r)));
      call.write({ document: { id: 'js-lost', title: 'Lost card', text: 'I lost my card, please freeze it', tags: ['cards'] } });
      call.write({ document: { id: 'js-rate', title: 'Exchange rate', text: 'Which exchange rate do you use for currency?', tags: ['currency'] } });
      call.write({ document: { id: 'js-empty', title: 'Empty', text: '' } });
      call.end();
    });
    expect(reply.received === 3 && reply.added === 2 && reply.failed === 1, `counts ${JSON.stringify(reply)}`);
    expect(reply.errors[0].id === 'js-empty' && reply.errors[0].position === 2, `errors ${JSON.stringify(reply.errors)}`);
  }],
  ['Search: keyword, scores, tags', async () => {
    const r = await unary(search, 'Search', { text: 'exchange rate', mode: 'SEARCH_MODE_KEYWORD', top_k: 3 });
    expect(r.hits[0].id === 'js-rate', `top hit ${JSON.stringify(r.hits[0])}`);
    expect(r.hits[0].keyword_score !== undefined && r.hits[0].keyword_score !== null, 'keyword_score set');
    expect(r.mode === 'SEARCH_MODE_KEYWORD', `mode ${r.mode}`);
  }],
  ['Get and Stats', async () => {
    const d = await unary(search, 'Get', { id: 'js-lost' });
    expect(d.title === 'Lost card' && d.tags[0] === 'cards', `document ${JSON.stringify(d)}`);
    const s = await unary(search, 'Stats', {});
    expect(s.documents >= 2, `stats ${JSON.stringify(s)}`);
  }],
  ['errors: INVALID_ARGUMENT, NOT_FOUND, UNAUTHENTICATED', async () => {
    // An unset mode is hybrid on an index with vectors (this one), keyword otherwise.
    const unset = await unary(search, 'Search', { text: 'card', mode: 'SEARCH_MODE_UNSPECIFIED' });
    expect(unset.mode === 'SEARCH_MODE_HYBRID', `unset mode answered ${unset.mode}`);
    const e = await expectStatus(unary(search, 'Search', { text: '', mode: 'SEARCH_MODE_KEYWORD' }), grpc.status.INVALID_ARGUMENT, 'empty text');
    expect(e.details.includes('text must not be empty'), e.details);
    await expectStatus(unary(search, 'Search', { text: 'card', mode: 'SEARCH_MODE_KEYWORD', top_k: -1 }), grpc.status.INVALID_ARGUMENT, 'negative top_k');
    await expectStatus(unary(search, 'Get', { id: 'missing' }), grpc.status.NOT_FOUND, 'unknown id');
    await expectStatus(unary(search, 'Stats', {}, new grpc.Metadata()), grpc.status.UNAUTHENTICATED, 'no key');
  }],
  ['Search: predicted_tags and min_confidence validation', async () => {
    let e = await expectStatus(unary(search, 'Search', { text: 'card', mode: 'SEARCH_MODE_KEYWORD', min_confidence: 0.5 }),
      grpc.status.INVALID_ARGUMENT, 'min_confidence without predicted_tags');
    expect(e.details.includes('min_confidence needs predicted_tags'), e.details);
    e = await expectStatus(unary(search, 'Search', { text: 'card', mode: 'SEARCH_MODE_KEYWORD', predicted_tags: ['cards'], min_confidence: -0.1 }),
      grpc.status.INVALID_ARGUMENT, 'min_confidence -0.1');
    expect(e.details.includes('min_confidence must be between 0 and 1'), e.details);
    // This server tags nothing at ingest (no --classifier), so a predicted-tag filter matches no document.
    const r = await unary(search, 'Search', { text: 'card', mode: 'SEARCH_MODE_KEYWORD', predicted_tags: ['cards'], min_confidence: 0 });
    expect(r.hits.length === 0, `predicted-tag filter on an untagged index gave ${r.hits.map((h) => h.id)}`);
  }],
  ['FindSimilar: by document id and by text', async () => {
    let r = await unary(search, 'FindSimilar', { document_id: 'js-rate', top_k: 5 });
    expect(JSON.stringify(r.hits.map((h) => h.id)) === '["js-lost"]', `similar to js-rate: ${r.hits.map((h) => h.id)}`); // the other one, not itself
    expect(r.hits[0].vector_score >= -1.0001 && r.hits[0].vector_score <= 1.0001, `vector score ${r.hits[0].vector_score}`);
    r = await unary(search, 'FindSimilar', { text: 'which currency rate', top_k: 2 });
    expect(r.hits.length === 2 && r.hits[0].rank === 1 && r.hits[1].rank === 2, `similar to text: ${JSON.stringify(r.hits)}`);
    expect(r.hits[0].score >= r.hits[1].score, 'scores best first');
    await expectStatus(unary(search, 'FindSimilar', { document_id: 'js-none' }), grpc.status.NOT_FOUND, 'unknown document id');
  }],
  ['Encode: one unit vector per text, deterministic', async () => {
    const s = await unary(search, 'Stats', {});
    const r = await unary(search, 'Encode', { texts: ['lost card', 'exchange rate', 'lost card'] });
    expect(r.embeddings.length === 3, `${r.embeddings.length} embeddings`);
    expect(r.dimension > 0 && r.dimension === s.dimension, `dimension ${r.dimension}, stats ${s.dimension}`);
    expect(r.embeddings.every((e) => e.values.length === r.dimension), 'every vector has the dimension');
    // The served test model ends with a Normalize module.
    const norms = r.embeddings.map((e) => Math.sqrt(e.values.reduce((sum, v) => sum + v * v, 0)));
    expect(norms.every((n) => Math.abs(n - 1) < 1e-3), `norms ${norms}`);
    const [a, b, c] = r.embeddings.map((e) => JSON.stringify(e.values));
    expect(a === c && a !== b, 'same text same vector, different texts different vectors');
    expect(r.model_fingerprint.length === 64 && r.model_fingerprint === s.model_fingerprint, `fingerprint ${r.model_fingerprint}`);
  }],
  ['Classify: softmax over the head\'s labels, best first', async () => {
    const r = await unary(search, 'Classify', { texts: ['lost card', 'transfer fee'], top_labels: 3 });
    expect(r.results.length === 2, `${r.results.length} results`);
    for (const c of r.results) {
      const labels = c.labels.map((l) => l.label);
      const scores = c.labels.map((l) => l.score);
      expect(JSON.stringify([...labels].sort()) === '["cards","other","transfers"]', `labels ${labels}`);
      expect(Math.abs(scores.reduce((x, y) => x + y, 0) - 1) < 1e-4, `scores ${scores}`);
      expect(scores.every((v, i) => i === 0 || scores[i - 1] >= v), `scores not best first ${scores}`);
      expect(c.assigned_labels.length === 1 && c.assigned_labels[0] === labels[0], `assigned ${c.assigned_labels}`);
    }
    const one = await unary(search, 'Classify', { texts: ['lost card'], top_labels: 1 });
    expect(one.results[0].labels.length === 1 && one.results[0].labels[0].label === r.results[0].labels[0].label, 'top_labels 1');
    await expectStatus(unary(search, 'Classify', { texts: [' '] }), grpc.status.INVALID_ARGUMENT, 'blank text');
  }],
  ['Delete: by id and by tag, then Get is NOT_FOUND', async () => {
    const added = await new Promise((resolve, reject) => {
      const call = search.Upsert(auth(), within(30000), (e, r) => (e ? reject(e) : resolve(r)));
      for (const [id, tags] of [['js-tmp-1', ['temp']], ['js-tmp-2', ['temp']], ['js-tmp-3', []]]) {
        call.write({ document: { id, title: 'Temp', text: `temporary document ${id}`, tags } });
      }
      call.end();
    });
    expect(added.added === 3, `added ${added.added}`);
    const before = (await unary(search, 'Stats', {})).documents;
    expect((await unary(search, 'Delete', { ids: { ids: ['js-tmp-3', 'js-never-existed'] } })).deleted === 1, 'deleted by id');
    expect((await unary(search, 'Delete', { tag: 'temp' })).deleted === 2, 'deleted by tag');
    expect((await unary(search, 'Stats', {})).documents === before - 3, 'stats follow');
    for (const gone of ['js-tmp-1', 'js-tmp-3']) await expectStatus(unary(search, 'Get', { id: gone }), grpc.status.NOT_FOUND, `Get ${gone}`);
    const hits = (await unary(search, 'Search', { text: 'temporary', mode: 'SEARCH_MODE_KEYWORD' })).hits;
    expect(hits.length === 0, `deleted documents still found: ${hits.map((h) => h.id)}`);
  }],
  ['server streams: WatchJob NOT_FOUND, health Watch SERVING', async () => {
    await expectStatus(new Promise((resolve, reject) => {
      const call = finetune.WatchJob({ job_id: 'ft-missing' }, auth(), within(10000));
      call.on('data', () => {});
      call.on('error', reject);
      call.on('end', resolve);
    }), grpc.status.NOT_FOUND, 'unknown job');
    const first = await new Promise((resolve, reject) => {
      const call = health.Watch({ service: 'semanticsearch.v1.SearchService' }, new grpc.Metadata(), within(10000));
      call.on('data', (m) => { resolve(m); call.cancel(); });
      call.on('error', (e) => { if (e.code !== grpc.status.CANCELLED) reject(e); });
    });
    expect(first.status === 'SERVING', `health ${JSON.stringify(first)}`);
  }],
  ['StartFineTune with inline pairs, WatchJob to SUCCEEDED, CancelJob of a second job', async () => {
    const pairs = [['Lost card', 'I lost my card, please freeze it'], ['Exchange rate', 'Which exchange rate do you use?'],
      ['Transfer fee', 'How much is a transfer fee?'], ['Card arrival', 'When will my new card arrive?'],
      ['Refund', 'A refund can take ten days'], ['Top up', 'Top up with a bank transfer'],
      ['Cash', 'Cash withdrawal at an ATM'], ['Verify', 'Upload a photo of your passport']].map(([a, b]) => ({ text_a: a, text_b: b }));
    const job = await unary(finetune, 'StartFineTune', { pairs: { pairs }, description: 'node interop',
      options: { batch_size: 4, epochs: 1, learning_rate: 1e-4, seed: 1 } });
    expect(job.job_id.startsWith('ft-'), `job id ${job.job_id}`);
    // A long second job, cancelled at once (queued behind the first, or running): it must end CANCELLED.
    const longJob = await unary(finetune, 'StartFineTune', { pairs: { pairs }, description: 'node interop cancel',
      options: { batch_size: 2, epochs: 200, learning_rate: 1e-4, seed: 2 } });
    const c = await unary(finetune, 'CancelJob', { job_id: longJob.job_id });
    expect(c.job_id === longJob.job_id, `cancel answered for ${c.job_id}`);
    const events = await watchToEnd(job.job_id);
    const last = events[events.length - 1];
    expect(last.job.state === 'JOB_STATE_SUCCEEDED', `job ended ${last.job.state}: ${last.job.message}`);
    expect(last.job.step === 2 && last.job.total_steps === 2, `steps ${last.job.step}/${last.job.total_steps}`); // 8 pairs, batch 4
    expect(last.loss > 0 && Number.isFinite(last.loss), `loss ${last.loss}`);
    expect(last.job.output_model !== '', 'output model');
    const ended = (await watchToEnd(longJob.job_id)).pop();
    expect(ended.job.state === 'JOB_STATE_CANCELLED', `cancelled job ended ${ended.job.state}`);
    // Cancelling a finished job changes nothing; an unknown one is NOT_FOUND.
    expect((await unary(finetune, 'CancelJob', { job_id: job.job_id })).state === 'JOB_STATE_SUCCEEDED', 'finished job after CancelJob');
    await expectStatus(unary(finetune, 'CancelJob', { job_id: 'ft-none' }), grpc.status.NOT_FOUND, 'cancel unknown job');
    const jobs = (await unary(finetune, 'ListJobs', {})).jobs;
    expect(jobs.some((j) => j.job_id === job.job_id && j.state === 'JOB_STATE_SUCCEEDED'), 'ListJobs has the job');
    state.job = job.job_id;
  }],
  ['ActivateModel of the trained job, WatchJob to SUCCEEDED, Stats shows the new model', async () => {
    expect(state.job, 'no trained job (the fine-tune check failed)');
    const before = await unary(search, 'Stats', {});
    const a = await unary(finetune, 'ActivateModel', { job_id: state.job });
    expect(a.activation_id.startsWith('act-'), `activation id ${a.activation_id}`);
    expect(a.documents === before.documents, `activation re-embeds ${a.documents} of ${before.documents}`);
    expect(a.pending_model_fingerprint.length === 64 && a.pending_model_fingerprint !== before.model_fingerprint,
      `pending ${a.pending_model_fingerprint} vs ${before.model_fingerprint}`);
    const done = (await watchToEnd(a.activation_id)).pop();
    expect(done.job.state === 'JOB_STATE_SUCCEEDED', `activation ended ${done.job.state}: ${done.job.message}`);
    const after = await unary(search, 'Stats', {});
    expect(after.model_fingerprint === a.pending_model_fingerprint && after.pending_model_fingerprint === '',
      `stats model ${after.model_fingerprint}, pending '${after.pending_model_fingerprint}'`);
    expect(after.vectors === after.documents, `vectors ${after.vectors} of ${after.documents}`);
    const enc = await unary(search, 'Encode', { texts: ['lost card'] });
    expect(enc.model_fingerprint === a.pending_model_fingerprint, 'Encode uses the activated model');
    await expectStatus(unary(finetune, 'ActivateModel', { job_id: 'ft-none' }), grpc.status.NOT_FOUND, 'activate unknown job');
  }],
  ['reflection lists the product services', async () => {
    const names = await new Promise((resolve, reject) => {
      const call = reflection.ServerReflectionInfo(auth(), within(10000));
      call.on('data', (m) => { resolve(m.list_services_response.service.map((s) => s.name)); call.end(); });
      call.on('error', reject);
      call.write({ list_services: '' });
    });
    for (const n of ['semanticsearch.v1.SearchService', 'semanticsearch.v1.FineTuneService']) expect(names.includes(n), `${n} not in ${names}`);
  }],
];

let ok = 0;
for (const [name, fn] of checks) {
  try { await fn(); ok += 1; console.log(`ok    ${name}`); } catch (e) { console.log(`FAIL  ${name}: ${e.message}`); }
}
console.log(`summary: ${ok} of ${checks.length} checks ok`);
for (const c of [search, finetune, health, reflection]) c.close();
process.exit(ok === checks.length ? 0 : 1);
