// The HTTP layer under hostile clients, over real sockets: slow headers and stalled bodies are closed by
// their timeouts while normal requests keep being answered; every answer the HTTP layer makes itself is the
// envelope with a request id; malformed percent-encoding is a 400 naming the parameter, never charged;
// API keys are redacted from logged URLs however they are encoded.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { redactKeys } from '../../src/api/app.ts';
import { API_ERRORS } from '../../src/api/errors.ts';
import {
  LIST,
  SQLITE_BACKEND,
  UUID,
  get,
  listen,
  testSnapshot,
  type TestAccounts,
  type TestServer,
  type TestSnapshot,
} from './support.ts';

let snapshot: TestSnapshot;
let accounts: TestAccounts;
let server: TestServer;
let port: number;
const logs: string[] = [];

before(async () => {
  snapshot = await testSnapshot(500, 4);
  accounts = await SQLITE_BACKEND.open();
  server = await listen({
    index: () => snapshot.index,
    accounts: accounts.store,
    limiter: accounts.limiter,
    logger: {
      level: 'info',
      stream: new Writable({
        write(chunk: Buffer, _enc, done) {
          logs.push(chunk.toString('utf8'));
          done();
        },
      }),
    },
    http: { headersTimeoutMs: 1000, requestTimeoutMs: 1500, keepAliveTimeoutMs: 1000 },
  });
  port = Number(new URL(server.url).port);
});

after(async () => {
  await server?.close();
  await accounts?.cleanup();
  await snapshot?.remove();
});

interface RawAnswer {
  /** Status of every response on the connection, in order. */
  statuses: number[];
  /** The last response: */
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Milliseconds from connecting to the server closing the connection. */
  closedAfterMs: number;
}

/** Sends raw bytes (in parts, if given several) and reads until the server closes the connection (≤ 10 s). */
function raw(...parts: (string | Buffer)[]): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket: Socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const guard = setTimeout(() => {
      socket.destroy();
      reject(new Error('the server did not close the connection within 10 s'));
    }, 10_000);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(guard);
      const text = Buffer.concat(chunks).toString('utf8');
      const statuses = [...text.matchAll(/(?:^|\})HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
      const last = text.lastIndexOf('HTTP/1.1 ');
      const [head = '', body = ''] = text.slice(Math.max(0, last)).split('\r\n\r\n', 2);
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(
        lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      );
      resolve({
        statuses,
        status: Number(statusLine.split(' ')[1] ?? 0),
        headers,
        body,
        closedAfterMs: performance.now() - started,
      });
    });
    socket.on('connect', () => {
      for (const part of parts) socket.write(part);
    });
  });
}

function assertEnvelope(answer: RawAnswer, status: number, message: string): void {
  assert.equal(answer.status, status, answer.body);
  const body = JSON.parse(answer.body) as { code: number; message: string; data: null; requestId: string };
  assert.deepEqual([body.code, body.message, body.data], [status, message, null]);
  assert.match(body.requestId, UUID);
  assert.equal(answer.headers['x-request-id'], body.requestId);
}

test('a stalled body and slow headers are closed by their timeouts (408 envelope) while others are served', async () => {
  const { key } = await accounts.store.createKey({ name: 'http', credits: 1000, qps: 1000 });
  const stalledBody = raw('POST /v1/x HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n');
  const slowHeaders = raw('GET /healthz HTTP/1.1\r\nHost: a\r\nX-Slow: ');
  // Meanwhile, normal requests are answered promptly.
  for (let i = 0; i < 5; i++)
    assert.equal((await get(`${server.url}${LIST}?region=US&page_size=1`, key)).status, 200);
  const [body, headers] = await Promise.all([stalledBody, slowHeaders]);
  // No route takes a body: the POST gets its 404 at once, then the connection waiting on the body that
  // never comes is answered 408 and closed.
  assert.deepEqual(body.statuses, [404, 408]);
  assertEnvelope(body, 408, API_ERRORS.request_timeout.message);
  assertEnvelope(headers, 408, API_ERRORS.request_timeout.message);
  // Closed by the server around its timeouts (Node checks them every second), not held open.
  assert.ok(body.closedAfterMs < 5000, `${body.closedAfterMs} ms`);
  assert.ok(headers.closedAfterMs < 5000, `${headers.closedAfterMs} ms`);
});

test('every answer of the HTTP layer is the envelope with a request id', async () => {
  assertEnvelope(await raw('GET /v1/\0x HTTP/1.1\r\nHost: a\r\n\r\n'), 400, API_ERRORS.bad_request.message);
  assertEnvelope(await raw('NOT HTTP AT ALL\r\n\r\n'), 400, API_ERRORS.bad_request.message);
  assertEnvelope(
    await raw(`GET /healthz HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
    431,
    API_ERRORS.headers_too_large.message,
  );
  assertEnvelope(
    await raw(`GET ${LIST}?region=US&x=${'a'.repeat(100_000)} HTTP/1.1\r\nHost: a\r\n\r\n`),
    431,
    API_ERRORS.headers_too_large.message,
  );
  const long = await fetch(`${server.url}${LIST}?region=US&x=${'a'.repeat(9000)}`);
  assert.equal(long.status, 414);
  const longBody = (await long.json()) as { message: string; requestId: string };
  assert.equal(longBody.message, API_ERRORS.uri_too_long.message);
  assert.equal(long.headers.get('x-request-id'), longBody.requestId);
  const big = await fetch(`${server.url}/healthz`, { method: 'POST', body: 'x'.repeat(4096) });
  assert.equal(big.status, 413);
  const bigBody = (await big.json()) as { message: string; requestId: string };
  assert.equal(bigBody.message, API_ERRORS.payload_too_large.message);
  assert.equal(big.headers.get('x-request-id'), bigBody.requestId);
});

test('malformed percent-encoding or invalid UTF-8 is a 400 naming the parameter, never charged', async () => {
  const { key, id } = await accounts.store.createKey({ name: 'encoding', credits: 10, qps: 1000 });
  const cases: [string, string][] = [
    ['influencer_language=%ZZ', 'influencer_language'],
    ['influencer_language=%C0%AF', 'influencer_language'], // overlong "/"
    ['influencer_category_name=%ED%A0%80', 'influencer_category_name'], // a lone surrogate
    ['influencer_language=%E2%82', 'influencer_language'], // truncated sequence
    ['influencer_language=%', 'influencer_language'],
    ['influencer%ZZlanguage=en', 'influencer%ZZlanguage'],
  ];
  for (const [qs, parameter] of cases) {
    const res = await get(`${server.url}${LIST}?region=US&${qs}`, key);
    assert.equal(res.status, 400, qs);
    assert.ok(res.body.message.includes(parameter), `${qs}: ${res.body.message}`);
    assert.match(res.body.message, /percent-encoding|UTF-8/, qs);
  }
  // Well-formed encodings of the same characters are fine.
  assert.equal((await get(`${server.url}${LIST}?region=US&influencer_language=%65%6E`, key)).status, 200);
  assert.equal((await accounts.store.listKeys()).find((k) => k.id === id)!.credits, 9);
});

test('API keys in URLs are redacted from the logs however they are percent-encoded', async () => {
  const { key } = await accounts.store.createKey({ name: 'redact', credits: 10, qps: 1000 });
  const secret = key.slice(8);
  const encoded = [...key].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
  await get(`${server.url}${LIST}?region=US&token=${key.replace(/_/g, '%5F')}`, key);
  await get(`${server.url}${LIST}?region=US&token=${encoded}`, key);
  await get(`${server.url}${LIST}?region=US&token=${key.replace(/_/g, '%5f')}%ZZ`, key);
  await get(`${server.url}/nowhere/${encodeURIComponent(key)}`);
  const text = logs.join('');
  assert.ok(text.includes('sk_live_[redacted]'));
  assert.ok(!text.includes(secret), 'the secret part appears nowhere');
  assert.ok(!text.includes(encoded.slice(30)), 'nor encoded');
  assert.equal(redactKeys(`/x?k=SK%5FLIVE%5F${secret}`), '/x?k=sk_live_[redacted]');
});

test('requests without a valid key are limited per client address: 401s, then 429s', async () => {
  const guarded = await listen({
    index: () => snapshot.index,
    accounts: accounts.store,
    limiter: accounts.limiter,
    anonymousQps: 3,
  });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++)
      statuses.push((await get(`${guarded.url}${LIST}?region=US`, 'sk_live_nope')).status);
    assert.deepEqual(statuses.slice(0, 3), [401, 401, 401]);
    assert.ok(
      statuses.slice(3).every((s) => s === 429),
      statuses.join(' '),
    );
    const limited = await get(`${guarded.url}${LIST}?region=US`);
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    // A valid key is not held back by its address's failures.
    const { key } = await accounts.store.createKey({ name: 'anon', credits: 5, qps: 100 });
    assert.equal((await get(`${guarded.url}${LIST}?region=US`, key)).status, 200);
  } finally {
    await guarded.close();
  }
});
