// The shared route suite: what every registered paid endpoint inherits by being in PAID_ENDPOINTS — keys
// (401 for each failure), QPS (429 with Retry-After), credits (402, exactly one debit per 200 under
// concurrency, nothing for a 4xx, a refund when the answer fails after the debit), the envelope and
// X-Request-Id on every status, usage records, no key material in logs, and no 5xx for random parameters.
// Run against each accounts backend by its own test file (SQLite + in-process limiter; PostgreSQL + Redis).
// Real servers, real HTTP.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { generateApiKey } from '../../src/accounts/index.ts';
import type { PaidEndpoint } from '../../src/api/endpoint.ts';
import { PAID_ENDPOINTS } from '../../src/api/endpoints/registry.ts';
import { API_ERRORS } from '../../src/api/errors.ts';
import type { Parameter } from '../../src/api/parameters.ts';
import type { ServingIndex } from '../../src/index/types.ts';
import {
  UUID,
  get,
  listen,
  testSnapshot,
  type AccountsBackend,
  type TestAccounts,
  type TestServer,
  type TestSnapshot,
} from './support.ts';

/** The key with its last (checksum) character changed: well shaped, wrong checksum. */
const typo = (key: string) => key.slice(0, -1) + (key.endsWith('x') ? 'y' : 'x');

/** A parameter no endpoint declares: a 400 on every endpoint. */
const UNKNOWN = 'kolscope_unknown_parameter=1';

/** The snapshot, except that every method throws: an answer that fails after its debit. */
function failingIndex(index: ServingIndex): ServingIndex {
  return new Proxy(index, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || property === 'close') return value;
      return () => {
        throw new Error('injected failure after the debit');
      };
    },
  });
}

/** Values a client might send for a parameter: valid ones from its schema, and junk. */
function valueOf(p: Parameter): fc.Arbitrary<string> {
  const s = p.schema;
  const valid: fc.Arbitrary<string>[] = [];
  if (s.enum) valid.push(fc.constantFrom(...s.enum.map(String)));
  if (s.type === 'integer')
    valid.push(fc.integer({ min: s.minimum ?? 0, max: Math.min(s.maximum ?? 1e9, 1e12) }).map(String));
  if (s.type === 'number') valid.push(fc.double({ min: 0, max: 1e6, noNaN: true }).map((n) => n.toFixed(4)));
  if (s.example !== undefined) valid.push(fc.constant(String(s.example)));
  const junk = fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.string({ unit: 'binary', maxLength: 8 }),
    fc.constantFrom(
      '',
      '-1',
      '1e3',
      '0x10',
      '9'.repeat(25),
      ' 1',
      '%',
      'NaN',
      'Infinity',
      '1,2,,3',
      'x'.repeat(200),
    ),
  );
  return valid.length > 0 ? fc.oneof(fc.oneof(...valid), junk) : junk;
}

/** Random query strings over an endpoint's declared parameters (and a few it does not declare). */
function queryStrings(endpoint: PaidEndpoint): fc.Arbitrary<string> {
  const undeclared = fc.tuple(
    fc.constantFrom('page', 'Region', 'limit', '', 'REGION', 'user_id'),
    fc.string({ maxLength: 5 }),
  );
  const declared =
    endpoint.parameters.length > 0
      ? fc.constantFrom(...endpoint.parameters).chain((p) => valueOf(p).map((v) => [p.name, v] as const))
      : undeclared;
  const pair = fc.oneof({ weight: 9, arbitrary: declared }, { weight: 1, arbitrary: undeclared });
  return fc.array(pair, { maxLength: 6 }).map((pairs) => {
    const params = new URLSearchParams(endpoint.exampleQuery);
    for (const [name, value] of pairs) params.set(name, value);
    return params.toString();
  });
}

export function routeSuite(backend: AccountsBackend): void {
  describe(`paid endpoints: keys, QPS, credits, envelope (${backend.name})`, async () => {
    const skip = await backend.skip();
    let snapshot: TestSnapshot;
    let accounts: TestAccounts;
    let server: TestServer;
    let failing: TestServer;
    const logs: string[] = [];

    before(async () => {
      if (skip) return;
      snapshot = await testSnapshot(1000, 5);
      accounts = await backend.open();
      const logger = {
        level: 'info',
        stream: new Writable({
          write(chunk: Buffer, _enc, done) {
            logs.push(chunk.toString('utf8'));
            done();
          },
        }),
      };
      server = await listen({
        index: () => snapshot.index,
        accounts: accounts.store,
        limiter: accounts.limiter,
        logger,
        // Every endpoint's 401 cases come from one address within a second; the per-address limit of
        // keyless requests has its own test (http-layer.test.ts).
        anonymousQps: 1_000_000,
      });
      const broken = failingIndex(snapshot.index);
      failing = await listen({ index: () => broken, accounts: accounts.store, limiter: accounts.limiter });
    });

    after(async () => {
      await server?.close();
      await failing?.close();
      await accounts?.cleanup();
      await snapshot?.remove();
    });

    const newKey = (credits: number, qps: number) =>
      accounts.store.createKey({ name: 'suite', credits, qps });
    const balance = async (id: string) => (await accounts.store.listKeys()).find((k) => k.id === id)!.credits;
    /** Ledger rows other than the grant: debits and refunds. */
    const charges = async (id: string) => (await accounts.ledger(id)).filter((r) => r.reason !== 'grant');

    for (const endpoint of PAID_ENDPOINTS) {
      const url = (qs = endpoint.exampleQuery, base = server.url) => `${base}${endpoint.path}?${qs}`;
      const paid = endpoint.credits > 0;

      describe(`GET ${endpoint.path} (${endpoint.credits} credit${endpoint.credits === 1 ? '' : 's'} per 200)`, () => {
        test(
          'the example query is a 200 envelope with a request id and the limit headers',
          { skip },
          async () => {
            const k = await newKey(10, 100);
            const res = await get(url(), k.key);
            assert.equal(res.status, 200, res.text);
            assert.deepEqual([res.body.code, res.body.message], [0, 'success']);
            assert.match(res.body.requestId, UUID);
            assert.equal(res.headers.get('x-request-id'), res.body.requestId);
            assert.equal(res.headers.get('x-ratelimit-limit'), '100');
            assert.equal(res.headers.get('x-credits-remaining'), paid ? String(10 - endpoint.credits) : null);
            assert.equal(await balance(k.id), 10 - endpoint.credits);
          },
        );

        test('401 for each key failure, in the envelope, never charged', { skip }, async () => {
          const cases: [Record<string, string>, string][] = [
            [{}, API_ERRORS.missing_api_key.message],
            [{ authorization: '' }, API_ERRORS.missing_api_key.message],
            [{ authorization: 'Bearer ' }, API_ERRORS.missing_api_key.message],
            [{ authorization: 'Basic dXNlcjpwYXNz' }, API_ERRORS.malformed_api_key.message],
            [{ authorization: 'Bearer not-a-key' }, API_ERRORS.malformed_api_key.message],
            [{ authorization: `Bearer ${typo(generateApiKey())}` }, API_ERRORS.malformed_api_key.message],
            [{ authorization: `Bearer ${generateApiKey()}` }, API_ERRORS.unknown_api_key.message],
          ];
          for (const [headers, message] of cases) {
            const res = await fetch(url(), { headers });
            const body = (await res.json()) as {
              code: number;
              message: string;
              data: null;
              requestId: string;
            };
            const what = JSON.stringify(headers);
            assert.equal(res.status, 401, what);
            assert.deepEqual([body.code, body.message, body.data], [401, message, null], what);
            assert.equal(res.headers.get('x-request-id'), body.requestId, what);
            assert.equal(res.headers.get('x-credits-remaining'), null, what);
          }
          const revoked = await newKey(10, 10);
          await accounts.store.revoke(revoked.id);
          const res = await get(url(), revoked.key);
          assert.equal(res.status, 401);
          assert.equal(res.body.message, API_ERRORS.revoked_api_key.message);
          assert.equal(await balance(revoked.id), 10);
          assert.deepEqual(await charges(revoked.id), []);
          // The scheme is case-insensitive; the key is not.
          const live = await newKey(5, 10);
          assert.equal(
            (await fetch(url(), { headers: { authorization: `bearer ${live.key}` } })).status,
            200,
          );
          const flipped =
            live.key.slice(0, 8) +
            live.key
              .slice(8)
              .replace(/[a-zA-Z]/, (c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()));
          assert.equal((await get(url(), flipped)).status, 401);
        });

        test('order of checks: 401 before 429 before 400 before 402', { skip }, async () => {
          assert.equal((await get(url(UNKNOWN), 'junk')).status, 401);
          const broke = await newKey(0, 100);
          const bad = await get(url(`${endpoint.exampleQuery}&${UNKNOWN}`), broke.key);
          assert.equal(bad.status, 400, 'parameters are checked before credits');
          assert.equal(bad.headers.get('x-credits-remaining'), null, 'a 400 shows no (cached) balance');
          const poor = await get(url(), broke.key);
          if (paid) {
            assert.equal(poor.status, 402);
            assert.deepEqual(
              [poor.body.code, poor.body.message, poor.body.data],
              [402, API_ERRORS.insufficient_credits.message, null],
            );
            assert.equal(poor.headers.get('x-credits-remaining'), '0');
          } else {
            assert.equal(poor.status, 200, 'a free endpoint answers a key without credits');
          }
          const slow = await newKey(100, 1);
          const statuses: number[] = [];
          for (let i = 0; i < 3; i++) statuses.push((await get(url(UNKNOWN), slow.key)).status);
          assert.deepEqual(statuses, [400, 429, 429]);
          assert.equal(await balance(slow.id), 100);
        });

        test('429 above the key QPS: Retry-After, envelope, not charged', { skip }, async () => {
          const k = await newKey(1000, 5);
          const results = await Promise.all(Array.from({ length: 30 }, () => get(url(), k.key)));
          const ok = results.filter((r) => r.status === 200);
          const limited = results.filter((r) => r.status === 429);
          assert.equal(ok.length + limited.length, 30);
          assert.ok(ok.length >= 5 && ok.length <= 10, `${ok.length} allowed`);
          for (const r of limited) {
            assert.deepEqual(
              [r.body.code, r.body.message, r.body.data],
              [429, API_ERRORS.qps_limit_exceeded.message, null],
            );
            assert.equal(r.headers.get('x-request-id'), r.body.requestId);
            assert.equal(r.headers.get('x-ratelimit-limit'), '5');
            assert.ok(Number(r.headers.get('retry-after')) >= 1);
            assert.equal(r.headers.get('x-credits-remaining'), null, 'a 429 shows no (cached) balance');
          }
          assert.equal(await balance(k.id), 1000 - ok.length * endpoint.credits);
          const metrics = await (await fetch(`${server.url}/metrics`)).text();
          const counted = new RegExp(
            `kolscope_http_requests_total\\{route="${endpoint.path}",status="429"\\} (\\d+)`,
          ).exec(metrics);
          assert.ok(counted && Number(counted[1]) >= limited.length, 'counted in the metrics');
        });

        test(
          'exactly one debit per 200 under concurrency: 60 requests against 40 credits',
          { skip },
          async () => {
            const k = await newKey(40, 1_000_000);
            const results = await Promise.all(Array.from({ length: 60 }, () => get(url(), k.key)));
            const ok = results.filter((r) => r.status === 200);
            if (!paid) {
              assert.equal(ok.length, 60);
              assert.equal(await balance(k.id), 40);
              assert.deepEqual(await charges(k.id), []);
              return;
            }
            assert.equal(ok.length, 40);
            assert.equal(results.filter((r) => r.status === 402).length, 20);
            assert.equal(await balance(k.id), 0);
            const debits = (await charges(k.id)).filter((r) => r.reason === 'debit');
            assert.equal(
              debits.reduce((s, r) => s + r.delta, 0),
              -40,
            );
            // Every 200 the client received has its debit, under its request id.
            assert.deepEqual(
              new Set(debits.map((r) => r.requestId)),
              new Set(ok.map((r) => r.body.requestId)),
            );
            const remaining = ok
              .map((r) => Number(r.headers.get('x-credits-remaining')))
              .sort((a, b) => a - b);
            assert.deepEqual(
              remaining,
              Array.from({ length: 40 }, (_, i) => i),
            );
          },
        );

        test('a 4xx is never charged', { skip }, async () => {
          const k = await newKey(5, 1_000_000);
          const statuses: (number | Promise<number>)[] = [
            (await get(url(UNKNOWN), k.key)).status,
            (await get(url(`${endpoint.exampleQuery}&${UNKNOWN}`), k.key)).status,
            ...endpoint.parameters
              .slice(0, 1)
              .map(async (p) => (await get(url(`${endpoint.exampleQuery}&${p.name}=%ZZ`), k.key)).status),
          ];
          assert.deepEqual(
            await Promise.all(statuses),
            statuses.map(() => 400),
          );
          assert.equal(await balance(k.id), 5);
          assert.deepEqual(await charges(k.id), []);
        });

        test(
          'an answer that fails after the debit is a 500 without internals, and refunded',
          { skip },
          async () => {
            const k = await newKey(5, 1_000_000);
            const res = await get(url(endpoint.exampleQuery, failing.url), k.key);
            assert.equal(res.status, 500);
            assert.deepEqual(
              [res.body.code, res.body.message, res.body.data],
              [500, API_ERRORS.internal_error.message, null],
            );
            assert.equal(res.headers.get('x-request-id'), res.body.requestId);
            assert.ok(!res.text.includes('injected'), 'the cause is not sent');
            assert.equal(await balance(k.id), 5);
            const rows = await charges(k.id);
            assert.equal(
              rows.reduce((s, r) => s + r.delta, 0),
              0,
              'every debit has its refund',
            );
            for (const r of rows) assert.equal(r.requestId, res.body.requestId);
          },
        );

        test(
          'random parameters: only 200, 400 or a documented 404, each in the envelope, credits exact',
          { skip },
          async () => {
            const k = await newKey(1_000_000, 1_000_000);
            let oks = 0;
            await fc.assert(
              fc.asyncProperty(queryStrings(endpoint), async (qs) => {
                const res = await get(url(qs), k.key);
                // A 404 only as the catalogue's "not found" of a looked-up id (the trend endpoint).
                const notFound =
                  res.status === 404 && res.body.message === API_ERRORS.influencer_not_found.message;
                assert.ok(
                  res.status === 200 || res.status === 400 || notFound,
                  `${res.status} for ?${qs}: ${res.text.slice(0, 200)}`,
                );
                assert.equal(res.body.code, res.status === 200 ? 0 : res.status);
                assert.match(res.body.requestId, UUID);
                assert.equal(res.headers.get('x-request-id'), res.body.requestId);
                if (res.status === 200) oks++;
              }),
              { numRuns: 150, seed: 20261130 },
            );
            assert.equal(await balance(k.id), 1_000_000 - oks * endpoint.credits);
          },
        );

        test(
          'every request of a key is recorded as usage; no key material in the logs',
          { skip },
          async () => {
            const k = await newKey(paid ? 2 : 0, 1000);
            const expected = [200, 200, 400, paid ? 402 : 200];
            const got = [
              (await get(url(), k.key)).status,
              (await get(url(), k.key)).status,
              (await get(url(`${endpoint.exampleQuery}&token=${k.key}`), k.key)).status,
              (await get(url(), k.key)).status,
            ];
            assert.deepEqual(got, expected);
            let summary;
            for (let i = 0; i < 50; i++) {
              summary = (await accounts.store.usage(k.id))[0];
              if (summary && summary.requests === 4) break;
              await new Promise((r) => setTimeout(r, 100));
            }
            assert.ok(summary);
            assert.deepEqual(
              [summary.requests, summary.ok, summary.errors, summary.creditsSpent],
              [
                4,
                expected.filter((s) => s === 200).length,
                expected.filter((s) => s !== 200).length,
                paid ? 2 : 0,
              ],
            );
            const text = logs.join('');
            assert.ok(text.includes(k.id), 'requests are logged with the key id');
            assert.ok(!text.includes(k.key), 'the key never appears');
            assert.ok(!text.includes(k.key.slice(8)), 'nor its secret part');
            assert.ok(!text.toLowerCase().includes('authorization'), 'headers are not logged');
          },
        );
      });
    }
  });
}
