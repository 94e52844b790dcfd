// Drives the SemanticSearch gRPC layer with the reference pure-JS stack (@grpc/grpc-js).
// Usage: node client.mjs HOST:PORT API_KEY — exits 0 only if every check passes.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const [address, apiKey] = process.argv.slice(2);
if (!address || !apiKey) {
  console.error('usage: node client.mjs HOST:PORT API_KEY');
  process.exit(2);
}

const here = path.dirname(fileURLToPath(import.meta.url));
const protoRoot = path.resolve(here, '..', '..', '..', 'protos');
// grpc.health.v1 / grpc.reflection: the standard services' schemas, kept beside the foreign clients.
const standardProtoRoot = path.resolve(here, '..', 'protos');
const loaderOptions = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: [protoRoot, standardProtoRoot] };
const definition = protoLoader.loadSync(
  ['testing/echo.proto', 'grpc/health/v1/health.proto', 'grpc/reflection/v1alpha/reflection.proto'], loaderOptions);
const loaded = grpc.loadPackageDefinition(definition);
const Echo = loaded.semanticsearch.testing.v1.Echo;
const Health = loaded.grpc.health.v1.Health;
const Reflection = loaded.grpc.reflection.v1alpha.ServerReflection;

const insecure = grpc.credentials.createInsecure();
const echo = new Echo(address, insecure);
// Channel option 2 = gzip for every request message.
const echoGzip = new Echo(address, insecure, { 'grpc.default_compression_algorithm': 2 });
const health = new Health(address, insecure);
const reflection = new Reflection(address, insecure);

const auth = () => {
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${apiKey}`);
  return md;
};
const within = (ms) => ({ deadline: Date.now() + ms });

function expectEqual(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

function unary(client, method, request, metadata = auth(), options = within(10000)) {
  return new Promise((resolve, reject) => {
    let headers;
    const call = client[method](request, metadata, options, (err, reply) => (err ? reject(err) : resolve({ reply, call, headers })));
    call.on('metadata', (md) => { headers = md; });
  });
}

async function expectStatus(promise, code, what) {
  try {
    await promise;
  } catch (err) {
    expectEqual(err.code, code, `${what} status`);
    return err;
  }
  throw new Error(`${what}: expected status ${code} but the call succeeded`);
}

function collect(stream) {
  return new Promise((resolve, reject) => {
    const items = [];
    stream.on('data', (item) => items.push(item));
    stream.on('error', reject);
    stream.on('end', () => resolve(items));
  });
}

// Wraps serialized FileDescriptorProtos into a FileDescriptorSet (field 1, length-delimited).
function toFileDescriptorSet(protos) {
  const parts = [];
  for (const proto of protos) {
    const varint = [];
    let n = proto.length;
    while (n > 0x7f) { varint.push((n & 0x7f) | 0x80); n >>>= 7; }
    varint.push(n);
    parts.push(Buffer.from([0x0a, ...varint]), proto);
  }
  return Buffer.concat(parts);
}

const checks = [
  ['unary with metadata, headers and trailers', async () => {
    const md = auth();
    md.set('x-custom', 'v1');
    let trailers;
    const { reply, headers } = await new Promise((resolve, reject) => {
      let hdrs;
      const call = echo.Unary({ text: 'héllo', echo_header: 'x-custom' }, md, within(10000),
        (err, r) => (err ? reject(err) : resolve({ reply: r, headers: hdrs })));
      call.on('metadata', (m) => { hdrs = m; });
      call.on('status', (s) => { trailers = s.metadata; });
    });
    await new Promise((r) => setImmediate(r));
    expectEqual(reply.text, 'héllo', 'unary text');
    expectEqual(reply.header_value, 'v1', 'echoed header');
    expectEqual(headers.get('x-echo-method'), ['unary'], 'response header');
    expectEqual(trailers.get('x-echo-trailer'), ['done'], 'text trailer');
    expectEqual([...trailers.get('x-echo-trailer-bin')[0]], [0, 1, 2, 255], 'binary trailer');
  }],
  ['server streaming', async () => {
    const replies = await collect(echo.ServerStream({ text: 's', count: 7 }, auth(), within(10000)));
    expectEqual(replies.map((r) => r.index), [0, 1, 2, 3, 4, 5, 6], 'stream indexes');
  }],
  ['client streaming', async () => {
    const reply = await new Promise((resolve, reject) => {
      const call = echo.ClientStream(auth(), within(10000), (err, r) => (err ? reject(err) : resolve(r)));
      for (const text of ['x', 'y', 'z']) call.write({ text });
      call.end();
    });
    expectEqual([reply.text, reply.message_count], ['x|y|z', 3], 'joined texts');
  }],
  ['bidirectional streaming (ping-pong)', async () => {
    const call = echo.Bidi(auth(), within(10000));
    const seen = [];
    await new Promise((resolve, reject) => {
      let i = 0;
      call.on('data', (r) => {
        seen.push([r.text, r.index]);
        if (++i < 5) call.write({ text: `m${i}` }); else call.end();
      });
      call.on('error', reject);
      call.on('end', resolve);
      call.write({ text: 'm0' });
    });
    expectEqual(seen, [0, 1, 2, 3, 4].map((i) => [`m${i}`, i]), 'bidi replies');
  }],
  ['error status with a non-ASCII message', async () => {
    const message = 'résumé ✓ 100% naïve';
    const err = await expectStatus(unary(echo, 'Unary', { fail_code: 9, fail_message: message }), grpc.status.FAILED_PRECONDITION, 'fail');
    expectEqual(err.details, message, 'decoded grpc-message');
    expectEqual(err.metadata.get('x-fail-detail'), ['from-handler'], 'error trailer');
  }],
  ['deadline exceeded', async () => {
    await expectStatus(unary(echo, 'Unary', { text: 'slow', sleep_ms: 10000 }, auth(), within(300)), grpc.status.DEADLINE_EXCEEDED, 'deadline');
  }],
  ['missing API key is UNAUTHENTICATED', async () => {
    await expectStatus(unary(echo, 'Unary', { text: 'x' }, new grpc.Metadata()), grpc.status.UNAUTHENTICATED, 'no key');
    const wrong = new grpc.Metadata();
    wrong.set('authorization', 'Bearer wrong');
    await expectStatus(unary(echo, 'Unary', { text: 'x' }, wrong), grpc.status.UNAUTHENTICATED, 'wrong key');
  }],
  ['gzip request and response', async () => {
    const big = 'z'.repeat(100000);
    // The server is configured to gzip responses and grpc-js advertises gzip, so both directions are
    // compressed; grpc-js hides grpc-encoding from metadata, so the reply text proves the decoding.
    const { reply } = await unary(echoGzip, 'Unary', { text: big });
    expectEqual(reply.text === big, true, 'gzip round trip');
    expectEqual(reply.request_encoding, 'gzip', 'server saw grpc-encoding');
  }],
  ['oversized request is RESOURCE_EXHAUSTED', async () => {
    await expectStatus(unary(echo, 'Unary', { payload: Buffer.alloc(5 * 1024 * 1024, 1) }, auth(), within(20000)),
      grpc.status.RESOURCE_EXHAUSTED, 'request over 4 MiB');
  }],
  ['oversized response is RESOURCE_EXHAUSTED at the client', async () => {
    await expectStatus(unary(echo, 'Unary', { reply_payload_size: 5 * 1024 * 1024 }, auth(), within(20000)),
      grpc.status.RESOURCE_EXHAUSTED, 'response over 4 MiB');
  }],
  ['unimplemented method', async () => {
    await expectStatus(unary(echo, 'NotImplemented', {}), grpc.status.UNIMPLEMENTED, 'not implemented');
  }],
  ['health check (exempt from the API key)', async () => {
    const none = new grpc.Metadata();
    expectEqual((await unary(health, 'Check', { service: '' }, none)).reply.status, 'SERVING', 'server health');
    expectEqual((await unary(health, 'Check', { service: 'semanticsearch.testing.v1.Echo' }, none)).reply.status, 'SERVING', 'echo health');
    await expectStatus(unary(health, 'Check', { service: 'no.such.Service' }, none), grpc.status.NOT_FOUND, 'unknown service');
  }],
  ['reflection: list services, fetch descriptors, call through them', async () => {
    const call = reflection.ServerReflectionInfo(auth(), within(10000));
    const done = collect(call);
    call.write({ list_services: '' });
    call.write({ file_containing_symbol: 'semanticsearch.testing.v1.Echo' });
    call.end();
    const [listed, files] = await done;
    const names = listed.list_services_response.service.map((s) => s.name);
    for (const expected of ['semanticsearch.testing.v1.Echo', 'grpc.health.v1.Health', 'grpc.reflection.v1alpha.ServerReflection']) {
      if (!names.includes(expected)) throw new Error(`list_services lacks ${expected}: ${names}`);
    }
    // Like grpcurl: build the API from reflected descriptors alone, then call it.
    const reflected = protoLoader.loadFileDescriptorSetFromBuffer(
      toFileDescriptorSet(files.file_descriptor_response.file_descriptor_proto), loaderOptions);
    const ReflectedEcho = grpc.loadPackageDefinition(reflected).semanticsearch.testing.v1.Echo;
    const { reply } = await unary(new ReflectedEcho(address, insecure), 'Unary', { text: 'via reflection' });
    expectEqual(reply.text, 'via reflection', 'call through reflected descriptors');
  }],
];

let failures = 0;
for (const [name, fn] of checks) {
  try {
    await fn();
    console.log(`ok: ${name}`);
  } catch (err) {
    failures++;
    console.error(`FAIL: ${name}: ${err.stack || err}`);
  }
}
for (const client of [echo, echoGzip, health, reflection]) client.close();
console.log(`summary: ${checks.length - failures} of ${checks.length} checks ok`);
process.exit(failures ? 1 : 0);
