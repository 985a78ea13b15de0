// Accounts: API keys, credit balances with their ledger, request usage, and per-key QPS limits.
// Two implementations of each interface, chosen once at the composition root:
//   AccountStore: SQLite (embedded default) | PostgreSQL (DATABASE_URL)
//   RateLimiter:  in-memory (embedded default) | Redis (REDIS_URL)

export interface ApiKeyRecord {
  readonly id: string;
  readonly name: string;
  /** First characters of the key, shown in listings (e.g. "sk_live_AbC1"). */
  readonly prefix: string;
  readonly qps: number;
  readonly credits: number;
  readonly revoked: boolean;
  readonly createdAt: string;
}

export interface CreatedKey {
  readonly id: string;
  /** The full secret: returned once, never stored. */
  readonly key: string;
  readonly record: ApiKeyRecord;
}

/** Expected outcomes are values, not exceptions. */
export type DebitResult =
  | { readonly ok: true; readonly remaining: number }
  | { readonly ok: false; readonly reason: 'insufficient_credits'; readonly remaining: number };

export interface UsageRecord {
  readonly keyId: string;
  readonly requestId: string;
  readonly at: Date;
  readonly status: number;
  readonly credits: number;
  readonly latencyMs: number;
}

export interface UsageSummary {
  readonly keyId: string;
  readonly requests: number;
  readonly ok: number;
  readonly errors: number;
  readonly creditsSpent: number;
  readonly avgLatencyMs: number;
  readonly lastAt: string | null;
}

export interface AccountStore {
  createKey(input: { name: string; credits: number; qps: number }): Promise<CreatedKey>;
  /**
   * Creates a key only when none exists, atomically across processes sharing the store (replicas starting
   * together on an empty database get one first key between them); null when a key already exists.
   */
  createFirstKey(input: { name: string; credits: number; qps: number }): Promise<CreatedKey | null>;
  /** Looks a presented key up (hash compare); null for unknown keys. Revoked keys are returned with revoked=true. */
  authenticate(key: string): Promise<ApiKeyRecord | null>;
  listKeys(): Promise<ApiKeyRecord[]>;
  topUp(id: string, credits: number): Promise<ApiKeyRecord>;
  revoke(id: string): Promise<ApiKeyRecord>;
  /**
   * Debits one credit for a request, durably: the promise resolves only after the debit and its ledger
   * entry are committed (group-committed with concurrent debits). Idempotent per requestId.
   */
  debit(keyId: string, requestId: string): Promise<DebitResult>;
  /**
   * Gives back a debit whose request failed afterwards (or was abandoned: its debit timed out, the client
   * left). Idempotent per requestId. A refund that comes before its debit (a debit stalled on the way)
   * leaves a marker so that the debit, if it ever arrives, charges nothing (it is refused with
   * AccountError "request_refunded"). When the database cannot be reached (AccountStoreUnavailable), the
   * refund is kept in the process and retried until it is applied; the promise resolves once it is kept.
   */
  refund(keyId: string, requestId: string): Promise<void>;
  /** Records a finished request; buffered, flushed in batches. */
  recordUsage(record: UsageRecord): void;
  usage(keyId?: string): Promise<UsageSummary[]>;
  /** Flushes buffers and closes connections. */
  close(): Promise<void>;
}

export interface RateDecision {
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** Milliseconds until the current window resets. */
  readonly resetMs: number;
}

export interface RateLimiter {
  /** Counts one request of this key against its QPS limit. */
  hit(keyId: string, qps: number): Promise<RateDecision>;
  close(): Promise<void>;
}
