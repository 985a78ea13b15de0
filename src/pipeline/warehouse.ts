// The persistent DuckDB warehouse (DATA_DIR/warehouse.duckdb): typed raw history, one table per raw table
// (plus the crawl day), and small derived state tables kept up to date one day at a time (see state.ts).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { RAW_TABLES, type RawColumnType, type RawTable, type RawTableName } from '../raw/format.ts';
import { duckdbMemory } from '../config.ts';

/** Bumped when the warehouse layout changes; an older warehouse must be rebuilt from its raw batches. */
export const WAREHOUSE_VERSION = 4;

export interface WarehouseOptions {
  /** DuckDB memory_limit, e.g. "4GB" (default: $KOLSCOPE_DUCKDB_MEMORY, else 4GB). */
  readonly memoryLimit?: string;
  /** DuckDB worker threads (default 2). */
  readonly threads?: number;
}

export interface Warehouse {
  readonly path: string;
  readonly connection: DuckDBConnection;
  close(): void;
}

export class WarehouseError extends Error {}

/**
 * Money as loaded: exact decimals to the micro-dollar (6 places; more places are rounded half away from
 * zero), below 10^12 per value. Sums of it are exact (DuckDB widens a DECIMAL sum to 38 digits).
 */
export const MONEY_SQL_TYPE = 'DECIMAL(18,6)';
/** Largest money value accepted (exclusive), see MONEY_SQL_TYPE. */
export const MONEY_LIMIT = '1000000000000';

/** SQL type of a raw column once validated. Ids are HUGEINT: 20 decimal digits exceed UBIGINT. */
export function rawSqlType(type: RawColumnType): string {
  switch (type) {
    case 'id':
      return 'HUGEINT';
    case 'string':
      return 'VARCHAR';
    case 'count':
    case 'int':
      return 'BIGINT';
    case 'money':
      return MONEY_SQL_TYPE;
    case 'timestamp':
      return 'TIMESTAMP';
    case 'id_list':
      return 'HUGEINT[]';
  }
}

/** Name of the warehouse table holding a raw table's history. */
export function rawHistoryTable(name: RawTableName): string {
  return `raw_${name}`;
}

export function rawColumnsDdl(table: RawTable): string {
  return table.columns.map((c) => `${c.name} ${rawSqlType(c.type)}`).join(', ');
}

/**
 * Id columns of the state tables, which every day's statements scan and join: stored uncompressed, because
 * DuckDB's bit-packing of these HUGEINT ids decodes ~30x slower than a plain read (a 7M-row video_latest:
 * 0.9 s against 0.03 s of CPU per scan of user_id).
 */
export const STATE_ID = 'HUGEINT USING COMPRESSION uncompressed';

/** Column definitions of a raw table with the state tables' id storage. */
function stateColumnsDdl(name: RawTableName): string {
  const table = RAW_TABLES.find((t) => t.name === name)!;
  return table.columns.map((c) => `${c.name} ${c.type === 'id' ? STATE_ID : rawSqlType(c.type)}`).join(', ');
}

/**
 * Per-influencer state on the last loaded day: first appearance, the first value of each series (the
 * baseline of windows that start before the influencer was observed; null until first observed) and the
 * carried-forward latest values (profile counters from the latest profile_stats row; views/pv_views are the
 * sums over the influencer's videos of their latest observation, null before the first one).
 */
export const INFLUENCER_STATE_COLUMNS = `user_id ${STATE_ID}, first_day DATE,
  stats_day DATE, first_followers BIGINT, first_digg BIGINT, video_day DATE, first_views BIGINT, first_pv_views BIGINT,
  followers BIGINT, digg BIGINT, following BIGINT, likes_given BIGINT, video_cnt BIGINT, views BIGINT, pv_views BIGINT`;

const STATE_DDL = [
  `CREATE TABLE IF NOT EXISTS warehouse_meta (key VARCHAR PRIMARY KEY, value VARCHAR)`,
  // One row per loaded crawl day.
  `CREATE TABLE IF NOT EXISTS batches (day DATE PRIMARY KEY, loaded_at TIMESTAMP, files VARCHAR, rows_loaded BIGINT, rows_rejected BIGINT)`,
  // Carried-forward daily series per influencer (one row per known influencer per day): the window edges of
  // every increment are point lookups in here. followers/digg are NULL before the first profile_stats row,
  // views/pv_views before the first video observation.
  `CREATE TABLE IF NOT EXISTS influencer_daily (day DATE, user_id ${STATE_ID}, followers BIGINT, digg BIGINT, views BIGINT, pv_views BIGINT)`,
  `CREATE TABLE IF NOT EXISTS influencer_state (${INFLUENCER_STATE_COLUMNS})`,
  `CREATE TABLE IF NOT EXISTS profile_latest (day DATE, ${stateColumnsDdl('profiles')})`,
  `CREATE TABLE IF NOT EXISTS video_latest (video_id ${STATE_ID}, user_id ${STATE_ID}, day DATE, create_time TIMESTAMP, duration_sec BIGINT, views BIGINT, likes BIGINT, comments BIGINT, shares BIGINT, has_products BOOLEAN)`,
  // Distinct (influencer, product) pairs promoted in a video or sold, all time.
  `CREATE TABLE IF NOT EXISTS influencer_products (user_id ${STATE_ID}, product_id ${STATE_ID})`,
  `CREATE TABLE IF NOT EXISTS product_latest (product_id ${STATE_ID}, day DATE, category_id HUGEINT, price ${MONEY_SQL_TYPE})`,
  // Category of products only ever seen in product_sales: from their latest sales day.
  `CREATE TABLE IF NOT EXISTS product_sale_category (product_id ${STATE_ID}, day DATE, category_id HUGEINT)`,
  `CREATE TABLE IF NOT EXISTS sales_totals (user_id ${STATE_ID}, units BIGINT, gmv DECIMAL(38,6))`,
  `CREATE TABLE IF NOT EXISTS live_sessions (live_id ${STATE_ID}, user_id ${STATE_ID}, day DATE)`,
];

/** Opens (creating when needed) DATA_DIR/warehouse.duckdb with bounded memory and spill space. */
export async function openWarehouse(dataDir: string, options: WarehouseOptions = {}): Promise<Warehouse> {
  await mkdir(dataDir, { recursive: true });
  const tempDir = join(dataDir, 'tmp', 'duckdb');
  await mkdir(tempDir, { recursive: true });
  const path = join(dataDir, 'warehouse.duckdb');
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(path, {
      memory_limit: options.memoryLimit ?? duckdbMemory(),
      threads: String(options.threads ?? 2),
      temp_directory: tempDir,
      // Order is always explicit (ORDER BY); not preserving it lets large inserts stream with less memory.
      preserve_insertion_order: 'false',
    });
  } catch (err) {
    const message = (err as Error).message;
    if (/lock/i.test(message))
      throw new WarehouseError(
        `${path} is in use by another process (is another ingest running?): ${message}`,
      );
    throw new WarehouseError(`cannot open ${path}: ${message}`);
  }
  const connection = await instance.connect();
  try {
    // The layout version is checked before anything is created, so a refused older warehouse is left as it was.
    await connection.run(STATE_DDL[0]!);
    const version = await connection.runAndReadAll(`SELECT value FROM warehouse_meta WHERE key = 'version'`);
    const found = version.getRowsJS()[0]?.[0];
    if (found !== undefined && found !== String(WAREHOUSE_VERSION)) {
      throw new WarehouseError(
        `${path} has layout version ${String(found)}, this Kolscope expects ${WAREHOUSE_VERSION}: ` +
          `move it away and ingest the raw batches again`,
      );
    }
    for (const table of RAW_TABLES) {
      await connection.run(
        `CREATE TABLE IF NOT EXISTS ${rawHistoryTable(table.name)} (day DATE, ${rawColumnsDdl(table)})`,
      );
    }
    for (const ddl of STATE_DDL.slice(1)) await connection.run(ddl);
    if (found === undefined)
      await connection.run(`INSERT INTO warehouse_meta VALUES ('version', '${WAREHOUSE_VERSION}')`);
  } catch (err) {
    connection.closeSync();
    instance.closeSync();
    throw err;
  }
  return {
    path,
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** The days already loaded, ascending (YYYY-MM-DD). */
export async function loadedDays(connection: DuckDBConnection): Promise<string[]> {
  const result = await connection.runAndReadAll(`SELECT strftime(day, '%Y-%m-%d') FROM batches ORDER BY day`);
  return result.getRowsJS().map((r) => String(r[0]));
}
