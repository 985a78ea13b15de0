// The AccountStore contract on a real PostgreSQL, in a fresh schema per run, dropped afterwards.
import pg from 'pg';
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
