// Paid requests while their dependencies fail, over real HTTP, against servers this test runs itself (a TCP
// proxy in front of the shared PostgreSQL that can freeze, a redis-server of its own): a frozen database
// gives 503 envelopes within the request deadline, never a hang or a 500; no debit stands without a
// delivered 200; service resumes by itself. A stopped Redis changes nothing visible: limits fall back to the
// replica. Nothing of the machine's shared servers is stopped or reconfigured.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { PostgresAccountStore } from '../../src/accounts/postgres.ts';
import { RedisRateLimiter } from '../../src/accounts/redis-limiter.ts';
import { API_ERRORS } from '../../src/api/errors.ts';
import { TEST_DATABASE_URL, unavailable } from '../support/services.ts';
import { TcpProxy, redisServerMissing, startRedis } from '../support/servers.ts';
import { LIST, get, listen, testSnapshot, type TestServer, type TestSnapshot } from './support.ts';

const skip = (await unavailable('postgres')) || redisServerMissing();
const schema = `kolscope_api_deps_${process.pid}_${Date.now()}`;
const DEADLINE_MS = 1500;

let snapshot: TestSnapshot;
let proxy: TcpProxy;
let store: PostgresAccountStore;
let redis: Awaited<ReturnType<typeof startRedis>>;
let limiter: RedisRateLimiter;
let server: TestServer;
let admin: pg.Client;

before(async () => {
  if (skip) return;
  snapshot = await testSnapshot(500, 6);
  const target = new URL(TEST_DATABASE_URL);
  proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
  await proxy.start();
  const proxied = new URL(TEST_DATABASE_URL);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  store = await PostgresAccountStore.open({
    connectionString: proxied.toString(),
    schema,
    connectTimeoutMs: 500,
    statementTimeoutMs: 500,
  });
  redis = await startRedis();
  limiter = await RedisRateLimiter.connect({ url: redis.url, keyPrefix: `${schema}:` });
  server = await listen({
    index: () => snapshot.index,
    accounts: store,
    limiter,
    http: { deadlineMs: DEADLINE_MS },
  });
  admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
});

after(async () => {
  if (skip) return;
  proxy?.resume();
  await server?.close();
  await store?.close();
  await limiter?.close();
  await redis?.cleanup();
  await proxy?.stop();
  await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin?.end();
  await snapshot?.remove();
});

/** Net ledger delta of each request id of a key (debits -1, refunds +1, markers 0), grants left out. */
async function netByRequest(keyId: string): Promise<Map<string, number>> {
  const { rows } = await admin.query<{ request_id: string; delta: string }>(
    `SELECT request_id, delta FROM ${schema}.ledger WHERE key_id = $1 AND reason <> 'grant'`,
    [keyId],
  );
  const net = new Map<string, number>();
  for (const r of rows) net.set(r.request_id, (net.get(r.request_id) ?? 0) + Number(r.delta));
  return net;
}

test(
  'PostgreSQL frozen mid-load: 503 within the deadline, no debit without a delivered 200, recovery',
  { skip },
  async () => {
    const { key, id } = await store.createKey({ name: 'deps', credits: 1000, qps: 100_000 });
    const url = `${server.url}${LIST}?region=US&page_size=2`;
    const delivered: string[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await get(url, key);
      assert.equal(res.status, 200);
      delivered.push(res.body.requestId);
    }

    proxy.freeze();
    const started = performance.now();
    const during = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const t = performance.now();
        const res = await get(url, key);
        return { res, ms: performance.now() - t };
      }),
    );
    const frozenFor = performance.now() - started;
    for (const { res, ms } of during) {
      assert.ok(res.status === 503 || res.status === 200, `${res.status}: ${res.text}`);
      if (res.status === 503) {
        assert.deepEqual(
          [res.body.code, res.body.message, res.body.data],
          [503, API_ERRORS.accounts_unavailable.message, null],
        );
        assert.equal(res.headers.get('x-request-id'), res.body.requestId);
      } else {
        delivered.push(res.body.requestId);
      }
      assert.ok(ms < DEADLINE_MS + 1000, `answered after ${Math.round(ms)} ms`);
    }
    assert.ok(during.filter((d) => d.res.status === 503).length >= 15, 'a frozen store is a 503');
    assert.ok(frozenFor < DEADLINE_MS + 1500);

    proxy.resume();
    // Service resumes by itself.
    let recovered = false;
    for (let i = 0; i < 100 && !recovered; i++) {
      const res = await get(url, key);
      if (res.status === 200) {
        recovered = true;
        delivered.push(res.body.requestId);
      } else await sleep(100);
    }
    assert.ok(recovered, 'a 200 again after the database answers');

    // Debits that committed after their request's 503 are voided by its refund (retried while the database
    // was away): every request nets -1 when its 200 was delivered, 0 otherwise.
    const want = new Set(delivered);
    let net = new Map<string, number>();
    for (let i = 0; i < 100; i++) {
      net = await netByRequest(id);
      const settled = [...net].every(([rid, d]) => d === (want.has(rid) ? -1 : 0));
      if (settled && [...want].every((rid) => net.get(rid) === -1)) break;
      await sleep(100);
    }
    for (const [rid, d] of net) assert.equal(d, want.has(rid) ? -1 : 0, `request ${rid}`);
    for (const rid of want) assert.equal(net.get(rid), -1, `delivered ${rid} is charged once`);
    const balance = (await store.listKeys()).find((k) => k.id === id)!.credits;
    assert.equal(balance, 1000 - want.size);
  },
);

test(
  'Redis frozen, then gone, mid-load: limits fall back to the replica, no 500, no slow answer',
  { skip },
  async () => {
    const { key } = await store.createKey({ name: 'redis-down', credits: 1000, qps: 5 });
    const url = `${server.url}${LIST}?region=US&page_size=1`;
    const burst = async () => {
      const results = await Promise.all(
        Array.from({ length: 15 }, async () => {
          const t = performance.now();
          const res = await get(url, key);
          return { status: res.status, ms: performance.now() - t };
        }),
      );
      for (const r of results) assert.ok(r.status === 200 || r.status === 429, String(r.status));
      for (const r of results) assert.ok(r.ms < 1500, `${Math.round(r.ms)} ms`);
      return results.filter((r) => r.status === 200).length;
    };
    assert.ok((await burst()) <= 6, 'limited by Redis');
    await sleep(1100);
    redis.pause();
    assert.ok((await burst()) <= 6, 'limited per replica while Redis is frozen');
    await sleep(1100);
    await redis.stop();
    assert.ok((await burst()) <= 6, 'and while it is gone');
  },
);
