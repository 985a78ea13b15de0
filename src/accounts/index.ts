// The accounts stage's public surface: API keys, credits with their ledger, usage and QPS limits.
// Implementations are chosen once, here: DATABASE_URL → PostgreSQL, else SQLite in DATA_DIR;
// REDIS_URL → Redis or a Redis Cluster (global limits), else in-process memory. pg and ioredis load only
// when used. A dependency that cannot be reached here is a DependencyUnavailableError (one line, exit 2);
// while serving, a stalled PostgreSQL is an AccountStoreUnavailable (503) and a failing Redis hands the QPS
// checks to a per-replica limiter until it answers again.
import type { AccountStore, RateLimiter } from './types.ts';
import { SqliteAccountStore } from './sqlite.ts';
import type { AccountsDurability } from './sqlite-db.ts';
import { MemoryRateLimiter } from './memory-limiter.ts';

export type * from './types.ts';
export {
  AccountError,
  AccountStoreUnavailable,
  DependencyUnavailableError,
  MAX_CREDITS,
  MAX_QPS,
  redactUrl,
  type AccountErrorCode,
} from './errors.ts';
export { BURST_SECONDS } from './memory-limiter.ts';
export { ACCOUNTS_DB_FILE } from './sqlite.ts';
export { ACCOUNTS_DURABILITIES, type AccountsDurability } from './sqlite-db.ts';
export { generateApiKey, isWellFormedApiKey, hashApiKey, apiKeyPrefix, API_KEY_PREFIX } from './keys.ts';

export interface AccountsOptions {
  /** Where accounts.sqlite lives when no databaseUrl is given. */
  readonly dataDir: string;
  readonly databaseUrl?: string | undefined;
  readonly redisUrl?: string | undefined;
  /** SQLite: what a committed debit survives, `process` (default) or `power` (ACCOUNTS_DURABILITY). */
  readonly accountsDurability?: AccountsDurability | undefined;
  /** PostgreSQL schema holding the tables (default "kolscope"). */
  readonly pgSchema?: string | undefined;
  /** PostgreSQL: longest wait for a connection (default 2000 ms). */
  readonly databaseConnectTimeoutMs?: number | undefined;
  /** PostgreSQL: longest run of one statement (default 2000 ms). */
  readonly databaseStatementTimeoutMs?: number | undefined;
  /** Redis: longest wait on one QPS check before the per-replica fallback decides it (default 150 ms). */
  readonly redisTimeoutMs?: number | undefined;
  /** Redis: longest wait for the connection at start (default 2000 ms). */
  readonly redisConnectTimeoutMs?: number | undefined;
  /** Told when QPS checks switch to the per-replica fallback (with the cause) and back (default: stderr). */
  readonly onLimiterFallback?: ((active: boolean, cause?: Error) => void) | undefined;
}

export interface Accounts {
  readonly store: AccountStore;
  readonly limiter: RateLimiter;
  /** Which implementations were chosen, for start-up logs. */
  readonly describe: string;
}

/** Opens the key/credit store only (the CLI's keys and usage commands need no limiter). */
export async function openAccountStore(options: Omit<AccountsOptions, 'redisUrl'>): Promise<AccountStore> {
  if (options.databaseUrl) {
    const { PostgresAccountStore } = await import('./postgres.ts');
    return PostgresAccountStore.open({
      connectionString: options.databaseUrl,
      schema: options.pgSchema,
      connectTimeoutMs: options.databaseConnectTimeoutMs,
      statementTimeoutMs: options.databaseStatementTimeoutMs,
    });
  }
  return new SqliteAccountStore({ dataDir: options.dataDir, durability: options.accountsDurability });
}

export async function openRateLimiter(
  options: Pick<
    AccountsOptions,
    'redisUrl' | 'redisTimeoutMs' | 'redisConnectTimeoutMs' | 'onLimiterFallback'
  >,
): Promise<RateLimiter> {
  if (!options.redisUrl) return new MemoryRateLimiter();
  const { RedisRateLimiter } = await import('./redis-limiter.ts');
  return RedisRateLimiter.connect({
    url: options.redisUrl,
    commandTimeoutMs: options.redisTimeoutMs,
    connectTimeoutMs: options.redisConnectTimeoutMs,
    onFallback: options.onLimiterFallback,
  });
}

export async function openAccounts(options: AccountsOptions): Promise<Accounts> {
  const store = await openAccountStore(options);
  let limiter: RateLimiter;
  try {
    limiter = await openRateLimiter(options);
  } catch (error) {
    await store.close();
    throw error;
  }
  const describe =
    (options.databaseUrl
      ? `accounts in PostgreSQL (schema ${options.pgSchema ?? 'kolscope'})`
      : 'accounts in SQLite') +
    (options.redisUrl
      ? `, QPS limits in ${/^rediss?\+cluster:/i.test(options.redisUrl) ? 'a Redis Cluster' : 'Redis'}`
      : ', QPS limits per process');
  return { store, limiter, describe };
}
