// The daily series step: each snapshot influencer's crawled days over the retained window, from the
// warehouse's raw history, written in the snapshot's history format (src/snapshot/history.ts).
// docs/metrics.md ("Daily history") defines each value; the SQL below is the implementation.
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import {
  dayNumber,
  dayString,
  HISTORY_DIR,
  HISTORY_FORMAT_VERSION,
  HISTORY_META_FILE,
  HISTORY_SERIES_FILE,
  HistoryKeyCursor,
  HistoryWriter,
  type HistoryMeta,
  type HistoryRecord,
} from '../snapshot/history.ts';
import { sqlString } from './validate.ts';

/** Days retained by default (HISTORY_DAYS overrides it). */
export const DEFAULT_HISTORY_DAYS = 365;

// Ids are split into two exact doubles (high part below 2^28, low 40 bits) so chunks are read as numbers.
const SPLIT = 2 ** 40;

/** A snapshot whose history the next day's can extend: its directory and rows file. */
export interface PreviousHistory {
  readonly snapshotDir: string;
  readonly rowsPath: string;
}

/**
 * Whether `snapshotDir` holds the history of the day before asOf over the same number of days: then the
 * step only appends asOf (and the full window of influencers new in this snapshot) to it.
 */
export function extendable(snapshotDir: string, asOf: string, days: number): boolean {
  const path = join(snapshotDir, HISTORY_DIR, HISTORY_META_FILE);
  if (!existsSync(path)) return false;
  const meta = JSON.parse(readFileSync(path, 'utf8')) as HistoryMeta;
  return (
    meta.format === HISTORY_FORMAT_VERSION &&
    dayNumber(meta.lastDay) === dayNumber(asOf) - 1 &&
    dayNumber(meta.lastDay) - dayNumber(meta.firstDay) + 1 === days
  );
}

/**
 * Writes <snapshotDir>/history/ for the `days` days ending on asOf (YYYY-MM-DD), for every influencer of
 * the snapshot's rows file. A day is crawled when the influencer has a profile_stats row that day.
 * With `previous` (see extendable()), the influencers it has keep their blocks, shifted by one day and
 * extended with asOf, and only asOf's rows and the new influencers' windows are read from the warehouse:
 * the result is byte-identical to a full build.
 */
export async function writeHistory(
  connection: DuckDBConnection,
  args: { asOf: string; days: number; rowsPath: string; snapshotDir: string; previous?: PreviousHistory },
): Promise<HistoryMeta> {
  if (!Number.isSafeInteger(args.days) || args.days < 1)
    throw new Error(`history days must be a positive integer, got ${args.days}`);
  const firstDay = dayString(dayNumber(args.asOf) - args.days + 1);
  const window = `day BETWEEN DATE ${sqlString(firstDay)} AND DATE ${sqlString(args.asOf)}`;
  const { previous } = args;
  // Rows read: the whole window, or (extending) asOf's and the window of influencers new in this snapshot.
  const statsRows = previous
    ? `day = DATE ${sqlString(args.asOf)} OR (${window} AND user_id NOT IN (
         SELECT CAST(user_id AS HUGEINT) FROM read_parquet(${sqlString(previous.rowsPath)})))`
    : window;
  const sql = `WITH u AS (SELECT CAST(user_id AS HUGEINT) AS user_id FROM read_parquet(${sqlString(args.rowsPath)})),
    s AS (SELECT day, user_id, followers_cnt, following_cnt, likes_received_cnt, video_cnt FROM raw_profile_stats WHERE ${statsRows}),
    v AS (SELECT day, user_id, views FROM influencer_daily WHERE ${statsRows}),
    sales AS (SELECT day, user_id, sum(units) AS units, sum(gmv_amt) AS gmv FROM raw_product_sales WHERE ${statsRows} GROUP BY day, user_id)
    SELECT CAST(u.user_id // ${SPLIT} AS DOUBLE), CAST(u.user_id % ${SPLIT} AS DOUBLE),
      CAST(s.day - DATE '1970-01-01' AS DOUBLE), CAST(s.followers_cnt AS DOUBLE), CAST(s.following_cnt AS DOUBLE),
      CAST(s.likes_received_cnt AS DOUBLE), CAST(s.video_cnt AS DOUBLE), CAST(coalesce(v.views, 0) AS DOUBLE),
      CAST(coalesce(sales.units, 0) AS DOUBLE), CAST(round(coalesce(sales.gmv, 0)) AS DOUBLE)
    FROM u LEFT JOIN s ON s.user_id = u.user_id
    LEFT JOIN v ON v.user_id = s.user_id AND v.day = s.day
    LEFT JOIN sales ON sales.user_id = s.user_id AND sales.day = s.day
    ORDER BY u.user_id, s.day`;
  const writer = await HistoryWriter.create(args.snapshotDir, firstDay, args.asOf);
  const old = previous ? new HistoryKeyCursor(previous.snapshotDir) : null;
  const oldSeries = previous
    ? openSync(join(previous.snapshotDir, HISTORY_DIR, HISTORY_SERIES_FILE), 'r')
    : -1;
  let block = Buffer.alloc(1 << 16);
  const previousFirst = dayNumber(firstDay) - 1;
  const asOfDay = dayNumber(args.asOf);
  const add = (id: bigint, records: HistoryRecord[]) => {
    while (old?.current && old.current.id < id) old.advance(); // left the snapshot: not kept
    const entry = old?.current;
    if (!entry || entry.id !== id) {
      writer.add(id, records);
      return;
    }
    const length = entry.end - entry.start;
    if (length > block.length) block = Buffer.alloc(length);
    let read = 0;
    while (read < length) read += readSync(oldSeries, block, read, length - read, entry.start + read);
    const today = records.at(-1);
    writer.addShifted(id, block, length, previousFirst, today?.day === asOfDay ? today : null);
  };
  try {
    const result = await connection.stream(sql);
    let high = -1;
    let low = -1;
    let records: HistoryRecord[] = [];
    const flush = () => {
      if (high >= 0) add(BigInt(high) * BigInt(SPLIT) + BigInt(low), records);
      records = [];
    };
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const col = Array.from({ length: 10 }, (_, i) => chunk.getColumnVector(i));
      for (let row = 0; row < chunk.rowCount; row++) {
        const h = col[0]!.getItem(row) as number;
        const l = col[1]!.getItem(row) as number;
        if (h !== high || l !== low) {
          flush();
          high = h;
          low = l;
        }
        const day = col[2]!.getItem(row) as number | null;
        if (day === null) continue; // no crawled day in the window
        records.push({
          day,
          followers: col[3]!.getItem(row) as number,
          following: col[4]!.getItem(row) as number,
          digg: col[5]!.getItem(row) as number,
          videos: col[6]!.getItem(row) as number,
          views: col[7]!.getItem(row) as number,
          saleCnt: col[8]!.getItem(row) as number,
          saleGmv: col[9]!.getItem(row) as number,
        });
      }
    }
    flush();
    return await writer.finish();
  } catch (err) {
    writer.abort();
    throw err;
  } finally {
    old?.close();
    if (oldSeries >= 0) closeSync(oldSeries);
  }
}
