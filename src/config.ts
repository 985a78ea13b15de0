// Service configuration: read from the environment once, at start-up, and validated with clear errors.

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** PostgreSQL connection string: when set, accounts live in PostgreSQL instead of SQLite. */
  readonly databaseUrl: string | undefined;
  /** Redis URL: when set, QPS limits are global across replicas instead of per process. */
  readonly redisUrl: string | undefined;
  readonly logLevel: string;
  /** When set, GET /metrics requires `Authorization: Bearer <metricsToken>`. */
  readonly metricsToken: string | undefined;
  /** PostgreSQL: longest wait for a connection (DATABASE_CONNECT_TIMEOUT_MS, default 2000). */
  readonly databaseConnectTimeoutMs?: number | undefined;
  /** PostgreSQL: longest run of one statement (DATABASE_STATEMENT_TIMEOUT_MS, default 2000). */
  readonly databaseStatementTimeoutMs?: number | undefined;
  /** Redis: longest wait on one QPS check before the per-replica fallback decides (REDIS_TIMEOUT_MS, 150). */
  readonly redisTimeoutMs?: number | undefined;
  /** Redis: longest wait for the connection at start (REDIS_CONNECT_TIMEOUT_MS, default 2000). */
  readonly redisConnectTimeoutMs?: number | undefined;
  /** HTTP: headers must arrive within this (HTTP_HEADERS_TIMEOUT_MS, 10000); else 408 and closed. */
  readonly httpHeadersTimeoutMs?: number | undefined;
  /** HTTP: the whole request within this (HTTP_REQUEST_TIMEOUT_MS, 15000); else 408 and closed. */
  readonly httpRequestTimeoutMs?: number | undefined;
  /** HTTP: idle keep-alive connections are closed after this (HTTP_KEEP_ALIVE_TIMEOUT_MS, 5000). */
  readonly httpKeepAliveTimeoutMs?: number | undefined;
  /** HTTP: a request is answered within this or gets a 503, nothing charged (HTTP_DEADLINE_MS, 2000). */
  readonly httpDeadlineMs?: number | undefined;
  /** Shutdown: in-flight requests get this long before their connections are closed (SHUTDOWN_TIMEOUT_MS, 10000). */
  readonly shutdownTimeoutMs?: number | undefined;
  /** Requests per second one client address may send without a valid key (ANONYMOUS_QPS, 20). */
  readonly anonymousQps?: number | undefined;
  /** Regions this replica loads and serves (REGIONS=US,GB; unset: every region of the snapshot). */
  readonly regions?: readonly string[] | undefined;
  /** SQLite accounts: what a committed debit survives (ACCOUNTS_DURABILITY=process|power, default process). */
  readonly accountsDurability?: 'process' | 'power' | undefined;
}

export class ConfigError extends Error {}

function port(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new ConfigError(`PORT must be an integer 0–65535, got "${raw}"`);
  return n;
}

function millis(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 600_000)
    throw new ConfigError(`${name} must be an integer number of milliseconds 1–600000, got "${raw}"`);
  return n;
}

function positive(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000)
    throw new ConfigError(`${name} must be an integer 1–1000000, got "${raw}"`);
  return n;
}

/** REGIONS: comma-separated two-letter codes, case-insensitive, upper-cased and deduplicated. */
function regions(raw: string | undefined): readonly string[] | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const codes = raw.split(',').map((r) => r.trim().toUpperCase());
  const bad = codes.find((r) => !/^[A-Z]{2}$/.test(r));
  if (bad !== undefined)
    throw new ConfigError(
      `REGIONS must be two-letter region codes separated by commas (US,GB), got "${raw}"`,
    );
  return [...new Set(codes)];
}

function durability(raw: string | undefined): 'process' | 'power' | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw !== 'process' && raw !== 'power')
    throw new ConfigError(`ACCOUNTS_DURABILITY must be process or power, got "${raw}"`);
  return raw;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const logLevel = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel))
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  // Read by the index's load worker, from the same environment: checked here so a bad value stops the start.
  keyBucketSize(env);
  return {
    port: port(env.PORT, 8080),
    host: env.HOST || '127.0.0.1',
    dataDir: env.DATA_DIR || './data',
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    logLevel,
    metricsToken: env.METRICS_TOKEN || undefined,
    databaseConnectTimeoutMs: millis('DATABASE_CONNECT_TIMEOUT_MS', env.DATABASE_CONNECT_TIMEOUT_MS),
    databaseStatementTimeoutMs: millis('DATABASE_STATEMENT_TIMEOUT_MS', env.DATABASE_STATEMENT_TIMEOUT_MS),
    redisTimeoutMs: millis('REDIS_TIMEOUT_MS', env.REDIS_TIMEOUT_MS),
    redisConnectTimeoutMs: millis('REDIS_CONNECT_TIMEOUT_MS', env.REDIS_CONNECT_TIMEOUT_MS),
    httpHeadersTimeoutMs: millis('HTTP_HEADERS_TIMEOUT_MS', env.HTTP_HEADERS_TIMEOUT_MS),
    httpRequestTimeoutMs: millis('HTTP_REQUEST_TIMEOUT_MS', env.HTTP_REQUEST_TIMEOUT_MS),
    httpKeepAliveTimeoutMs: millis('HTTP_KEEP_ALIVE_TIMEOUT_MS', env.HTTP_KEEP_ALIVE_TIMEOUT_MS),
    httpDeadlineMs: millis('HTTP_DEADLINE_MS', env.HTTP_DEADLINE_MS),
    shutdownTimeoutMs: millis('SHUTDOWN_TIMEOUT_MS', env.SHUTDOWN_TIMEOUT_MS),
    anonymousQps: positive('ANONYMOUS_QPS', env.ANONYMOUS_QPS),
    regions: regions(env.REGIONS),
    accountsDurability: durability(env.ACCOUNTS_DURABILITY),
    ...overrides,
  };
}

/**
 * Days of daily history an ingest keeps in each snapshot (HISTORY_DAYS, default 365, at most 3650): the
 * trend endpoint serves any range inside them. Read by the ingest, not by the server.
 */
export function historyDays(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.HISTORY_DAYS;
  if (raw === undefined || raw === '') return 365;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 3650)
    throw new ConfigError(`HISTORY_DAYS must be an integer 1–3650, got "${raw}"`);
  return n;
}

/**
 * DuckDB's memory limit for the pipeline's warehouse (KOLSCOPE_DUCKDB_MEMORY, default 4GB: a number and a
 * unit, KB to TB or KiB to TiB). Read by the ingest, not by the server.
 */
export function duckdbMemory(env: NodeJS.ProcessEnv = process.env): string {
  const raw = env.KOLSCOPE_DUCKDB_MEMORY?.trim();
  if (raw === undefined || raw === '') return '4GB';
  if (!/^\d+(\.\d+)?\s*(K|M|G|T)i?B$/i.test(raw))
    throw new ConfigError(`KOLSCOPE_DUCKDB_MEMORY must be a size such as 4GB or 512MiB, got "${raw}"`);
  return raw;
}

/**
 * Positions per bucket of the index's key counts (KOLSCOPE_KEY_BUCKET, default 4096, 16–1048576): tests set
 * small buckets so that their small regions get key counts. Read when an index is loaded.
 */
export function keyBucketSize(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.KOLSCOPE_KEY_BUCKET?.trim();
  if (raw === undefined || raw === '') return 4096;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 16 || n > 1_048_576)
    throw new ConfigError(`KOLSCOPE_KEY_BUCKET must be an integer 16–1048576, got "${raw}"`);
  return n;
}
