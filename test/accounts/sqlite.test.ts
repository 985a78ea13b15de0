// The AccountStore contract on SQLite, in a fresh temporary data directory.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { test } from 'node:test';
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

// The inline path (a debit committed on the calling thread when the writer thread is idle) never waits for
// SQLite's lock: with the write lock held by another connection, the debit goes to the writer thread, the
// event loop keeps turning meanwhile, and the debit commits once the lock is released.
test('an inline debit that finds the write lock held goes to the writer thread without blocking the event loop', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'kolscope-accounts-'));
  const store = new SqliteAccountStore({ dataDir });
  try {
    const { id } = await store.createKey({ name: 'inline', credits: 5, qps: 10 });
    // One debit while nothing holds the lock: committed (inline or not, the outcome is the same).
    assert.deepEqual(await store.debit(id, 'req-free'), { ok: true, remaining: 4 });
    await new Promise((resolve) => setImmediate(resolve)); // a new event-loop turn: the inline path is open
    const other = new Database(join(dataDir, 'accounts.sqlite'));
    other.exec('BEGIN IMMEDIATE');
    let turns = 0;
    const ticker = setInterval(() => turns++, 5);
    const started = performance.now();
    const pending = store.debit(id, 'req-locked');
    const blockedMs = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 100));
    other.exec('COMMIT');
    other.close();
    const result = await pending;
    clearInterval(ticker);
    assert.ok(blockedMs < 50, `debit() returned after ${blockedMs.toFixed(1)} ms: it waited for the lock`);
    assert.ok(turns >= 5, `the event loop turned ${turns} times while the lock was held`);
    assert.deepEqual(result, { ok: true, remaining: 3 });
  } finally {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
