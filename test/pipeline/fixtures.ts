// Hand-made raw batches for the pipeline tests: small, explicit rows in any of the three raw formats.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { RAW_PARQUET_TYPES, RAW_TABLES, type RawTableName } from '../../src/raw/format.ts';

export type Row = Record<string, unknown>;
export type Batch = Partial<Record<RawTableName, Row[]>>;

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `kolscope-${prefix}-`));
}

const csvCell = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  const s = Array.isArray(v) ? v.join(';') : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** Writes one batch directory RAW/DAY/<table>.<format> (an empty batch when `tables` is empty). */
export async function writeBatch(
  rawDir: string,
  day: string,
  tables: Batch,
  format: 'ndjson' | 'csv' | 'parquet' = 'ndjson',
): Promise<void> {
  const dir = join(rawDir, day);
  await mkdir(dir, { recursive: true });
  for (const [name, rows] of Object.entries(tables) as [RawTableName, Row[]][]) {
    const table = RAW_TABLES.find((t) => t.name === name)!;
    const path = join(dir, `${name}.${format}`);
    if (format === 'ndjson') {
      await writeFile(path, rows.map((r) => JSON.stringify(r) + '\n').join(''));
    } else if (format === 'csv') {
      const header = table.columns.map((c) => c.name);
      const lines = [header.join(','), ...rows.map((r) => header.map((h) => csvCell(r[h])).join(','))];
      await writeFile(path, lines.join('\n') + '\n');
    } else {
      // Through DuckDB with the documented parquet types, from an NDJSON copy.
      const tmp = `${path}.tmp.ndjson`;
      await writeFile(tmp, rows.map((r) => JSON.stringify(r) + '\n').join(''));
      const columns = table.columns
        .map((c) => `'${c.name}': '${c.type === 'timestamp' ? 'VARCHAR' : RAW_PARQUET_TYPES[c.type]}'`)
        .join(', ');
      const select = table.columns
        .map((c) =>
          c.type === 'timestamp' ? `CAST(replace(${c.name}, 'Z', '') AS TIMESTAMP) AS ${c.name}` : c.name,
        )
        .join(', ');
      const instance = await DuckDBInstance.create(':memory:');
      const connection = await instance.connect();
      await connection.run(
        `COPY (SELECT ${select} FROM read_json('${tmp}', format = 'newline_delimited', columns = {${columns}})) TO '${path}' (FORMAT parquet)`,
      );
      connection.closeSync();
      instance.closeSync();
      const { rm } = await import('node:fs/promises');
      await rm(tmp);
    }
  }
}

/** Rows of a parquet file (or any DuckDB source) as plain objects, with bigint turned into number. */
export async function readRows(sql: string): Promise<Row[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const result = await connection.runAndReadAll(sql);
    return (result.getRowObjectsJS() as Row[]).map((row) =>
      Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

export function profile(userId: string, region: string, extra: Row = {}): Row {
  return {
    user_id: userId,
    unique_id: `user${userId}`,
    nick_name: `User ${userId}`,
    avatar: `https://img.example/${userId}.jpg`,
    signature: '',
    region,
    language: 'en',
    gender: '',
    category: 'Beauty',
    contact_email: '',
    seller_id: null,
    show_case_flag: 0,
    off_mark: 0,
    ...extra,
  };
}

export function stats(userId: string, followers: number, digg: number, extra: Row = {}): Row {
  return {
    user_id: userId,
    followers_cnt: followers,
    following_cnt: 300,
    likes_received_cnt: digg,
    likes_given_cnt: 40,
    video_cnt: 3,
    ...extra,
  };
}

export function video(
  videoId: string,
  userId: string,
  createTime: string,
  durationSec: number,
  counts: { views: number; likes: number; comments: number; shares: number },
  productIds: string[] = [],
): Row {
  return {
    video_id: videoId,
    user_id: userId,
    create_time: createTime,
    duration_sec: durationSec,
    views_cnt: counts.views,
    likes_cnt: counts.likes,
    comments_cnt: counts.comments,
    shares_cnt: counts.shares,
    product_ids: productIds,
  };
}

export function sale(
  userId: string,
  productId: string,
  categoryId: string,
  channel: 'video' | 'live',
  units: number,
  gmv: number,
): Row {
  return {
    user_id: userId,
    product_id: productId,
    product_category_id: categoryId,
    channel,
    units,
    gmv_amt: gmv,
    price_amt: units > 0 ? Math.round((gmv / units) * 100) / 100 : 0,
  };
}

export function live(liveId: string, userId: string, startTime: string): Row {
  return {
    live_id: liveId,
    user_id: userId,
    start_time: startTime,
    duration_sec: 3600,
    viewers_cnt: 500,
    gmv_amt: 0,
  };
}

/** Consecutive days from `first` (YYYY-MM-DD), `count` of them. */
export function days(first: string, count: number): string[] {
  const out: string[] = [];
  const d = new Date(`${first}T00:00:00Z`);
  for (let i = 0; i < count; i++) {
    out.push(d.toISOString().slice(0, 10));
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return out;
}
