// The accounts stage's public surface: API keys, credits with their ledger, usage and QPS limits.
// Implementations are chosen once, here: DATABASE_URL → PostgreSQL, else SQLite in DATA_DIR;
// REDIS_URL → Redis (global limits), else in-process memory. pg and ioredis load only when used.
import type { AccountStore, RateLimiter } from './types.ts';
import { SqliteAccountStore } from './sqlite.ts';
import { MemoryRateLimiter } from './memory-limiter.ts';

export type * from './types.ts';
export { AccountError, MAX_CREDITS, MAX_QPS, type AccountErrorCode } from './errors.ts';
export { ACCOUNTS_DB_FILE } from './sqlite.ts';
export { generateApiKey, isWellFormedApiKey, hashApiKey, apiKeyPrefix, API_KEY_PREFIX } from './keys.ts';

export interface AccountsOptions {
  /** Where accounts.sqlite lives when no databaseUrl is given. */
  readonly dataDir: string;
  readonly databaseUrl?: string | undefined;
  readonly redisUrl?: string | undefined;
  /** PostgreSQL schema holding the tables (default "kolscope"). */
  readonly pgSchema?: string | undefined;
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
    return PostgresAccountStore.open({ connectionString: options.databaseUrl, schema: options.pgSchema });
  }
  return new SqliteAccountStore({ dataDir: options.dataDir });
}

export async function openRateLimiter(redisUrl: string | undefined): Promise<RateLimiter> {
  if (!redisUrl) return new MemoryRateLimiter();
  const { RedisRateLimiter } = await import('./redis-limiter.ts');
  return RedisRateLimiter.connect({ url: redisUrl });
}

export async function openAccounts(options: AccountsOptions): Promise<Accounts> {
  const store = await openAccountStore(options);
  let limiter: RateLimiter;
  try {
    limiter = await openRateLimiter(options.redisUrl);
  } catch (error) {
    await store.close();
    throw error;
  }
  const describe =
    (options.databaseUrl
      ? `accounts in PostgreSQL (schema ${options.pgSchema ?? 'kolscope'})`
      : 'accounts in SQLite') + (options.redisUrl ? ', QPS limits in Redis' : ', QPS limits per process');
  return { store, limiter, describe };
}
