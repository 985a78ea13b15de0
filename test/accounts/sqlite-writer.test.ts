// The SQLite store's writer thread: start-up failures and crashes surface as rejected batches, never hangs;
// a thread that died is replaced; close() stops it. Real database files, real worker threads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteAccountStore, ACCOUNTS_DB_FILE } from '../../src/accounts/sqlite.ts';
import { SqliteWriterThread } from '../../src/accounts/sqlite-writer.ts';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'kolscope-writer-'));
}

test('a writer thread that cannot open its database fails every batch with that reason', async () => {
  const dir = await tempDir();
  try {
    await writeFile(join(dir, 'not-a-dir'), 'x');
    const writer = new SqliteWriterThread(join(dir, 'not-a-dir', ACCOUNTS_DB_FILE));
    const op = { kind: 'debit', keyId: 'key_x', requestId: 'r1' } as const;
    await assert.rejects(
      writer.credits([op]),
      /writer thread did not start: cannot use the accounts database/,
    );
    await assert.rejects(writer.usage([]), /did not start/, 'later batches fail at once, not hang');
    await writer.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a writer thread that dies fails the batches in flight; the next batch gets a new thread', async () => {
  const dir = await tempDir();
  try {
    const store = new SqliteAccountStore({ dataDir: dir });
    const { id } = await store.createKey({ name: 'crash', credits: 1_000_000, qps: 1 });
    await store.close();

    const writer = new SqliteWriterThread(join(dir, ACCOUNTS_DB_FILE));
    assert.equal((await writer.credits([{ kind: 'debit', keyId: id, requestId: 'before' }]))[0]?.kind, 'ok');
    const batches = Array.from({ length: 40 }, (_, b) =>
      writer.credits(
        Array.from(
          { length: 500 },
          (_, i) => ({ kind: 'debit', keyId: id, requestId: `${b}-${i}` }) as const,
        ),
      ),
    );
    await writer.abort();
    const settled = await Promise.allSettled(batches);
    const failed = settled.filter((s) => s.status === 'rejected');
    assert.ok(failed.length > 0, 'batches still queued when the thread stopped fail');
    for (const f of failed) assert.match(String(f.reason), /writer thread stopped/);

    const [after] = await writer.credits([{ kind: 'debit', keyId: id, requestId: 'after' }]);
    assert.equal(after?.kind, 'ok', 'a replacement thread commits the next batch');
    await writer.close();
    await assert.rejects(writer.credits([]), /closed/);

    // Every batch reported committed is in the ledger, and the balance matches the ledger.
    const db = new Database(join(dir, ACCOUNTS_DB_FILE), { readonly: true });
    try {
      const debits = db
        .prepare<[string], { n: number }>(
          "SELECT count(*) AS n FROM ledger WHERE key_id = ? AND reason = 'debit'",
        )
        .get(id)!.n;
      const ok = settled.filter((s) => s.status === 'fulfilled').length * 500 + 2;
      assert.ok(debits >= ok, `${debits} ledger debits >= ${ok} acknowledged`);
      const credits = db
        .prepare<[string], { credits: number }>('SELECT credits FROM api_keys WHERE id = ?')
        .get(id)!;
      assert.equal(credits.credits, 1_000_000 - debits);
    } finally {
      db.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
