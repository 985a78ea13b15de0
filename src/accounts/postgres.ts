// AccountStore on PostgreSQL (DATABASE_URL), for many stateless API replicas. Tables live in one schema
// (default "kolscope"), created on start. Concurrent debits and refunds are group-committed: one call of
// apply_credit_ops() per batch = one round trip and one commit; every balance returned comes from that
// statement on the primary, never from a read afterwards.
//
// Every wait on the database is bounded (connectTimeoutMs, statementTimeoutMs): a database that stalls or
// drops makes calls fail fast with AccountStoreUnavailable, and the pool reconnects by itself.
import pg from 'pg';
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
import {
  AccountError,
  AccountStoreUnavailable,
  DependencyUnavailableError,
  checkCredits,
  checkKeyInput,
  checkUsageRecord,
  redactUrl,
} from './errors.ts';
import {
  GroupCommitQueue,
  KeyCache,
  UsageBuffer,
  type CreditOp,
  type CreditOutcome,
  type GroupCommitOptions,
} from './batching.ts';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function schemaSql(s: string): string {
  return `
CREATE SCHEMA IF NOT EXISTS ${s};
CREATE TABLE IF NOT EXISTS ${s}.api_keys (
  id         text PRIMARY KEY,
  name       text NOT NULL,
  prefix     text NOT NULL,
  hash       text NOT NULL UNIQUE,
  qps        integer NOT NULL CHECK (qps > 0),
  credits    bigint NOT NULL CHECK (credits >= 0),
  revoked_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS ${s}.ledger (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  key_id     text NOT NULL REFERENCES ${s}.api_keys (id),
  request_id text NOT NULL,
  delta      bigint NOT NULL,
  reason     text NOT NULL CHECK (reason IN ('debit', 'refund', 'topup', 'grant')),
  at         timestamptz NOT NULL DEFAULT now(),
  UNIQUE (request_id, reason)
);
CREATE INDEX IF NOT EXISTS ledger_key ON ${s}.ledger (key_id);
CREATE TABLE IF NOT EXISTS ${s}.usage (
  key_id     text NOT NULL,
  request_id text NOT NULL,
  at         timestamptz NOT NULL,
  status     integer NOT NULL,
  credits    integer NOT NULL,
  latency_ms double precision NOT NULL
);
CREATE INDEX IF NOT EXISTS usage_key_at ON ${s}.usage (key_id, at);

-- Applies a batch of debits/refunds in order, inside the caller's single statement (one commit).
-- Callers sort the batch by key id so that concurrent batches lock key rows in the same order.
CREATE OR REPLACE FUNCTION ${s}.apply_credit_ops(p_kinds text[], p_keys text[], p_requests text[])
RETURNS TABLE (o_idx integer, o_outcome text, o_remaining bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
  j integer;
  bal bigint;
  owner text;
  voided boolean;
  marker text;
BEGIN
  FOR j IN 1 .. coalesce(array_length(p_keys, 1), 0) LOOP
    o_idx := j;
    voided := false;
    marker := NULL;
    -- The key row first: a debit and a refund of one request on two connections take turns.
    PERFORM 1 FROM ${s}.api_keys k WHERE k.id = p_keys[j] FOR UPDATE;
    SELECT l.key_id INTO owner FROM ${s}.ledger l WHERE l.request_id = p_requests[j] AND l.reason = 'debit';
    IF p_kinds[j] = 'debit' AND owner IS NULL THEN
      -- refunded before it arrived (its caller gave up on it): never charged
      SELECT l.key_id INTO marker FROM ${s}.ledger l WHERE l.request_id = p_requests[j] AND l.reason = 'refund';
      voided := marker = p_keys[j];
    END IF;
    IF p_kinds[j] = 'debit' THEN
      IF owner IS NULL AND marker IS NULL THEN
        UPDATE ${s}.api_keys k SET credits = k.credits - 1 WHERE k.id = p_keys[j] AND k.credits > 0
          RETURNING k.credits INTO bal;
        IF FOUND THEN
          INSERT INTO ${s}.ledger (key_id, request_id, delta, reason) VALUES (p_keys[j], p_requests[j], -1, 'debit')
            ON CONFLICT (request_id, reason) DO NOTHING;
          IF FOUND THEN
            o_outcome := 'ok'; o_remaining := bal; RETURN NEXT; CONTINUE;
          END IF;
          -- charged concurrently under the same request id: give this credit back
          UPDATE ${s}.api_keys k SET credits = k.credits + 1 WHERE k.id = p_keys[j];
          SELECT l.key_id INTO owner FROM ${s}.ledger l WHERE l.request_id = p_requests[j] AND l.reason = 'debit';
        END IF;
      END IF;
    ELSIF owner IS NULL THEN -- refund before its debit: a marker of no value, so the debit charges nothing
      INSERT INTO ${s}.ledger (key_id, request_id, delta, reason)
        SELECT k.id, p_requests[j], 0, 'refund' FROM ${s}.api_keys k WHERE k.id = p_keys[j]
        ON CONFLICT (request_id, reason) DO NOTHING;
    ELSIF owner = p_keys[j] THEN -- refund of a debit of this key
      INSERT INTO ${s}.ledger (key_id, request_id, delta, reason) VALUES (p_keys[j], p_requests[j], 1, 'refund')
        ON CONFLICT (request_id, reason) DO NOTHING;
      IF FOUND THEN
        UPDATE ${s}.api_keys k SET credits = k.credits + 1 WHERE k.id = p_keys[j];
      END IF;
    END IF;
    SELECT k.credits INTO bal FROM ${s}.api_keys k WHERE k.id = p_keys[j];
    o_remaining := coalesce(bal, 0);
    o_outcome := CASE
      WHEN NOT FOUND THEN 'unknown_key'
      WHEN owner IS NOT NULL AND owner <> p_keys[j] THEN 'conflict'
      WHEN marker IS NOT NULL AND marker <> p_keys[j] THEN 'conflict'
      WHEN voided THEN 'voided'
      WHEN p_kinds[j] = 'debit' AND owner IS NULL THEN 'insufficient'
      ELSE 'ok' END;
    RETURN NEXT;
  END LOOP;
END
$fn$;
`;
}

interface KeyRow {
  id: string;
  name: string;
  prefix: string;
  hash: string;
  qps: number;
  credits: string;
  revoked_at: Date | null;
  created_at: Date;
}

function toRecord(row: KeyRow): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    qps: row.qps,
    credits: Number(row.credits),
    revoked: row.revoked_at !== null,
    createdAt: row.created_at.toISOString(),
  };
}

export interface PostgresAccountStoreOptions extends GroupCommitOptions {
  readonly connectionString: string;
  /** Schema holding the tables (default "kolscope"); tests use a fresh one per run. */
  readonly schema?: string | undefined;
  /** Connections in the pool (default 10). */
  readonly poolSize?: number;
  readonly onUsageError?: (error: unknown) => void;
  /** How long authenticate() may reuse a looked-up key (default 1000 ms): the delay before a revocation
   * made by another process is seen. */
  readonly authCacheMs?: number;
  /** Longest wait for a connection, new or from the pool (default 2000 ms). */
  readonly connectTimeoutMs?: number | undefined;
  /**
   * Longest run of one statement (default 2000 ms): PostgreSQL cancels it (statement_timeout), and the client
   * gives up 500 ms later if no answer comes at all (a stalled network or server).
   */
  readonly statementTimeoutMs?: number | undefined;
  /** How often refunds kept while the database was unavailable are retried (default 1000 ms). */
  readonly refundRetryMs?: number | undefined;
}

/** Refunds kept while the database is unavailable, at most (beyond, they are logged as lost). */
const MAX_KEPT_REFUNDS = 100_000;

export const DEFAULT_PG_CONNECT_TIMEOUT_MS = 2000;
export const DEFAULT_PG_STATEMENT_TIMEOUT_MS = 2000;

const DEADLOCK = '40P01';

export class PostgresAccountStore implements AccountStore {
  private readonly cache: KeyCache;
  private readonly credits: GroupCommitQueue;
  private readonly usageBuffer: UsageBuffer;
  private closed = false;
  private readonly connectTimeoutMs: number;
  /** Refunds that met an unavailable database: request id → key id, retried by a timer. */
  private readonly keptRefunds = new Map<string, string>();
  private refundTimer: NodeJS.Timeout | null = null;
  private readonly refundRetryMs: number;
  private readonly report: (error: unknown) => void;

  private constructor(
    private readonly pool: pg.Pool,
    /** The schema, validated as a plain identifier, so it can be written into SQL. */
    readonly schema: string,
    options: PostgresAccountStoreOptions,
  ) {
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_PG_CONNECT_TIMEOUT_MS;
    this.refundRetryMs = options.refundRetryMs ?? 1000;
    this.report =
      options.onUsageError ?? ((e) => process.stderr.write(`kolscope: ${(e as Error).message}\n`));
    this.cache = new KeyCache(options.authCacheMs);
    this.credits = new GroupCommitQueue((batch) => this.applyCreditOps(batch), {
      maxBatch: options.maxBatch,
      maxInFlight: options.maxInFlight ?? 2,
    });
    this.usageBuffer = new UsageBuffer(
      (rows) => this.writeUsage(rows),
      options.onUsageError ??
        ((e) => process.stderr.write(`kolscope: usage rows not recorded: ${(e as Error).message}\n`)),
    );
  }

  /** Connects, creates the schema if needed (serialised across replicas by an advisory lock). */
  static async open(options: PostgresAccountStoreOptions): Promise<PostgresAccountStore> {
    const schema = options.schema ?? 'kolscope';
    if (!SCHEMA_NAME.test(schema))
      throw new AccountError('invalid_input', `PostgreSQL schema must match ${SCHEMA_NAME}, got "${schema}"`);
    const statementTimeoutMs = options.statementTimeoutMs ?? DEFAULT_PG_STATEMENT_TIMEOUT_MS;
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_PG_CONNECT_TIMEOUT_MS,
      statement_timeout: statementTimeoutMs,
      query_timeout: statementTimeoutMs + 500,
      keepAlive: true,
    });
    // An idle client losing its connection must not crash the process; the next query reports it.
    pool.on('error', () => {});
    try {
      const client = await pool.connect();
      let failure: unknown;
      try {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`kolscope-accounts:${schema}`]);
        await client.query(schemaSql(schema));
        await client.query('COMMIT');
      } catch (error) {
        failure = error;
        throw error;
      } finally {
        client.release(failure !== undefined); // a failed connection is closed, not reused
      }
    } catch (error) {
      void pool.end().catch(() => {}); // not awaited: ending a stalled connection may never finish
      throw new DependencyUnavailableError('PostgreSQL', redactUrl(options.connectionString), error);
    }
    return new PostgresAccountStore(pool, schema, options);
  }

  async createKey(input: { name: string; credits: number; qps: number }): Promise<CreatedKey> {
    return (await this.insertKey(input, false))!;
  }

  async createFirstKey(input: { name: string; credits: number; qps: number }): Promise<CreatedKey | null> {
    return this.insertKey(input, true);
  }

  /**
   * With onlyIfNone, replicas serialise on an advisory lock held to the commit: under READ COMMITTED two
   * concurrent "insert where no key exists" would both see an empty table.
   */
  private async insertKey(
    input: { name: string; credits: number; qps: number },
    onlyIfNone: boolean,
  ): Promise<CreatedKey | null> {
    this.checkOpen();
    checkKeyInput(input);
    const key = generateApiKey();
    const id = generateKeyId();
    const s = this.schema;
    const client = await this.pool.connect().catch((error: unknown) => {
      throw storeError(error);
    });
    let failure: unknown;
    try {
      await client.query('BEGIN');
      if (onlyIfNone) {
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`kolscope-first-key:${s}`]);
        const existing = await client.query(`SELECT 1 FROM ${s}.api_keys LIMIT 1`);
        if (existing.rowCount !== 0) {
          await client.query('ROLLBACK');
          return null;
        }
      }
      const { rows } = await client.query<KeyRow>(
        `WITH k AS (
           INSERT INTO ${s}.api_keys (id, name, prefix, hash, qps, credits) VALUES ($1, $2, $3, $4, $5, $6)
           RETURNING *),
         g AS (
           INSERT INTO ${s}.ledger (key_id, request_id, delta, reason)
           SELECT id, 'grant:' || id, credits, 'grant' FROM k WHERE credits > 0)
         SELECT * FROM k`,
        [id, input.name, apiKeyPrefix(key), hashApiKey(key), input.qps, input.credits],
      );
      await client.query('COMMIT');
      return { id, key, record: toRecord(rows[0]!) };
    } catch (error) {
      failure = error;
      // The connection is closed below, which rolls back; a ROLLBACK sent here could wait on a stalled server.
      throw storeError(error);
    } finally {
      client.release(failure !== undefined);
    }
  }

  async authenticate(key: string): Promise<ApiKeyRecord | null> {
    this.checkOpen();
    return this.cache.authenticate(key, async (hash) => {
      const { rows } = await this.query<KeyRow>(`SELECT * FROM ${this.schema}.api_keys WHERE hash = $1`, [
        hash,
      ]);
      return rows[0] ? { hash: rows[0].hash, record: toRecord(rows[0]) } : null;
    });
  }

  async listKeys(): Promise<ApiKeyRecord[]> {
    this.checkOpen();
    const { rows } = await this.query<KeyRow>(
      `SELECT * FROM ${this.schema}.api_keys ORDER BY created_at, id`,
    );
    return rows.map(toRecord);
  }

  async topUp(id: string, credits: number): Promise<ApiKeyRecord> {
    this.checkOpen();
    checkCredits(credits, 'credits', 1);
    const s = this.schema;
    const { rows } = await this.query<KeyRow>(
      `WITH k AS (UPDATE ${s}.api_keys SET credits = credits + $2 WHERE id = $1 RETURNING *),
       l AS (INSERT INTO ${s}.ledger (key_id, request_id, delta, reason) SELECT id, $3, $2, 'topup' FROM k)
       SELECT * FROM k`,
      [id, credits, `topup:${randomUUID()}`],
    );
    if (!rows[0]) throw new AccountError('unknown_key', `no API key with id "${id}"`);
    this.cache.forget(id);
    return toRecord(rows[0]);
  }

  async revoke(id: string): Promise<ApiKeyRecord> {
    this.checkOpen();
    const { rows } = await this.query<KeyRow>(
      `UPDATE ${this.schema}.api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING *`,
      [id],
    );
    if (!rows[0]) throw new AccountError('unknown_key', `no API key with id "${id}"`);
    this.cache.forget(id);
    return toRecord(rows[0]);
  }

  async debit(keyId: string, requestId: string): Promise<DebitResult> {
    this.checkOpen();
    return this.credits.debit(keyId, requestId);
  }

  async refund(keyId: string, requestId: string): Promise<void> {
    this.checkOpen();
    try {
      await this.credits.refund(keyId, requestId);
    } catch (error) {
      if (!(error instanceof AccountStoreUnavailable)) throw error;
      this.keepRefund(keyId, requestId);
    }
  }

  /** Refunds kept for a retry (the database was unavailable when they were made). */
  get pendingRefunds(): number {
    return this.keptRefunds.size;
  }

  private keepRefund(keyId: string, requestId: string): void {
    if (this.keptRefunds.size >= MAX_KEPT_REFUNDS && !this.keptRefunds.has(requestId)) {
      this.report(new Error(`refund of request ${requestId} (key ${keyId}) lost: too many refunds waiting`));
      return;
    }
    this.keptRefunds.set(requestId, keyId);
    this.refundTimer ??= setTimeout(() => void this.retryRefunds(), this.refundRetryMs).unref();
  }

  /** One pass over the kept refunds; those the database still cannot take wait for the next pass. */
  private async retryRefunds(): Promise<void> {
    this.refundTimer = null;
    const kept = [...this.keptRefunds];
    await Promise.all(
      kept.map(async ([requestId, keyId]) => {
        try {
          await this.credits.refund(keyId, requestId);
          this.keptRefunds.delete(requestId);
        } catch (error) {
          if (error instanceof AccountStoreUnavailable) return;
          this.keptRefunds.delete(requestId);
          this.report(error);
        }
      }),
    );
    if (this.keptRefunds.size > 0 && !this.closed)
      this.refundTimer = setTimeout(() => void this.retryRefunds(), this.refundRetryMs).unref();
  }

  recordUsage(record: UsageRecord): void {
    if (this.closed) return;
    checkUsageRecord(record);
    this.usageBuffer.push(record);
  }

  async usage(keyId?: string): Promise<UsageSummary[]> {
    this.checkOpen();
    await this.usageBuffer.flush();
    const s = this.schema;
    const { rows } = await this.query<{
      key_id: string;
      requests: number;
      ok: number;
      avg_latency: number | null;
      last_at: Date | null;
      spent: string;
    }>(
      `SELECT k.id AS key_id,
              coalesce(u.requests, 0)::integer AS requests, coalesce(u.ok, 0)::integer AS ok,
              u.avg_latency, u.last_at, coalesce(-l.net, 0)::text AS spent
         FROM ${s}.api_keys k
         LEFT JOIN (SELECT key_id, count(*) AS requests,
                           count(*) FILTER (WHERE status BETWEEN 200 AND 299) AS ok,
                           avg(latency_ms) AS avg_latency, max(at) AS last_at
                      FROM ${s}.usage GROUP BY key_id) u ON u.key_id = k.id
         LEFT JOIN (SELECT key_id, sum(delta) AS net FROM ${s}.ledger
                     WHERE reason IN ('debit', 'refund') GROUP BY key_id) l ON l.key_id = k.id
        WHERE $1::text IS NULL OR k.id = $1
        ORDER BY k.created_at, k.id`,
      [keyId ?? null],
    );
    if (keyId !== undefined && rows.length === 0)
      throw new AccountError('unknown_key', `no API key with id "${keyId}"`);
    return rows.map((r) => ({
      keyId: r.key_id,
      requests: r.requests,
      ok: r.ok,
      errors: r.requests - r.ok,
      creditsSpent: Number(r.spent),
      avgLatencyMs: r.avg_latency ?? 0,
      lastAt: r.last_at ? r.last_at.toISOString() : null,
    }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.credits.drain();
    await this.usageBuffer.flush();
    if (this.refundTimer) clearTimeout(this.refundTimer);
    this.refundTimer = null;
    if (this.keptRefunds.size > 0) await this.retryRefunds(); // a last try, bounded by the timeouts
    this.closed = true;
    if (this.refundTimer) clearTimeout(this.refundTimer);
    if (this.keptRefunds.size > 0)
      this.report(new Error(`${this.keptRefunds.size} refunds not applied: the database stayed unavailable`));
    // Ending a connection to a stalled server waits for an answer that may never come: bounded.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.connectTimeoutMs);
      this.pool.end().then(
        () => (clearTimeout(timer), resolve()),
        () => (clearTimeout(timer), resolve()),
      );
    });
  }

  /** pool.query with the database's unavailability turned into AccountStoreUnavailable. */
  private async query<R extends pg.QueryResultRow>(
    sql: string,
    params?: unknown[],
  ): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(sql, params);
    } catch (error) {
      throw storeError(error);
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('account store is closed');
  }

  private async applyCreditOps(batch: readonly CreditOp[]): Promise<CreditOutcome[]> {
    // Same lock order in every batch (stable sort keeps a refund after its debit).
    const order = batch.map((_, i) => i).sort((a, b) => cmp(batch[a]!.keyId, batch[b]!.keyId) || a - b);
    const ops = order.map((i) => batch[i]!);
    for (let attempt = 1; ; attempt++) {
      try {
        const { rows } = await this.query<{ o_idx: number; o_outcome: string; o_remaining: string }>(
          `SELECT o_idx, o_outcome, o_remaining FROM ${this.schema}.apply_credit_ops($1::text[], $2::text[], $3::text[])`,
          [ops.map((o) => o.kind), ops.map((o) => o.keyId), ops.map((o) => o.requestId)],
        );
        if (rows.length !== batch.length)
          throw new Error(`apply_credit_ops answered ${rows.length} outcomes for ${batch.length} operations`);
        const outcomes: CreditOutcome[] = new Array(batch.length);
        for (const r of rows) {
          const op = ops[r.o_idx - 1]!;
          outcomes[order[r.o_idx - 1]!] = toOutcome(op, r.o_outcome, Number(r.o_remaining));
        }
        return outcomes;
      } catch (error) {
        // Deadlocks need another replica's batch to lock in a different order; retrying is safe (one statement).
        if ((error as { code?: string }).code !== DEADLOCK || attempt >= 3) throw error;
      }
    }
  }

  private async writeUsage(rows: readonly UsageRecord[]): Promise<void> {
    await this.query(
      `INSERT INTO ${this.schema}.usage (key_id, request_id, at, status, credits, latency_ms)
       SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::integer[], $5::integer[], $6::float8[])`,
      [
        rows.map((r) => r.keyId),
        rows.map((r) => r.requestId),
        rows.map((r) => r.at.toISOString()),
        rows.map((r) => r.status),
        rows.map((r) => r.credits),
        rows.map((r) => r.latencyMs),
      ],
    );
  }
}

// SQLSTATE classes 08 (connection exception), 53 (insufficient resources), 57 (operator intervention,
// including 57014: cancelled by statement_timeout), and the errors of pg and the socket on a lost or
// stalled connection.
const UNAVAILABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const UNAVAILABLE_MESSAGE =
  /Query read timeout|timeout exceeded when trying to connect|Connection terminated|timeout expired|connection error|Cannot use a pool after calling end/;

/** AccountStoreUnavailable when the error says the database cannot answer now; the error itself otherwise. */
function storeError(error: unknown): unknown {
  if (error instanceof AccountStoreUnavailable || !(error instanceof Error)) return error;
  const code = (error as { code?: unknown }).code;
  const unavailable =
    typeof code === 'string' && (/^(08|53|57)/.test(code) || UNAVAILABLE_SOCKET_CODES.has(code))
      ? true
      : UNAVAILABLE_MESSAGE.test(error.message);
  return unavailable ? new AccountStoreUnavailable(error) : error;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function toOutcome(op: CreditOp, outcome: string, remaining: number): CreditOutcome {
  switch (outcome) {
    case 'ok':
      return { kind: 'ok', remaining };
    case 'insufficient':
      return { kind: 'insufficient', remaining };
    case 'unknown_key':
      return { kind: 'error', error: new AccountError('unknown_key', `no API key with id "${op.keyId}"`) };
    case 'voided':
      return {
        kind: 'error',
        error: new AccountError(
          'request_refunded',
          `request id "${op.requestId}" was refunded before its debit: not charged`,
        ),
      };
    case 'conflict':
      return {
        kind: 'error',
        error: new AccountError(
          'request_id_conflict',
          `request id "${op.requestId}" was already charged to another key than "${op.keyId}"`,
        ),
      };
    default:
      throw new Error(`apply_credit_ops returned an unknown outcome "${outcome}"`);
  }
}
