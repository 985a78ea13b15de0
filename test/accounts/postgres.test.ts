// The AccountStore contract on a real PostgreSQL, in a fresh schema per run, dropped afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { AccountError } from '../../src/accounts/index.ts';
import { PostgresAccountStore } from '../../src/accounts/postgres.ts';
import { TEST_DATABASE_URL, unavailable } from '../support/services.ts';
import { accountStoreContract, type LedgerRow } from './store-contract.ts';

const skip = await unavailable('postgres');

accountStoreContract('PostgreSQL', skip, async () => {
  const schema = `kolscope_test_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  return {
    open: (options) =>
      PostgresAccountStore.open({ connectionString: TEST_DATABASE_URL, schema, poolSize: 4, ...options }),
    ledger: async (keyId) =>
      (
        await admin.query<LedgerRow & { delta: string }>(
          `SELECT key_id AS "keyId", request_id AS "requestId", delta, reason FROM ${schema}.ledger
            WHERE key_id = $1 ORDER BY id`,
          [keyId],
        )
      ).rows.map((r) => ({ ...r, delta: Number(r.delta) })),
    storedText: async () => {
      const dumps = [];
      for (const t of ['api_keys', 'ledger', 'usage'])
        dumps.push(await admin.query(`SELECT * FROM ${schema}.${t}`));
      return JSON.stringify(dumps.map((d) => d.rows));
    },
    childArgs: (keyId) => ['postgres', TEST_DATABASE_URL, schema, keyId],
    cleanup: async () => {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    },
  };
});

test(
  'replicas starting together on an empty schema all create or reuse it without error',
  { skip },
  async () => {
    const schema = `kolscope_test_start_${process.pid}_${Date.now()}`;
    const stores = await Promise.all(
      Array.from({ length: 4 }, () =>
        PostgresAccountStore.open({ connectionString: TEST_DATABASE_URL, schema, poolSize: 2 }),
      ),
    );
    try {
      const created = await stores[0]!.createKey({ name: 'shared', credits: 4, qps: 1 });
      const results = await Promise.all(stores.map((s, i) => s.debit(created.id, `${created.id}-${i}`)));
      assert.ok(results.every((r) => r.ok));
      assert.equal((await stores[3]!.listKeys())[0]!.credits, 0);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  },
);

test('a schema name that is not a plain identifier is refused before any SQL', async () => {
  await assert.rejects(
    PostgresAccountStore.open({ connectionString: TEST_DATABASE_URL, schema: 'x; DROP TABLE y' }),
    (e: unknown) => e instanceof AccountError && /schema/.test(e.message),
  );
});
