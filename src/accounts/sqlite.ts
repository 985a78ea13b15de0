// AccountStore on SQLite (embedded default): DATA_DIR/accounts.sqlite in WAL mode. A debit is in the log before
// its promise resolves: safe from a crash of the process by default (synchronous=NORMAL, no fsync per commit),
// from a power loss with ACCOUNTS_DURABILITY=power (synchronous=FULL: one fsync per group commit).
// better-sqlite3 is synchronous, so the hot writes (credit ops, usage rows) go to a writer thread with its
// own connection (sqlite-writer.ts), which commits together every op queued while its previous commit ran;
// keys, top-ups, revocations and reports use this thread's connection.
// One exception, for latency: under `process` durability, when the writer thread has nothing in hand, the
// first credit op of an event-loop turn commits here at once on a third connection (a commit without fsync
// takes tens of microseconds, less than the hand-over to the thread and back), so one client waiting on its
// answers never pays the round trip. Under load the ops of a turn still go to the thread together; an inline
// commit never waits for SQLite's lock (busy_timeout 0): if another writer holds it, the op goes to the
// thread instead.
import type Database from 'better-sqlite3';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type {
  AccountStore,
  ApiKeyRecord,
  CreatedKey,
  DebitResult,
  UsageRecord,
  UsageSummary,
} from './types.ts';
import { apiKeyPrefix, generateApiKey, generateKeyId, hashApiKey } from './keys.ts';
import { AccountError, checkCredits, checkKeyInput, checkRequestId, checkUsageRecord } from './errors.ts';
import {
  debitResult,
  KeyCache,
  refundResult,
  UsageBuffer,
  type CreditOutcome,
  type GroupCommitOptions,
} from './batching.ts';
import {
  CreditWriter,
  newCommitCounter,
  openDatabase,
  type AccountsDurability,
  type WireOutcome,
} from './sqlite-db.ts';
import { SqliteWriterThread } from './sqlite-writer.ts';

export const ACCOUNTS_DB_FILE = 'accounts.sqlite';
/** An inline commit slower than this turns the inline path off for INLINE_PAUSE_MS. */
const INLINE_SLOW_MS = 2;
const INLINE_PAUSE_MS = 1000;

interface KeyRow {
  id: string;
  name: string;
  prefix: string;
  hash: string;
  qps: number;
  credits: number;
  revoked_at: string | null;
  created_at: string;
}

function toRecord(row: KeyRow): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    qps: row.qps,
    credits: row.credits,
    revoked: row.revoked_at !== null,
    createdAt: row.created_at,
  };
}

export interface SqliteAccountStoreOptions extends Pick<GroupCommitOptions, 'maxBatch'> {
  readonly dataDir: string;
  /** What a committed debit survives: `process` (default; kill -9, OOM) or `power` (fsync per group commit). */
  readonly durability?: AccountsDurability | undefined;
  /** Called when a usage batch cannot be written (default: a line on stderr). */
  readonly onUsageError?: (error: unknown) => void;
  /** How long authenticate() may reuse a looked-up key (default 1000 ms): the delay before a revocation
   * made by another process is seen. */
  readonly authCacheMs?: number;
  /** Whether a credit op may commit on the calling thread when the writer thread is idle (default true under
   *  `process` durability; false sends every op to the thread, to compare the two paths). */
  readonly inlineCommits?: boolean;
}

export class SqliteAccountStore implements AccountStore {
  /** Where the database lives. */
  readonly file: string;
  private readonly db: Database.Database;
  private readonly cache: KeyCache;
  private readonly usageBuffer: UsageBuffer;
  private readonly writer: SqliteWriterThread;
  /** The inline path (process durability only): its own connection, and whether this turn used it. */
  private readonly inline: { readonly db: Database.Database; readonly writer: CreditWriter } | null;
  private inlineUsedThisTurn = false;
  private inlineOffUntil = 0;
  private closed = false;
  private readonly sql;

  constructor(options: SqliteAccountStoreOptions) {
    this.cache = new KeyCache(options.authCacheMs);
    this.file = join(options.dataDir, ACCOUNTS_DB_FILE);
    const durability = options.durability ?? 'process';
    const db = openDatabase(this.file, durability);
    this.db = db;
    this.sql = {
      insertKey: db.prepare(
        `INSERT INTO api_keys (id, name, prefix, hash, qps, credits, created_at)
         VALUES (@id, @name, @prefix, @hash, @qps, @credits, @created_at)`,
      ),
      keyById: db.prepare<[string], KeyRow>('SELECT * FROM api_keys WHERE id = ?'),
      keyByHash: db.prepare<[string], KeyRow>('SELECT * FROM api_keys WHERE hash = ?'),
      listKeys: db.prepare<[], KeyRow>('SELECT * FROM api_keys ORDER BY created_at, id'),
      anyKey: db.prepare<[], { one: number }>('SELECT 1 AS one FROM api_keys LIMIT 1'),
      addCredits: db.prepare<[number, string]>('UPDATE api_keys SET credits = credits + ? WHERE id = ?'),
      revoke: db.prepare<[string, string]>(
        'UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
      ),
      insertLedger: db.prepare<[string, string, number, string, string]>(
        'INSERT INTO ledger (key_id, request_id, delta, reason, at) VALUES (?, ?, ?, ?, ?)',
      ),
    };
    const commits = newCommitCounter();
    let inlineDb: Database.Database | undefined;
    try {
      if (durability === 'process' && options.inlineCommits !== false) {
        inlineDb = openDatabase(this.file, durability);
        inlineDb.pragma('busy_timeout = 0');
      }
      this.inline = inlineDb
        ? { db: inlineDb, writer: new CreditWriter(inlineDb, durability, commits) }
        : null;
      this.writer = new SqliteWriterThread(this.file, { maxBatch: options.maxBatch, durability, commits });
    } catch (error) {
      inlineDb?.close();
      db.close();
      throw error;
    }
    this.usageBuffer = new UsageBuffer(
      (rows) => this.writer.usage(rows),
      options.onUsageError ??
        ((e) => process.stderr.write(`kolscope: usage rows not recorded: ${(e as Error).message}\n`)),
    );
  }

  async createKey(input: { name: string; credits: number; qps: number }): Promise<CreatedKey> {
    return (await this.insertKey(input, false))!;
  }

  async createFirstKey(input: { name: string; credits: number; qps: number }): Promise<CreatedKey | null> {
    return this.insertKey(input, true);
  }

  /** An IMMEDIATE transaction holds SQLite's write lock, so "no key yet" cannot change before the insert. */
  private async insertKey(
    input: { name: string; credits: number; qps: number },
    onlyIfNone: boolean,
  ): Promise<CreatedKey | null> {
    this.checkOpen();
    checkKeyInput(input);
    const key = generateApiKey();
    const row: KeyRow = {
      id: generateKeyId(),
      name: input.name,
      prefix: apiKeyPrefix(key),
      hash: hashApiKey(key),
      qps: input.qps,
      credits: input.credits,
      revoked_at: null,
      created_at: new Date().toISOString(),
    };
    const inserted = this.db
      .transaction(() => {
        if (onlyIfNone && this.sql.anyKey.get() !== undefined) return false;
        this.sql.insertKey.run(row);
        if (row.credits > 0)
          this.sql.insertLedger.run(row.id, `grant:${row.id}`, row.credits, 'grant', row.created_at);
        return true;
      })
      .immediate();
    return inserted ? { id: row.id, key, record: toRecord(row) } : null;
  }

  async authenticate(key: string): Promise<ApiKeyRecord | null> {
    this.checkOpen();
    return this.cache.authenticate(key, async (hash) => {
      const row = this.sql.keyByHash.get(hash);
      return row ? { hash: row.hash, record: toRecord(row) } : null;
    });
  }

  async listKeys(): Promise<ApiKeyRecord[]> {
    this.checkOpen();
    return this.sql.listKeys.all().map(toRecord);
  }

  async topUp(id: string, credits: number): Promise<ApiKeyRecord> {
    this.checkOpen();
    checkCredits(credits, 'credits', 1);
    const row = this.db
      .transaction(() => {
        if (this.sql.addCredits.run(credits, id).changes === 0) return undefined;
        this.sql.insertLedger.run(id, `topup:${randomUUID()}`, credits, 'topup', new Date().toISOString());
        return this.sql.keyById.get(id);
      })
      .immediate();
    if (!row) throw new AccountError('unknown_key', `no API key with id "${id}"`);
    this.cache.forget(id);
    return toRecord(row);
  }

  async revoke(id: string): Promise<ApiKeyRecord> {
    this.checkOpen();
    this.sql.revoke.run(new Date().toISOString(), id);
    const row = this.sql.keyById.get(id);
    if (!row) throw new AccountError('unknown_key', `no API key with id "${id}"`);
    this.cache.forget(id);
    return toRecord(row);
  }

  async debit(keyId: string, requestId: string): Promise<DebitResult> {
    this.checkOpen();
    checkRequestId(requestId);
    return debitResult(fromWire(await this.credit('debit', keyId, requestId)));
  }

  async refund(keyId: string, requestId: string): Promise<void> {
    this.checkOpen();
    checkRequestId(requestId);
    refundResult(fromWire(await this.credit('refund', keyId, requestId)));
  }

  /** A credit op, committed here when the inline path may take it (see the top of this file), else by the
   *  writer thread. */
  private credit(
    kind: 'debit' | 'refund',
    keyId: string,
    requestId: string,
  ): Promise<WireOutcome> | WireOutcome {
    if (
      this.inline &&
      !this.inlineUsedThisTurn &&
      this.writer.idle &&
      performance.now() >= this.inlineOffUntil
    ) {
      this.inlineUsedThisTurn = true;
      setImmediate(() => (this.inlineUsedThisTurn = false));
      const started = performance.now();
      try {
        return this.inline.writer.applyCreditOps([{ kind, keyId, requestId }])[0]!;
      } catch (error) {
        // The lock is held elsewhere (the CLI, or the thread): nothing was written, the thread will wait for it.
        if (!String((error as { code?: unknown }).code).startsWith('SQLITE_BUSY')) throw dbWriteFailed(error);
      } finally {
        // A slow disk (writeback throttling during a large write nearby) would stall every request on this
        // thread: after one slow commit, the writer thread takes every op for a while.
        if (performance.now() - started > INLINE_SLOW_MS)
          this.inlineOffUntil = performance.now() + INLINE_PAUSE_MS;
      }
    }
    return this.writer.credit(kind, keyId, requestId);
  }

  recordUsage(record: UsageRecord): void {
    if (this.closed) return;
    checkUsageRecord(record);
    this.usageBuffer.push(record);
  }

  async usage(keyId?: string): Promise<UsageSummary[]> {
    this.checkOpen();
    await this.usageBuffer.flush();
    if (keyId !== undefined && !this.sql.keyById.get(keyId))
      throw new AccountError('unknown_key', `no API key with id "${keyId}"`);
    const rows = this.db
      .prepare<
        [string | null, string | null],
        {
          key_id: string;
          requests: number;
          ok: number;
          avg_latency: number | null;
          last_at: string | null;
          spent: number;
        }
      >(
        `SELECT k.id AS key_id,
                coalesce(u.requests, 0) AS requests, coalesce(u.ok, 0) AS ok,
                u.avg_latency, u.last_at, coalesce(-l.net, 0) AS spent
           FROM api_keys k
           LEFT JOIN (SELECT key_id, count(*) AS requests,
                             sum(status BETWEEN 200 AND 299) AS ok,
                             avg(latency_ms) AS avg_latency, max(at) AS last_at
                        FROM usage GROUP BY key_id) u ON u.key_id = k.id
           LEFT JOIN (SELECT key_id, sum(delta) AS net FROM ledger
                       WHERE reason IN ('debit', 'refund') GROUP BY key_id) l ON l.key_id = k.id
          WHERE ? IS NULL OR k.id = ?
          ORDER BY k.created_at, k.id`,
      )
      .all(keyId ?? null, keyId ?? null);
    return rows.map((r) => ({
      keyId: r.key_id,
      requests: r.requests,
      ok: r.ok,
      errors: r.requests - r.ok,
      creditsSpent: r.spent,
      avgLatencyMs: r.avg_latency ?? 0,
      lastAt: r.last_at,
    }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.usageBuffer.flush();
    this.closed = true;
    await this.writer.close(); // after every op sent before it
    this.inline?.db.close();
    this.db.close();
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('account store is closed');
  }
}

/** The error of a write that failed, as the writer thread reports it. */
function dbWriteFailed(error: unknown): Error {
  return new Error(`accounts database write failed: ${(error as Error).message}`);
}

function fromWire(outcome: WireOutcome): CreditOutcome {
  return outcome.kind === 'refused'
    ? { kind: 'error', error: new AccountError(outcome.code, outcome.message) }
    : outcome;
}
