// The accounts database on SQLite: schema, opening, and the credit/usage writes that the writer thread
// (sqlite-worker.ts) applies. Shared by the main-thread store and that worker, which each own a connection.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AccountErrorCode } from './errors.ts';
import type { CreditOp } from './batching.ts';
import type { UsageRow } from './writer-ring.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS api_keys (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  prefix     TEXT NOT NULL,
  hash       TEXT NOT NULL UNIQUE,
  qps        INTEGER NOT NULL CHECK (qps > 0),
  credits    INTEGER NOT NULL CHECK (credits >= 0),
  revoked_at TEXT,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ledger (
  id         INTEGER PRIMARY KEY,
  key_id     TEXT NOT NULL REFERENCES api_keys (id),
  request_id TEXT NOT NULL,
  delta      INTEGER NOT NULL,
  reason     TEXT NOT NULL CHECK (reason IN ('debit', 'refund', 'topup', 'grant')),
  at         TEXT NOT NULL,
  UNIQUE (request_id, reason)
);
CREATE INDEX IF NOT EXISTS ledger_key ON ledger (key_id);
CREATE TABLE IF NOT EXISTS usage (
  key_id     TEXT NOT NULL,
  request_id TEXT NOT NULL,
  at         TEXT NOT NULL,
  status     INTEGER NOT NULL,
  credits    INTEGER NOT NULL,
  latency_ms REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS usage_key_at ON usage (key_id, at);
`;

export function openDatabase(file: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    mkdirSync(dirname(file), { recursive: true });
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL'); // a debit is on disk before its promise resolves
    db.pragma('busy_timeout = 5000'); // the CLI, and the store's other connection, may write at the same time
    db.pragma('foreign_keys = ON');
    db.exec(SCHEMA);
    return db;
  } catch (error) {
    db?.close();
    throw new Error(`cannot use the accounts database ${file}: ${(error as Error).message}`);
  }
}

/**
 * What a committed batch reports for each op, in batch order. Plain data, so that it crosses from the writer
 * thread by postMessage; the store turns `refused` into an AccountError.
 */
export type WireOutcome =
  | { readonly kind: 'ok'; readonly remaining: number }
  | { readonly kind: 'insufficient'; readonly remaining: number }
  | { readonly kind: 'refused'; readonly code: AccountErrorCode; readonly message: string };

/** Debits, refunds and usage rows on one connection: each batch is one transaction (one fsync). */
export class CreditWriter {
  private readonly sql;

  constructor(private readonly db: Database.Database) {
    this.sql = {
      addCredit: db.prepare<[string]>('UPDATE api_keys SET credits = credits + 1 WHERE id = ?'),
      takeCredit: db.prepare<[string], { credits: number }>(
        'UPDATE api_keys SET credits = credits - 1 WHERE id = ? AND credits > 0 RETURNING credits',
      ),
      balance: db.prepare<[string], { credits: number }>('SELECT credits FROM api_keys WHERE id = ?'),
      ledgerOwner: db.prepare<[string, string], { key_id: string }>(
        'SELECT key_id FROM ledger WHERE request_id = ? AND reason = ?',
      ),
      insertLedger: db.prepare<[string, string, number, string, string]>(
        'INSERT INTO ledger (key_id, request_id, delta, reason, at) VALUES (?, ?, ?, ?, ?)',
      ),
      insertUsage: db.prepare<[string, string, string, number, number, number]>(
        'INSERT INTO usage (key_id, request_id, at, status, credits, latency_ms) VALUES (?, ?, ?, ?, ?, ?)',
      ),
    };
  }

  /** One IMMEDIATE transaction for the whole batch; per-op problems are outcomes, not a rollback. */
  applyCreditOps(batch: readonly CreditOp[]): WireOutcome[] {
    const at = new Date().toISOString();
    return this.db
      .transaction(() =>
        batch.map((op) => (op.kind === 'debit' ? this.debitOne(op, at) : this.refundOne(op, at))),
      )
      .immediate();
  }

  writeUsage(rows: readonly UsageRow[]): void {
    this.db.transaction(() => {
      for (const r of rows)
        this.sql.insertUsage.run(
          r.keyId,
          r.requestId,
          new Date(r.atMs).toISOString(),
          r.status,
          r.credits,
          r.latencyMs,
        );
    })();
  }

  private debitOne(op: CreditOp, at: string): WireOutcome {
    const owner = this.sql.ledgerOwner.get(op.requestId, 'debit');
    if (owner) {
      if (owner.key_id !== op.keyId) return conflict(op);
      return { kind: 'ok', remaining: this.sql.balance.get(op.keyId)?.credits ?? 0 };
    }
    const taken = this.sql.takeCredit.get(op.keyId);
    if (taken) {
      this.sql.insertLedger.run(op.keyId, op.requestId, -1, 'debit', at);
      return { kind: 'ok', remaining: taken.credits };
    }
    const balance = this.sql.balance.get(op.keyId);
    if (!balance) return unknownKey(op.keyId);
    return { kind: 'insufficient', remaining: balance.credits };
  }

  private refundOne(op: CreditOp, at: string): WireOutcome {
    const debited = this.sql.ledgerOwner.get(op.requestId, 'debit');
    const balance = this.sql.balance.get(op.keyId);
    if (!balance) return unknownKey(op.keyId);
    if (!debited) return { kind: 'ok', remaining: balance.credits }; // nothing was charged
    if (debited.key_id !== op.keyId) return conflict(op);
    if (this.sql.ledgerOwner.get(op.requestId, 'refund')) return { kind: 'ok', remaining: balance.credits };
    this.sql.addCredit.run(op.keyId);
    this.sql.insertLedger.run(op.keyId, op.requestId, 1, 'refund', at);
    return { kind: 'ok', remaining: balance.credits + 1 };
  }
}

function unknownKey(keyId: string): WireOutcome {
  return { kind: 'refused', code: 'unknown_key', message: `no API key with id "${keyId}"` };
}

function conflict(op: CreditOp): WireOutcome {
  return {
    kind: 'refused',
    code: 'request_id_conflict',
    message: `request id "${op.requestId}" was already charged to another key than "${op.keyId}"`,
  };
}
