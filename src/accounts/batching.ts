// Machinery shared by both account stores: group commit of debits/refunds, the short-lived key cache and the
// usage buffer. Storage-specific work is passed in as functions.
import type { ApiKeyRecord, DebitResult, UsageRecord } from './types.ts';
import { hashApiKey, isWellFormedApiKey, sameKeyHash } from './keys.ts';
import { checkRequestId } from './errors.ts';

/** One debit or refund waiting for the next group commit. */
export interface CreditOp {
  readonly kind: 'debit' | 'refund';
  readonly keyId: string;
  readonly requestId: string;
}

/** What the storage reports for each op of a committed batch, in batch order. */
export type CreditOutcome =
  | { readonly kind: 'ok'; readonly remaining: number }
  | { readonly kind: 'insufficient'; readonly remaining: number }
  | { readonly kind: 'error'; readonly error: Error };

/** What AccountStore.debit returns for a committed op's outcome (errors are thrown). */
export function debitResult(outcome: CreditOutcome): DebitResult {
  if (outcome.kind === 'error') throw outcome.error;
  if (outcome.kind === 'ok') return { ok: true, remaining: outcome.remaining };
  return { ok: false, reason: 'insufficient_credits', remaining: outcome.remaining };
}

/** AccountStore.refund's check of a committed op's outcome. */
export function refundResult(outcome: CreditOutcome): void {
  if (outcome.kind === 'error') throw outcome.error;
}

export interface GroupCommitOptions {
  /** Most ops applied in one transaction (1 = one transaction per op, for comparison only). */
  readonly maxBatch?: number;
  /** Batches committing at the same time (SQLite: 1, it is synchronous anyway). */
  readonly maxInFlight?: number;
}

interface Pending {
  readonly op: CreditOp;
  resolve(outcome: CreditOutcome): void;
  reject(error: unknown): void;
}

/**
 * Ops arriving while the previous batch commits (or within the same tick) are applied together in one
 * transaction; each promise resolves after that transaction has committed. Order is kept: a refund queued
 * after its debit is applied after it.
 */
export class GroupCommitQueue {
  private queue: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;
  private idle: (() => void)[] = [];
  private readonly maxBatch: number;
  private readonly maxInFlight: number;

  constructor(
    private readonly commit: (batch: readonly CreditOp[]) => Promise<CreditOutcome[]>,
    options: GroupCommitOptions = {},
  ) {
    this.maxBatch = Math.max(1, options.maxBatch ?? 1000);
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 1);
  }

  /** AccountStore.debit for either store: validated, queued, answered after its batch committed. */
  async debit(keyId: string, requestId: string): Promise<DebitResult> {
    checkRequestId(requestId);
    return debitResult(await this.submit({ kind: 'debit', keyId, requestId }));
  }

  /** AccountStore.refund for either store. */
  async refund(keyId: string, requestId: string): Promise<void> {
    checkRequestId(requestId);
    refundResult(await this.submit({ kind: 'refund', keyId, requestId }));
  }

  submit(op: CreditOp): Promise<CreditOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once every op submitted so far has been committed (or failed). */
  drain(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled || this.queue.length === 0 || this.inFlight >= this.maxInFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.queue.length > 0 && this.inFlight < this.maxInFlight) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      // new Promise(...) also turns a synchronous throw of commit() (SQLite) into a rejection.
      new Promise<CreditOutcome[]>((resolve) => resolve(this.commit(batch.map((p) => p.op))))
        .then(
          (outcomes) => batch.forEach((p, i) => p.resolve(outcomes[i]!)),
          (error: unknown) => batch.forEach((p) => p.reject(error)),
        )
        .finally(() => {
          this.inFlight--;
          this.schedule();
          if (this.queue.length === 0 && this.inFlight === 0) this.idle.splice(0).forEach((f) => f());
        });
    }
  }
}

/**
 * hash → key record for authenticate(), so that a hot key costs no query. Entries live ~1 s, so a revocation
 * made elsewhere (another replica, the CLI) takes effect within that; one made through this store is immediate.
 * Balances are never taken from here: debit() returns them from the database.
 */
export class KeyCache {
  private readonly entries = new Map<string, { record: ApiKeyRecord; hash: string; expires: number }>();

  constructor(
    private readonly ttlMs = 1000,
    private readonly maxEntries = 10_000,
  ) {}

  get(hash: string): ApiKeyRecord | undefined {
    const entry = this.entries.get(hash);
    if (!entry) return undefined;
    if (entry.expires <= Date.now() || !sameKeyHash(entry.hash, hash)) {
      this.entries.delete(hash);
      return undefined;
    }
    return entry.record;
  }

  set(hash: string, record: ApiKeyRecord): void {
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(hash, { record, hash, expires: Date.now() + this.ttlMs });
  }

  /**
   * AccountStore.authenticate for either store: `lookup` finds a key by hash in the database (with its stored
   * hash, compared in constant time). Only well-formed keys are ever cached, so a hit needs no checksum.
   */
  async authenticate(
    key: string,
    lookup: (hash: string) => Promise<{ hash: string; record: ApiKeyRecord } | null>,
  ): Promise<ApiKeyRecord | null> {
    if (typeof key !== 'string') return null;
    const hash = hashApiKey(key);
    const cached = this.get(hash);
    if (cached) return cached;
    if (!isWellFormedApiKey(key)) return null;
    const found = await lookup(hash);
    if (!found || !sameKeyHash(found.hash, hash)) return null;
    this.set(hash, found.record);
    return found.record;
  }

  forget(keyId: string): void {
    for (const [hash, entry] of this.entries) if (entry.record.id === keyId) this.entries.delete(hash);
  }
}

/**
 * Usage rows are written in batches: every `intervalMs`, when `maxRows` are waiting, and on close().
 * A crash loses at most the last interval of usage rows (never credits: those are in the ledger).
 */
export class UsageBuffer {
  private rows: UsageRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly write: (rows: readonly UsageRecord[]) => Promise<void>,
    private readonly onError: (error: unknown) => void,
    private readonly intervalMs = 200,
    private readonly maxRows = 1000,
  ) {}

  push(row: UsageRecord): void {
    this.rows.push(row);
    if (this.rows.length >= this.maxRows) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.intervalMs);
      this.timer.unref();
    }
  }

  /** Writes everything pushed so far; resolves when it is stored. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const rows = this.rows;
    this.rows = [];
    this.writing = this.writing.then(async () => {
      if (rows.length === 0) return;
      try {
        await this.write(rows);
      } catch (error) {
        this.onError(error);
      }
    });
    return this.writing;
  }
}
