// The writer thread's SQL (CreditWriter) on a real database: a batch reads and writes each key's balance once
// and stays exact; usage rows are committed without an fsync of their own; ACCOUNTS_DURABILITY sets the
// connection's synchronous level (process: NORMAL, power: FULL, which credits keep after a usage commit).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CHECKPOINT_EVERY_COMMITS,
  CreditWriter,
  openDatabase,
  type AccountsDurability,
} from '../../src/accounts/sqlite-db.ts';

async function withDb(
  fn: (db: ReturnType<typeof openDatabase>) => void,
  durability?: AccountsDurability,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'kolscope-db-'));
  const db = openDatabase(join(dir, 'accounts.sqlite'), durability);
  try {
    fn(db);
  } finally {
    db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function addKey(db: ReturnType<typeof openDatabase>, id: string, credits: number): void {
  db.prepare(
    "INSERT INTO api_keys (id, name, prefix, hash, qps, credits, created_at) VALUES (?, 'k', 'p', ?, 1, ?, 'now')",
  ).run(id, `hash-${id}`, credits);
}

test('one batch over several keys: per-op outcomes in order, balances and ledger exact', () =>
  withDb((db) => {
    addKey(db, 'a', 2);
    addKey(db, 'b', 1);
    const writer = new CreditWriter(db);
    const outcomes = writer.applyCreditOps([
      { kind: 'debit', keyId: 'a', requestId: 'r1' },
      { kind: 'debit', keyId: 'b', requestId: 'r2' },
      { kind: 'debit', keyId: 'a', requestId: 'r1' }, // repeat: charged once
      { kind: 'debit', keyId: 'a', requestId: 'r3' },
      { kind: 'debit', keyId: 'a', requestId: 'r4' }, // no credit left
      { kind: 'debit', keyId: 'b', requestId: 'r1' }, // r1 belongs to a
      { kind: 'refund', keyId: 'a', requestId: 'r3' },
      { kind: 'refund', keyId: 'a', requestId: 'r3' }, // refunded once
      { kind: 'refund', keyId: 'a', requestId: 'never-charged' },
      { kind: 'debit', keyId: 'nobody', requestId: 'r5' },
    ]);
    assert.deepEqual(
      outcomes.map((o) => (o.kind === 'refused' ? o.code : `${o.kind} ${o.remaining}`)),
      [
        'ok 1',
        'ok 0',
        'ok 1',
        'ok 0',
        'insufficient 0',
        'request_id_conflict',
        'ok 1',
        'ok 1',
        'ok 1',
        'unknown_key',
      ],
    );
    const balance = (id: string) =>
      (db.prepare('SELECT credits FROM api_keys WHERE id = ?').get(id) as { credits: number }).credits;
    assert.equal(balance('a'), 1);
    assert.equal(balance('b'), 0);
    const ledger = db.prepare('SELECT key_id, request_id, delta, reason FROM ledger ORDER BY id').all();
    assert.deepEqual(ledger, [
      { key_id: 'a', request_id: 'r1', delta: -1, reason: 'debit' },
      { key_id: 'b', request_id: 'r2', delta: -1, reason: 'debit' },
      { key_id: 'a', request_id: 'r3', delta: -1, reason: 'debit' },
      { key_id: 'a', request_id: 'r3', delta: 1, reason: 'refund' },
      // a refund without its debit leaves a marker of no value (a late debit then charges nothing)
      { key_id: 'a', request_id: 'never-charged', delta: 0, reason: 'refund' },
    ]);
  }));

test('durability process (the default) is synchronous=NORMAL in WAL mode; power is FULL', async () => {
  await withDb((db) => {
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('synchronous', { simple: true }), 1);
  });
  await withDb((db) => assert.equal(db.pragma('synchronous', { simple: true }), 2), 'power');
});

test('usage rows (many per statement) are stored; under power durability credits stay synchronous=FULL', () =>
  withDb((db) => {
    const writer = new CreditWriter(db, 'power');
    const rows = Array.from({ length: 150 }, (_, i) => ({
      keyId: 'a',
      requestId: `u${i}`,
      atMs: Date.UTC(2026, 0, 1) + i,
      status: i % 2 ? 200 : 404,
      credits: i % 2,
      latencyMs: i / 4,
    }));
    writer.writeUsage(rows);
    assert.equal(db.pragma('synchronous', { simple: true }), 2, 'FULL again after the usage commit');
    const stored = db
      .prepare('SELECT request_id, at, status, credits, latency_ms FROM usage ORDER BY rowid')
      .all() as { request_id: string; at: string; status: number; credits: number; latency_ms: number }[];
    assert.equal(stored.length, 150);
    assert.deepEqual(stored[149], {
      request_id: 'u149',
      at: new Date(Date.UTC(2026, 0, 1) + 149).toISOString(),
      status: 200,
      credits: 1,
      latency_ms: 149 / 4,
    });
  }, 'power'));

test('the writer checkpoints its WAL itself, when told between rounds, never inside a commit', async () => {
  /** Frames left in the WAL after `commits` single-debit commits, checkpointing between them or not. */
  const framesAfter = async (commits: number, checkpoint: boolean) => {
    let frames = 0;
    await withDb((db) => {
      addKey(db, 'a', commits);
      const writer = new CreditWriter(db);
      assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 0, 'no automatic checkpoint');
      for (let i = 0; i < commits; i++) {
        writer.applyCreditOps([{ kind: 'debit', keyId: 'a', requestId: `r${i}` }]);
        if (checkpoint) writer.checkpointIfDue();
      }
      // [busy, frames in the log, frames checkpointed]: read (and checkpointed) at the end only.
      frames = (db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[])[0]!.log;
    });
    return frames;
  };
  const commits = 3 * CHECKPOINT_EVERY_COMMITS + 10;
  const without = await framesAfter(commits, false);
  const withCheckpoints = await framesAfter(commits, true);
  assert.ok(without >= commits, `every commit adds to the log: ${without} frames`);
  assert.ok(
    withCheckpoints < without / 2,
    `the log restarts after each checkpoint: ${withCheckpoints} frames against ${without}`,
  );
});
