// The daily series step: each snapshot influencer's crawled days over the retained window, from the
// warehouse's raw history, written in the snapshot's history format (src/snapshot/history.ts).
// docs/metrics.md ("Daily history") defines each value; the SQL below is the implementation.
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBVector } from '@duckdb/node-api';
import {
  dayNumber,
  dayString,
  HISTORY_DIR,
  HISTORY_FORMAT_VERSION,
  HISTORY_META_FILE,
  HISTORY_SERIES_FILE,
  HistoryKeyCursor,
  HistoryWriter,
  HISTORY_RECORD_VALUES,
  type HistoryMeta,
  type HistoryRecord,
} from '../snapshot/history.ts';
import { sqlString } from './validate.ts';

/** Days retained by default (HISTORY_DAYS overrides it). */
export const DEFAULT_HISTORY_DAYS = 365;

// Ids are split into two exact doubles (high part below 2^28, low 40 bits) so chunks are read as numbers.
const SPLIT = 2 ** 40;

/**
 * The values of a DOUBLE or INTEGER result column, none null (the history query's columns never are: a
 * null would be a broken invariant, refused like a value outside the format). Reads the vector's typed
 * array when the node API exposes it (no per-value call, no per-value validity test); else getItem().
 */
function columnNumbers(vector: DuckDBVector, rows: number): ArrayLike<number> {
  const raw = vector as unknown as {
    items?: unknown;
    validity?: { data?: BigUint64Array | null };
  };
  const items = raw.items;
  const mask = raw.validity?.data;
  if (
    (items instanceof Float64Array || items instanceof Int32Array) &&
    items.length >= rows &&
    raw.validity !== undefined &&
    (mask === null || mask instanceof BigUint64Array)
  ) {
    if (mask) {
      const full = Math.floor(rows / 64);
      for (let w = 0; w < full; w++)
        if (mask[w] !== 0xffffffffffffffffn) throw new Error('history: a null value in the warehouse query');
      const rest = rows % 64;
      if (rest > 0 && (mask[full]! & ((1n << BigInt(rest)) - 1n)) !== (1n << BigInt(rest)) - 1n)
        throw new Error('history: a null value in the warehouse query');
    }
    return items;
  }
  const values = new Float64Array(rows);
  for (let row = 0; row < rows; row++) {
    const value = vector.getItem(row);
    if (typeof value !== 'number') throw new Error('history: a null value in the warehouse query');
    values[row] = value;
  }
  return values;
}

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

/** Crawled influencer-days read per query of a full build (bounds DuckDB's join and sort memory). */
const RECORDS_PER_PASS = 12_000_000;
/** Most passes of a full build (each scans the window of the raw history once). */
const MAX_PASSES = 16;

/**
 * Writes <snapshotDir>/history/ for the `days` days ending on asOf (YYYY-MM-DD), for every influencer of
 * the snapshot's rows file. A day is crawled when the influencer has a profile_stats row that day.
 * With `previous` (see extendable()), the influencers it has keep their blocks, shifted by one day and
 * extended with asOf, and only asOf's rows and the new influencers' windows are read from the warehouse:
 * the result is byte-identical to a full build.
 *
 * The snapshot's influencers are numbered in user_id order (temp table hist_users); the crawled days are
 * read in passes over ranges of that number (ordered by number and day, numbers and values as INTEGER
 * and DOUBLE columns) and encoded straight from the result's column vectors.
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
  await connection.run(`CREATE OR REPLACE TEMP TABLE hist_users AS
    SELECT user_id, CAST(row_number() OVER (ORDER BY user_id) - 1 AS INTEGER) AS ord
    FROM (SELECT CAST(user_id AS HUGEINT) AS user_id FROM read_parquet(${sqlString(args.rowsPath)}))`);
  const writer = await HistoryWriter.create(args.snapshotDir, firstDay, args.asOf);
  const old = previous ? new HistoryKeyCursor(previous.snapshotDir) : null;
  const oldSeries = previous
    ? openSync(join(previous.snapshotDir, HISTORY_DIR, HISTORY_SERIES_FILE), 'r')
    : -1;
  try {
    // The influencers' ids in user_id order, as two exact doubles each.
    const ids: bigint[] = [];
    const users = await connection.stream(
      `SELECT CAST(user_id // ${SPLIT} AS DOUBLE), CAST(user_id % ${SPLIT} AS DOUBLE) FROM hist_users ORDER BY ord`,
    );
    for (;;) {
      const chunk = await users.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const high = chunk.getColumnVector(0);
      const low = chunk.getColumnVector(1);
      for (let row = 0; row < chunk.rowCount; row++)
        ids.push(BigInt(high.getItem(row) as number) * BigInt(SPLIT) + BigInt(low.getItem(row) as number));
    }

    let block = Buffer.alloc(1 << 16);
    const previousFirst = dayNumber(firstDay) - 1;
    const asOfDay = dayNumber(args.asOf);
    // One influencer's records, flat (see encodeFlatBlock), filled from the chunks.
    let recordDays = new Float64Array(Math.max(args.days, 1));
    let recordValues = new Float64Array(recordDays.length * HISTORY_RECORD_VALUES);
    let count = 0;
    let next = 0; // the next influencer (number) to write
    const emit = (ord: number) => {
      const id = ids[ord]!;
      while (old?.current && old.current.id < id) old.advance(); // left the snapshot: not kept
      const entry = old?.current;
      if (!entry || entry.id !== id) {
        writer.addFlat(id, recordDays, recordValues, count);
        return;
      }
      const length = entry.end - entry.start;
      if (length > block.length) block = Buffer.alloc(length);
      let read = 0;
      while (read < length) read += readSync(oldSeries, block, read, length - read, entry.start + read);
      let today: HistoryRecord | null = null;
      if (count > 0 && recordDays[count - 1] === asOfDay) {
        const v = (count - 1) * HISTORY_RECORD_VALUES;
        today = {
          day: asOfDay,
          followers: recordValues[v]!,
          following: recordValues[v + 1]!,
          digg: recordValues[v + 2]!,
          videos: recordValues[v + 3]!,
          views: recordValues[v + 4]!,
          saleCnt: recordValues[v + 5]!,
          saleGmv: recordValues[v + 6]!,
        };
      }
      writer.addShifted(id, block, length, previousFirst, today);
    };
    let current = -1; // the influencer whose records are being collected
    /** Writes the influencer collected, then those up to `ord` (excluded), which have no records. */
    const writeUpTo = (ord: number) => {
      if (current >= 0) {
        emit(current);
        next = current + 1;
        count = 0;
        current = -1;
      }
      while (next < ord) emit(next++);
    };
    const readPass = async (sql: string) => {
      const result = await connection.stream(sql);
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        const n = chunk.rowCount;
        const col = Array.from({ length: 2 + HISTORY_RECORD_VALUES }, (_, i) =>
          columnNumbers(chunk.getColumnVector(i), n),
        );
        const ordCol = col[0]!;
        const dayCol = col[1]!;
        for (let row = 0; row < n; row++) {
          const ord = ordCol[row]!;
          if (ord !== current) {
            writeUpTo(ord);
            current = ord;
          }
          if (count === recordDays.length) {
            const days = new Float64Array(count * 2);
            days.set(recordDays);
            recordDays = days;
            const values = new Float64Array(days.length * HISTORY_RECORD_VALUES);
            values.set(recordValues);
            recordValues = values;
          }
          recordDays[count] = dayCol[row]!;
          const base = count * HISTORY_RECORD_VALUES;
          for (let c = 0; c < HISTORY_RECORD_VALUES; c++) recordValues[base + c] = col[2 + c]![row]!;
          count++;
        }
      }
    };
    const select = (statsRows: string) => `WITH
      s AS (SELECT s.day, h.ord, s.user_id, s.followers_cnt, s.following_cnt, s.likes_received_cnt, s.video_cnt
            FROM (SELECT day, user_id, followers_cnt, following_cnt, likes_received_cnt, video_cnt
                  FROM raw_profile_stats WHERE ${statsRows}) s
            JOIN hist_users h ON h.user_id = s.user_id),
      v AS (SELECT day, user_id, views FROM influencer_daily WHERE ${statsRows}),
      sales AS (SELECT day, user_id, sum(units) AS units, sum(gmv_amt) AS gmv FROM raw_product_sales WHERE ${statsRows} GROUP BY day, user_id)
      SELECT s.ord, CAST(s.day - DATE '1970-01-01' AS INTEGER), CAST(s.followers_cnt AS DOUBLE), CAST(s.following_cnt AS DOUBLE),
        CAST(s.likes_received_cnt AS DOUBLE), CAST(s.video_cnt AS DOUBLE), CAST(coalesce(v.views, 0) AS DOUBLE),
        CAST(coalesce(sales.units, 0) AS DOUBLE), CAST(round(coalesce(sales.gmv, 0)) AS DOUBLE)
      FROM s LEFT JOIN v ON v.user_id = s.user_id AND v.day = s.day
      LEFT JOIN sales ON sales.user_id = s.user_id AND sales.day = s.day
      ORDER BY s.ord, s.day`;
    if (previous) {
      // asOf's rows and the window of influencers new in this snapshot: one pass.
      await readPass(
        select(`(day = DATE ${sqlString(args.asOf)} OR (${window} AND user_id NOT IN (
          SELECT CAST(user_id AS HUGEINT) FROM read_parquet(${sqlString(previous.rowsPath)}))))`),
      );
    } else {
      // Passes over ranges of user_id (bounds from hist_users), so each join and sort stays small. Sized
      // by the days the warehouse holds in the window, not the window: each pass builds the join's hash
      // table of every influencer again, so a first ingest of 90 days with 365 retained would make
      // four times too many.
      const firstLoaded = (
        await connection.runAndReadAll(
          `SELECT CAST(min(day) - DATE '1970-01-01' AS INTEGER) FROM raw_profile_stats WHERE ${window}`,
        )
      ).getRowsJS()[0]![0];
      const heldDays =
        typeof firstLoaded === 'number' ? Math.min(args.days, asOfDay - firstLoaded + 1) : args.days;
      const perPass = Math.max(
        Math.ceil(ids.length / MAX_PASSES),
        Math.floor(RECORDS_PER_PASS / heldDays),
        1,
      );
      for (let from = 0; from < ids.length; from += perPass) {
        const to = Math.min(from + perPass, ids.length) - 1;
        await readPass(
          select(
            `${window} AND user_id BETWEEN CAST('${ids[from]}' AS HUGEINT) AND CAST('${ids[to]}' AS HUGEINT)`,
          ),
        );
      }
    }
    writeUpTo(ids.length);
    return await writer.finish();
  } catch (err) {
    writer.abort();
    throw err;
  } finally {
    old?.close();
    if (oldSeries >= 0) closeSync(oldSeries);
    await connection.run('DROP TABLE IF EXISTS hist_users');
  }
}
