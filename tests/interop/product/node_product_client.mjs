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
const definition = protoLoader.loadSync(
  ['semanticsearch/v1/search.proto', 'semanticsearch/v1/finetune.proto', 'grpc/health/v1/health.proto',
    'grpc/reflection/v1alpha/reflection.proto'],
  { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true, includeDirs: [protoRoot] });
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
    const e = await expectStatus(unary(search, 'Search', { text: 'card', mode: 'SEARCH_MODE_UNSPECIFIED' }), grpc.status.INVALID_ARGUMENT, 'no mode');
    expect(e.details.includes('mode must be set'), e.details);
    await expectStatus(unary(search, 'Search', { text: 'card', mode: 'SEARCH_MODE_KEYWORD', top_k: -1 }), grpc.status.INVALID_ARGUMENT, 'negative top_k');
    await expectStatus(unary(search, 'Get', { id: 'missing' }), grpc.status.NOT_FOUND, 'unknown id');
    await expectStatus(unary(search, 'Stats', {}, new grpc.Metadata()), grpc.status.UNAUTHENTICATED, 'no key');
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
