// Keys, QPS limits and credits on the paid endpoint, run against each accounts backend by its own test file
// (SQLite + in-process limiter; PostgreSQL + Redis). Real servers, real HTTP.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { generateApiKey } from '../../src/accounts/index.ts';
import { API_ERRORS } from '../../src/api/errors.ts';
import {
  LIST,
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

export function accountSuite(backend: AccountsBackend): void {
  describe(`keys, QPS and credits (${backend.name})`, async () => {
    const skip = await backend.skip();
    let snapshot: TestSnapshot;
    let accounts: TestAccounts;
    let server: TestServer;
    const logs: string[] = [];
    const url = (qs = 'region=US') => `${server.url}${LIST}?${qs}`;

    before(async () => {
      if (skip) return;
      snapshot = await testSnapshot(1000, 5);
      accounts = await backend.open();
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
      });
    });

    after(async () => {
      await server?.close();
      await accounts?.cleanup();
      await snapshot?.remove();
    });

    const newKey = (credits: number, qps: number) =>
      accounts.store.createKey({ name: 'suite', credits, qps });
    const balance = async (id: string) => (await accounts.store.listKeys()).find((k) => k.id === id)!.credits;

    test('401: no key, not Bearer, malformed, unknown, revoked — and never charged', { skip }, async () => {
      const cases: [Record<string, string>, string][] = [
        [{}, 'apiKey is null'],
        [{ authorization: '' }, 'apiKey is null'],
        [{ authorization: 'Bearer ' }, 'apiKey is null'],
        [{ authorization: 'Basic dXNlcjpwYXNz' }, API_ERRORS.malformed_api_key.message],
        [{ authorization: 'Bearer not-a-key' }, API_ERRORS.malformed_api_key.message],
        [{ authorization: `Bearer ${typo(generateApiKey())}` }, API_ERRORS.malformed_api_key.message],
        [{ authorization: `Bearer ${generateApiKey()}` }, API_ERRORS.unknown_api_key.message],
      ];
      for (const [headers, message] of cases) {
        const res = await fetch(url(), { headers });
        const body = (await res.json()) as { code: number; message: string; data: null };
        assert.equal(res.status, 401, JSON.stringify(headers));
        assert.deepEqual([body.code, body.message, body.data], [401, message, null], JSON.stringify(headers));
        assert.equal(res.headers.get('x-credits-remaining'), null);
      }
      const revoked = await newKey(10, 10);
      await accounts.store.revoke(revoked.id);
      const res = await get(url(), revoked.key);
      assert.equal(res.status, 401);
      assert.equal(res.body.message, API_ERRORS.revoked_api_key.message);
      assert.equal(await balance(revoked.id), 10);
      // The scheme is case-insensitive; the key is not.
      const live = await newKey(5, 10);
      assert.equal((await fetch(url(), { headers: { authorization: `bearer ${live.key}` } })).status, 200);
      const flipped =
        live.key.slice(0, 8) +
        live.key
          .slice(8)
          .replace(/[a-zA-Z]/, (c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()));
      assert.equal((await get(url(), flipped)).status, 401);
    });

    test('order of checks: 401 before 429 before 400 before 402', { skip }, async () => {
      // A bad key with bad parameters: 401.
      assert.equal((await get(url('page_size=99'), 'junk')).status, 401);
      // A broke key with bad parameters: 400 (parameters are checked before credits).
      const broke = await newKey(0, 100);
      const bad = await get(url('region=US&page_size=99'), broke.key);
      assert.equal(bad.status, 400);
      const poor = await get(url(), broke.key);
      assert.equal(poor.status, 402);
      assert.deepEqual(
        [poor.body.code, poor.body.message, poor.body.data],
        [402, 'apiKey quota is not enough', null],
      );
      assert.equal(poor.headers.get('x-credits-remaining'), '0');
      // Over the QPS limit with bad parameters: 429.
      const slow = await newKey(100, 1);
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await get(url('region=US&page_size=99'), slow.key)).status);
      assert.deepEqual(statuses.slice(1), [429, 429]);
      assert.equal(statuses[0], 400);
      assert.equal(await balance(slow.id), 100);
    });

    test('429 above the key QPS: counted, headed, not charged', { skip }, async () => {
      const k = await newKey(1000, 5);
      const results = await Promise.all(Array.from({ length: 30 }, () => get(url(), k.key)));
      const ok = results.filter((r) => r.status === 200);
      const limited = results.filter((r) => r.status === 429);
      assert.equal(ok.length + limited.length, 30);
      // A burst straddling a window boundary may get up to two windows' worth through.
      assert.ok(ok.length >= 5 && ok.length <= 10, `${ok.length} allowed`);
      assert.ok(limited.length >= 20);
      for (const r of limited) {
        assert.deepEqual([r.body.code, r.body.message, r.body.data], [429, 'qps limit exceeded', null]);
        assert.equal(r.headers.get('x-ratelimit-limit'), '5');
        assert.equal(r.headers.get('x-ratelimit-remaining'), '0');
        assert.ok(Number(r.headers.get('retry-after')) >= 1);
      }
      assert.equal(await balance(k.id), 1000 - ok.length);
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      const counted = /kolscope_http_requests_total\{route="[^"]+",status="429"\} (\d+)/.exec(metrics);
      assert.ok(counted && Number(counted[1]) >= limited.length);
    });

    test('exact credits under concurrency: 60 requests against 40 credits', { skip }, async () => {
      const k = await newKey(40, 1_000_000);
      const results = await Promise.all(
        Array.from({ length: 60 }, () => get(url('region=US&page_size=2'), k.key)),
      );
      const ok = results.filter((r) => r.status === 200);
      const broke = results.filter((r) => r.status === 402);
      assert.equal(ok.length, 40);
      assert.equal(broke.length, 20);
      assert.equal(await balance(k.id), 0);
      const ledger = await accounts.ledger(k.id);
      const debits = ledger.filter((r) => r.reason === 'debit');
      assert.equal(
        debits.reduce((s, r) => s + r.delta, 0),
        -40,
      );
      // Every 200 the client received has its debit, under its request id.
      assert.deepEqual(new Set(debits.map((r) => r.requestId)), new Set(ok.map((r) => r.body.requestId)));
      const remaining = ok.map((r) => Number(r.headers.get('x-credits-remaining'))).sort((a, b) => a - b);
      assert.deepEqual(
        remaining,
        Array.from({ length: 40 }, (_, i) => i),
      );
    });

    test('every request of a key is recorded as usage', { skip }, async () => {
      const k = await newKey(3, 1000);
      for (let i = 0; i < 3; i++) assert.equal((await get(url(), k.key)).status, 200);
      assert.equal((await get(url('region=US&page_num=0'), k.key)).status, 400);
      assert.equal((await get(url(), k.key)).status, 402);
      // Usage is buffered; closing the store is what flushes it for sure, so poll briefly instead.
      let summary;
      for (let i = 0; i < 50; i++) {
        summary = (await accounts.store.usage(k.id))[0];
        if (summary && summary.requests === 5) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(summary);
      assert.deepEqual(
        {
          requests: summary.requests,
          ok: summary.ok,
          errors: summary.errors,
          creditsSpent: summary.creditsSpent,
        },
        { requests: 5, ok: 3, errors: 2, creditsSpent: 3 },
      );
    });

    test('no key material in the logs', { skip }, async () => {
      const k = await newKey(5, 100);
      await get(url(), k.key);
      await get(url(`region=US&token=${k.key}`), k.key);
      await get(url(), typo(k.key));
      const text = logs.join('');
      assert.ok(text.includes(k.id), 'requests are logged with the key id');
      assert.ok(!text.includes(k.key), 'the key never appears');
      assert.ok(!text.includes(k.key.slice(8)), 'nor its secret part');
      assert.ok(!text.toLowerCase().includes('authorization'), 'headers are not logged');
    });
  });
}
