// The daily series step: each snapshot influencer's crawled days over the retained window, from the
// warehouse's raw history, written in the snapshot's history format (src/snapshot/history.ts).
// docs/metrics.md ("Daily history") defines each value; the SQL below is the implementation.
import type { DuckDBConnection } from '@duckdb/node-api';
import {
  dayNumber,
  dayString,
  HistoryWriter,
  type HistoryMeta,
  type HistoryRecord,
} from '../snapshot/history.ts';
import { sqlString } from './validate.ts';

/** Days retained by default (HISTORY_DAYS overrides it). */
export const DEFAULT_HISTORY_DAYS = 365;

// Ids are split into two exact doubles (high part below 2^28, low 40 bits) so chunks are read as numbers.
const SPLIT = 2 ** 40;

/**
 * Writes <snapshotDir>/history/ for the `days` days ending on asOf (YYYY-MM-DD), for every influencer of
 * the snapshot's rows file. A day is crawled when the influencer has a profile_stats row that day.
 */
export async function writeHistory(
  connection: DuckDBConnection,
  args: { asOf: string; days: number; rowsPath: string; snapshotDir: string },
): Promise<HistoryMeta> {
  if (!Number.isSafeInteger(args.days) || args.days < 1)
    throw new Error(`history days must be a positive integer, got ${args.days}`);
  const firstDay = dayString(dayNumber(args.asOf) - args.days + 1);
  const window = `day BETWEEN DATE ${sqlString(firstDay)} AND DATE ${sqlString(args.asOf)}`;
  const sql = `WITH u AS (SELECT CAST(user_id AS HUGEINT) AS user_id FROM read_parquet(${sqlString(args.rowsPath)})),
    s AS (SELECT day, user_id, followers_cnt, following_cnt, likes_received_cnt, video_cnt FROM raw_profile_stats WHERE ${window}),
    v AS (SELECT day, user_id, views FROM influencer_daily WHERE ${window}),
    sales AS (SELECT day, user_id, sum(units) AS units, sum(gmv_amt) AS gmv FROM raw_product_sales WHERE ${window} GROUP BY day, user_id)
    SELECT CAST(u.user_id // ${SPLIT} AS DOUBLE), CAST(u.user_id % ${SPLIT} AS DOUBLE),
      CAST(s.day - DATE '1970-01-01' AS DOUBLE), CAST(s.followers_cnt AS DOUBLE), CAST(s.following_cnt AS DOUBLE),
      CAST(s.likes_received_cnt AS DOUBLE), CAST(s.video_cnt AS DOUBLE), CAST(coalesce(v.views, 0) AS DOUBLE),
      CAST(coalesce(sales.units, 0) AS DOUBLE), CAST(round(coalesce(sales.gmv, 0)) AS DOUBLE)
    FROM u LEFT JOIN s ON s.user_id = u.user_id
    LEFT JOIN v ON v.user_id = s.user_id AND v.day = s.day
    LEFT JOIN sales ON sales.user_id = s.user_id AND sales.day = s.day
    ORDER BY u.user_id, s.day`;
  const writer = await HistoryWriter.create(args.snapshotDir, firstDay, args.asOf);
  try {
    const result = await connection.stream(sql);
    let high = -1;
    let low = -1;
    let records: HistoryRecord[] = [];
    const flush = () => {
      if (high >= 0) writer.add(BigInt(high) * BigInt(SPLIT) + BigInt(low), records);
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
  }
}
