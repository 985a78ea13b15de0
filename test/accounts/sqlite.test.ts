// The AccountStore contract on SQLite, in a fresh temporary data directory.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteAccountStore } from '../../src/accounts/sqlite.ts';
import { accountStoreContract, type LedgerRow } from './store-contract.ts';

accountStoreContract('SQLite', false, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'kolscope-accounts-'));
  const file = join(dataDir, 'accounts.sqlite');
  const read = <T>(fn: (db: Database.Database) => T): T => {
    const db = new Database(file, { readonly: true });
    try {
      return fn(db);
    } finally {
      db.close();
    }
  };
  return {
    open: async (options) => new SqliteAccountStore({ dataDir, ...options }),
    ledger: async (keyId) =>
      read((db) =>
        db
          .prepare<[string], LedgerRow>(
            'SELECT key_id AS keyId, request_id AS requestId, delta, reason FROM ledger WHERE key_id = ? ORDER BY id',
          )
          .all(keyId),
      ),
    // The database file and its WAL, byte for byte: the raw key must be nowhere in them.
    storedText: async () => {
      const files = (await readdir(dataDir)).filter((f) => f.startsWith('accounts.sqlite'));
      return (await Promise.all(files.map((f) => readFile(join(dataDir, f), 'latin1')))).join('\n');
    },
    childArgs: (keyId) => ['sqlite', dataDir, keyId],
    cleanup: () => rm(dataDir, { recursive: true, force: true }),
  };
});
