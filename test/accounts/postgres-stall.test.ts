// A PostgreSQL that stalls (a TCP proxy that this test runs in front of the shared server stops forwarding
// bytes) makes store calls fail within their timeouts with AccountStoreUnavailable, never hang; the store
// recovers by itself when bytes flow again. An unreachable or stalled database at start is a one-line
// DependencyUnavailableError.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import {
  AccountStoreUnavailable,
  DependencyUnavailableError,
  openAccounts,
} from '../../src/accounts/index.ts';
import { PostgresAccountStore } from '../../src/accounts/postgres.ts';
import { TEST_DATABASE_URL, unavailable } from '../support/services.ts';
import { TcpProxy } from '../support/servers.ts';

const skip = await unavailable('postgres');
const schema = `kolscope_test_stall_${process.pid}_${Date.now()}`;
const target = new URL(TEST_DATABASE_URL);
const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
let proxiedUrl = '';
let store: PostgresAccountStore;

before(async () => {
  if (skip) return;
  await proxy.start();
  const u = new URL(TEST_DATABASE_URL);
  u.hostname = '127.0.0.1';
  u.port = String(proxy.port);
  proxiedUrl = u.toString();
  store = await PostgresAccountStore.open({
    connectionString: proxiedUrl,
    schema,
    poolSize: 4,
    connectTimeoutMs: 500,
    statementTimeoutMs: 500,
    authCacheMs: 0,
  });
});

after(async () => {
  if (skip) return;
  proxy.resume();
  await store?.close();
  await proxy.stop();
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
});

async function timed<T>(work: Promise<T>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  const error = await work.then(
    () => null,
    (e: unknown) => e,
  );
  return { error, ms: performance.now() - started };
}

test(
  'frozen database: calls fail fast with AccountStoreUnavailable, refunds are kept, service resumes',
  { skip },
  async (t) => {
    const created = await store.createKey({ name: 'stall', credits: 10, qps: 10 });
    assert.equal((await store.debit(created.id, 'before-1')).ok, true);
    const abandoned = ['during-1', 'during-2', ...Array.from({ length: 6 }, (_, i) => `during-q${i}`)];
    proxy.freeze();
    let results;
    try {
      results = await Promise.all([
        ...abandoned.map((rid) => timed(store.debit(created.id, rid))),
        timed(store.authenticate(created.key)),
        timed(store.listKeys()),
        timed(store.topUp(created.id, 5)),
        timed(store.createKey({ name: 'during', credits: 1, qps: 1 })),
        timed(store.usage(created.id)),
      ]);
      // What the API does with a debit that failed: give it back. The database cannot take it now, so the
      // store keeps it for later (the debit's bytes are held too, and may commit when the server wakes up).
      await Promise.all(abandoned.map((rid) => store.refund(created.id, rid)));
      assert.equal(store.pendingRefunds, abandoned.length);
    } finally {
      proxy.resume();
    }
    t.diagnostic(
      `slowest failure on a frozen database: ${Math.max(...results.map((r) => r.ms)).toFixed(0)} ms`,
    );
    // Eight debits on a pool of four: half of them also waited for a connection, and timed out as well.
    for (const r of results) {
      assert.ok(r.error instanceof AccountStoreUnavailable, String(r.error));
      assert.equal(r.error.code, 'accounts_store_unavailable');
      assert.match(r.error.message, /^accounts store unavailable: /);
      // 500 ms timeouts; the bound is loose on purpose (a busy machine), a hang would be minutes.
      assert.ok(r.ms < 5000, `${r.ms.toFixed(0)} ms`);
    }
    // Back: the pool reconnects and the kept refunds are applied, by themselves (bounded wait).
    for (let i = 0; i < 100 && store.pendingRefunds > 0; i++) await sleep(100);
    assert.equal(store.pendingRefunds, 0, 'the kept refunds were applied');
    assert.equal((await store.debit(created.id, 'after-1')).ok, true);
    assert.equal((await store.authenticate(created.key))?.id, created.id);
    // No abandoned debit stays charged, in whichever order its held bytes and its refund reached the
    // server (a refund first leaves a marker that voids the late debit); the balance matches the ledger.
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ request_id: string; net: string }>(
        `SELECT request_id, sum(delta)::text AS net FROM ${schema}.ledger
          WHERE key_id = $1 AND reason IN ('debit', 'refund') GROUP BY request_id`,
        [created.id],
      );
      const net = new Map(rows.map((r) => [r.request_id, Number(r.net)]));
      for (const rid of abandoned) assert.equal(net.get(rid), 0, rid);
      assert.equal(net.get('before-1'), -1);
      assert.equal(net.get('after-1'), -1);
      const { rows: check } = await admin.query<{ credits: string; ledger: string }>(
        `SELECT k.credits::text, (SELECT sum(delta) FROM ${schema}.ledger l WHERE l.key_id = k.id)::text AS ledger
           FROM ${schema}.api_keys k WHERE k.id = $1`,
        [created.id],
      );
      assert.equal(check[0]!.credits, check[0]!.ledger);
    } finally {
      await admin.end();
    }
  },
);

test(
  'a database that stalls or refuses at start: DependencyUnavailableError, one line, password masked',
  { skip },
  async () => {
    proxy.freeze();
    try {
      const stalled = new URL(proxiedUrl);
      stalled.password = 'hunter2';
      const r = await timed(
        PostgresAccountStore.open({ connectionString: stalled.toString(), schema, connectTimeoutMs: 500 }),
      );
      assert.ok(r.error instanceof DependencyUnavailableError, String(r.error));
      assert.equal(r.error.dependency, 'PostgreSQL');
      assert.ok(r.error.message.startsWith(`cannot reach PostgreSQL at postgres://`), r.error.message);
      assert.ok(!r.error.message.includes('hunter2') && r.error.message.includes('***'), r.error.message);
      assert.ok(!r.error.message.includes('\n'));
      assert.ok(r.ms < 5000, `${r.ms.toFixed(0)} ms`);
    } finally {
      proxy.resume();
    }
    await assert.rejects(
      openAccounts({ dataDir: '/nonexistent', databaseUrl: 'postgres://postgres@127.0.0.1:1/test' }),
      (e: unknown) =>
        e instanceof DependencyUnavailableError &&
        e.message.startsWith('cannot reach PostgreSQL at postgres://postgres@127.0.0.1:1/test: '),
    );
    // PostgreSQL up, Redis not: the store opened first is closed again, and the error names Redis.
    await assert.rejects(
      openAccounts({
        dataDir: '/nonexistent',
        databaseUrl: TEST_DATABASE_URL,
        pgSchema: schema,
        redisUrl: 'redis://127.0.0.1:1',
      }),
      (e: unknown) => e instanceof DependencyUnavailableError && e.dependency === 'Redis',
    );
  },
);
