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

/**
 * What a committed debit survives (ACCOUNTS_DURABILITY). `process`: a crash of the process (kill -9, OOM):
 * in WAL mode with synchronous=NORMAL a commit is in the log, in the OS page cache, before its promise
 * resolves, and the OS writes it out whatever becomes of the process; no fsync per commit (the WAL is synced
 * at checkpoints). `power`: also a power loss or kernel crash: synchronous=FULL, one fsync per group commit.
 */
export type AccountsDurability = 'process' | 'power';

export const ACCOUNTS_DURABILITIES: readonly AccountsDurability[] = ['process', 'power'];

const SYNCHRONOUS: Readonly<Record<AccountsDurability, string>> = { process: 'NORMAL', power: 'FULL' };

export function openDatabase(file: string, durability: AccountsDurability = 'process'): Database.Database {
  let db: Database.Database | undefined;
  try {
    mkdirSync(dirname(file), { recursive: true });
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${SYNCHRONOUS[durability]}`);
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

const INSERT_USAGE = 'INSERT INTO usage (key_id, request_id, at, status, credits, latency_ms) VALUES';
const USAGE_VALUES = '(?, ?, ?, ?, ?, ?)';
const USAGE_ROWS_PER_INSERT = 64;

function pushUsage(params: (string | number)[], r: UsageRow): void {
  params.push(r.keyId, r.requestId, new Date(r.atMs).toISOString(), r.status, r.credits, r.latencyMs);
}

/**
 * Debits, refunds and usage rows on one connection: each batch is one transaction (one fsync under `power`).
 * A batch reads each key's balance once and writes it back once: inside the IMMEDIATE transaction nobody else
 * can write, so the arithmetic in between is exact. A debit costs one ledger insert, whose unique
 * (request_id, reason) index also answers "was this request already charged?" (ON CONFLICT DO NOTHING).
 */
/** Commits of the writer between two checkpoints of its WAL (a few pages each: about the 1000 pages of SQLite's default). */
export const CHECKPOINT_EVERY_COMMITS = 250;

/** A counter of commits shared by the connections of one store (an Int32Array over a SharedArrayBuffer when
 *  they live in different threads): the writer thread checkpoints after CHECKPOINT_EVERY_COMMITS of them,
 *  whichever connection made them. */
export function newCommitCounter(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4));
}

export class CreditWriter {
  private readonly sql;
  /** Made once: better-sqlite3 builds a wrapper per transaction() call, a cost on every commit otherwise. */
  private readonly creditTransaction: Database.Transaction<
    (batch: readonly CreditOp[], at: string) => WireOutcome[]
  >;

  constructor(
    private readonly db: Database.Database,
    private readonly durability: AccountsDurability = 'process',
    private readonly commits: Int32Array = newCommitCounter(),
  ) {
    db.pragma('wal_autocheckpoint = 0'); // checkpointIfDue() instead, off the commit path
    this.sql = {
      balance: db.prepare<[string], { credits: number }>('SELECT credits FROM api_keys WHERE id = ?'),
      setBalance: db.prepare<[number, string]>('UPDATE api_keys SET credits = ? WHERE id = ?'),
      ledgerOwner: db.prepare<[string, string], { key_id: string }>(
        'SELECT key_id FROM ledger WHERE request_id = ? AND reason = ?',
      ),
      insertLedgerOnce: db.prepare<[string, string, number, string, string]>(
        `INSERT INTO ledger (key_id, request_id, delta, reason, at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (request_id, reason) DO NOTHING`,
      ),
      insertUsage: db.prepare<[(string | number)[]]>(`${INSERT_USAGE} ${USAGE_VALUES}`),
      // Many rows per statement: one statement step instead of one per row.
      insertUsageMany: db.prepare<[(string | number)[]]>(
        `${INSERT_USAGE} ${Array(USAGE_ROWS_PER_INSERT).fill(USAGE_VALUES).join(', ')}`,
      ),
    };
    this.creditTransaction = db.transaction((batch: readonly CreditOp[], at: string) => {
      const balances = new Balances(this.sql);
      const outcomes = batch.map((op) =>
        op.kind === 'debit' ? this.debitOne(op, at, balances) : this.refundOne(op, at, balances),
      );
      balances.store();
      return outcomes;
    });
  }

  /**
   * Copies the WAL back into the database when due (PASSIVE: never waits for readers). Called by the writer
   * thread after it has answered a round, so no debit waits for it: SQLite's automatic checkpoint (off on
   * this connection) would run inside the commit that crosses its threshold, and under `process`
   * durability a checkpoint is the only fsync left, a tail of milliseconds on a busy disk.
   */
  checkpointIfDue(): void {
    if (Atomics.load(this.commits, 0) < CHECKPOINT_EVERY_COMMITS) return;
    Atomics.store(this.commits, 0, 0);
    this.db.pragma('wal_checkpoint(PASSIVE)');
  }

  /** One IMMEDIATE transaction for the whole batch; per-op problems are outcomes, not a rollback. */
  applyCreditOps(batch: readonly CreditOp[]): WireOutcome[] {
    Atomics.add(this.commits, 0, 1);
    return this.creditTransaction.immediate(batch, new Date().toISOString());
  }

  /**
   * Usage rows in one transaction, committed without an fsync of their own (synchronous=NORMAL for this
   * commit only): under `power` durability the next credit commit's fsync makes them durable with it (the
   * WAL is written in order), and a power loss before that loses only these rows, as documented for usage.
   */
  writeUsage(rows: readonly UsageRow[]): void {
    Atomics.add(this.commits, 0, 1);
    const params: (string | number)[] = [];
    let i = 0;
    const power = this.durability === 'power';
    if (power) this.db.pragma('synchronous = NORMAL');
    try {
      this.db.transaction(() => {
        for (; i + USAGE_ROWS_PER_INSERT <= rows.length; i += USAGE_ROWS_PER_INSERT) {
          params.length = 0;
          for (let k = i; k < i + USAGE_ROWS_PER_INSERT; k++) pushUsage(params, rows[k]!);
          this.sql.insertUsageMany.run(params);
        }
        for (; i < rows.length; i++) {
          params.length = 0;
          pushUsage(params, rows[i]!);
          this.sql.insertUsage.run(params);
        }
      })();
    } finally {
      if (power) this.db.pragma('synchronous = FULL');
    }
  }

  private debitOne(op: CreditOp, at: string, balances: Balances): WireOutcome {
    const balance = balances.get(op.keyId);
    if (balance === null) {
      return this.sql.ledgerOwner.get(op.requestId, 'debit') ? conflict(op) : unknownKey(op.keyId);
    }
    const refunded = this.sql.ledgerOwner.get(op.requestId, 'refund');
    if (refunded) return refunded.key_id === op.keyId ? voided(op) : conflict(op);
    if (balance > 0 && this.sql.insertLedgerOnce.run(op.keyId, op.requestId, -1, 'debit', at).changes === 1) {
      balances.set(op.keyId, balance - 1);
      return { kind: 'ok', remaining: balance - 1 };
    }
    // Charged before under this request id (idempotent repeat), or no credit left.
    const owner = this.sql.ledgerOwner.get(op.requestId, 'debit');
    if (owner) return owner.key_id === op.keyId ? { kind: 'ok', remaining: balance } : conflict(op);
    return { kind: 'insufficient', remaining: balance };
  }

  private refundOne(op: CreditOp, at: string, balances: Balances): WireOutcome {
    const balance = balances.get(op.keyId);
    if (balance === null) return unknownKey(op.keyId);
    const debited = this.sql.ledgerOwner.get(op.requestId, 'debit');
    if (!debited) {
      // Nothing charged (yet): a marker of no value, so that this debit, if it comes late, charges nothing.
      this.sql.insertLedgerOnce.run(op.keyId, op.requestId, 0, 'refund', at);
      return { kind: 'ok', remaining: balance };
    }
    if (debited.key_id !== op.keyId) return conflict(op);
    if (this.sql.insertLedgerOnce.run(op.keyId, op.requestId, 1, 'refund', at).changes === 0)
      return { kind: 'ok', remaining: balance }; // refunded before
    balances.set(op.keyId, balance + 1);
    return { kind: 'ok', remaining: balance + 1 };
  }
}

/** The balances of the keys a batch touches: read once, written back once if changed. */
class Balances {
  private readonly read = new Map<string, number | null>();
  private readonly changed = new Map<string, number>();

  constructor(
    private readonly sql: {
      balance: Database.Statement<[string], { credits: number }>;
      setBalance: Database.Statement<[number, string]>;
    },
  ) {}

  /** The key's balance now; null for an unknown key. */
  get(keyId: string): number | null {
    const changed = this.changed.get(keyId);
    if (changed !== undefined) return changed;
    let balance = this.read.get(keyId);
    if (balance === undefined) {
      balance = this.sql.balance.get(keyId)?.credits ?? null;
      this.read.set(keyId, balance);
    }
    return balance;
  }

  set(keyId: string, balance: number): void {
    this.changed.set(keyId, balance);
  }

  store(): void {
    for (const [keyId, balance] of this.changed) this.sql.setBalance.run(balance, keyId);
  }
}

function unknownKey(keyId: string): WireOutcome {
  return { kind: 'refused', code: 'unknown_key', message: `no API key with id "${keyId}"` };
}

function voided(op: CreditOp): WireOutcome {
  return {
    kind: 'refused',
    code: 'request_refunded',
    message: `request id "${op.requestId}" was refunded before its debit: not charged`,
  };
}

function conflict(op: CreditOp): WireOutcome {
  return {
    kind: 'refused',
    code: 'request_id_conflict',
    message: `request id "${op.requestId}" was already charged to another key than "${op.keyId}"`,
  };
}
