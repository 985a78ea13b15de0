// Shared by the API tests: a small real snapshot, real account stores (SQLite, or PostgreSQL + Redis),
// and the app listening on a real port. Nothing of ours is mocked.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { DuckDBInstance } from '@duckdb/node-api';
import { writeSyntheticSnapshot } from '../../src/service/index.ts';
import { MemoryRateLimiter } from '../../src/accounts/memory-limiter.ts';
import { PostgresAccountStore } from '../../src/accounts/postgres.ts';
import { RedisRateLimiter } from '../../src/accounts/redis-limiter.ts';
import { ACCOUNTS_DB_FILE, SqliteAccountStore } from '../../src/accounts/sqlite.ts';
import type { AccountStore, RateLimiter } from '../../src/accounts/types.ts';
import { buildApp, type AppDeps } from '../../src/api/app.ts';
import { loadServingIndex } from '../../src/index/index.ts';
import type { ServingIndex } from '../../src/index/types.ts';
import type { InfluencerQuery } from '../../src/index/query.ts';
import { SERVED_FIELDS, SNAPSHOT_ROWS_FILE } from '../../src/snapshot/schema.ts';
import type { SnapshotInfo } from '../../src/snapshot/store.ts';
import { referenceCountSql, referenceSql } from '../oracle/reference-sql.ts';
import { TEST_DATABASE_URL, TEST_REDIS_URL, unavailable } from '../support/services.ts';

export const LIST = '/v1/tiktok/influencer/list/analytics';

export async function tempDir(label: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `kolscope-api-${label}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface TestSnapshot {
  readonly dataDir: string;
  readonly info: SnapshotInfo;
  readonly index: ServingIndex;
  remove(): Promise<void>;
}

/** A small synthetic snapshot (same schema and shapes as the pipeline's), activated and loaded. */
export async function testSnapshot(influencers = 3000, seed = 7): Promise<TestSnapshot> {
  const { dir, remove } = await tempDir('snapshot');
  const info = await writeSyntheticSnapshot({ dataDir: dir, influencers, seed, activate: true });
  const index = await loadServingIndex(info.dir);
  return {
    dataDir: dir,
    info,
    index,
    async remove() {
      index.close();
      await remove();
    },
  };
}

export interface LedgerRow {
  readonly requestId: string;
  readonly delta: number;
  readonly reason: string;
}

/** Real account storage for one test file, with read access to its ledger. */
export interface TestAccounts {
  readonly store: AccountStore;
  readonly limiter: RateLimiter;
  ledger(keyId: string): Promise<LedgerRow[]>;
  cleanup(): Promise<void>;
}

export interface AccountsBackend {
  readonly name: string;
  /** A skip reason when the servers are down (locally), false when they are up. */
  skip(): Promise<string | false>;
  open(): Promise<TestAccounts>;
}

export const SQLITE_BACKEND: AccountsBackend = {
  name: 'SQLite + in-process limiter',
  skip: async () => false,
  async open() {
    const { dir, remove } = await tempDir('accounts');
    const store = new SqliteAccountStore({ dataDir: dir });
    const limiter = new MemoryRateLimiter();
    const reader = new Database(join(dir, ACCOUNTS_DB_FILE), { readonly: true });
    return {
      store,
      limiter,
      ledger: async (keyId) =>
        reader
          .prepare<[string], LedgerRow>(
            `SELECT request_id AS requestId, delta, reason FROM ledger WHERE key_id = ? ORDER BY id`,
          )
          .all(keyId),
      async cleanup() {
        reader.close();
        await store.close();
        await limiter.close();
        await remove();
      },
    };
  },
};

export const SCALED_BACKEND: AccountsBackend = {
  name: 'PostgreSQL + Redis',
  async skip() {
    return (await unavailable('postgres')) || (await unavailable('redis'));
  },
  async open() {
    const schema = `kolscope_api_test_${process.pid}_${Date.now()}`;
    const store = await PostgresAccountStore.open({ connectionString: TEST_DATABASE_URL, schema });
    const limiter = await RedisRateLimiter.connect({ url: TEST_REDIS_URL, keyPrefix: `${schema}:` });
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    return {
      store,
      limiter,
      ledger: async (keyId) =>
        (
          await admin.query<{ requestId: string; delta: string; reason: string }>(
            `SELECT request_id AS "requestId", delta, reason FROM ${schema}.ledger WHERE key_id = $1 ORDER BY id`,
            [keyId],
          )
        ).rows.map((r) => ({ ...r, delta: Number(r.delta) })),
      async cleanup() {
        await store.close();
        await limiter.close();
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await admin.end();
      },
    };
  },
};

export interface TestServer {
  readonly app: FastifyInstance;
  readonly url: string;
  close(): Promise<void>;
}

/** The app listening on 127.0.0.1 on a free port. */
export async function listen(deps: AppDeps): Promise<TestServer> {
  const app = buildApp(deps);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url, close: () => app.close() };
}

export interface Envelope {
  code: number;
  message: string;
  data: Record<string, unknown>[] | null;
  requestId: string;
}

/** GET over real HTTP with an optional Bearer key; the body parsed as the envelope. */
export async function get(
  url: string,
  key?: string,
): Promise<{ status: number; headers: Headers; body: Envelope; text: string }> {
  const response = await fetch(url, key === undefined ? {} : { headers: { authorization: `Bearer ${key}` } });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: JSON.parse(text) as Envelope, text };
}

/** Request ids are UUIDv7 (time-ordered). */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The reference answer: DuckDB running the reference SQL over the snapshot's parquet, full served rows. */
export async function duckdbOracle(snapshotDir: string): Promise<{
  rows(q: InfluencerQuery): Promise<Record<string, unknown>[]>;
  total(q: InfluencerQuery): Promise<number>;
  close(): void;
}> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const conn = await instance.connect();
  const source = `read_parquet('${join(snapshotDir, SNAPSHOT_ROWS_FILE).replace(/'/g, "''")}')`;
  const columns = SERVED_FIELDS.map((f) => f.name).join(', ');
  return {
    async rows(q) {
      const reader = await conn.runAndReadAll(referenceSql(q, source, columns));
      return reader
        .getRowObjectsJS()
        .map((row) =>
          Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
        );
    },
    async total(q) {
      return Number((await conn.runAndReadAll(referenceCountSql(q, source))).getRows()[0]![0]);
    },
    close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
}
