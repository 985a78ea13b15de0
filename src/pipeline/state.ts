// Incremental maintenance of the warehouse's derived state: applying one validated day (the stg_* temp
// tables) touches only that day's rows and the small per-influencer / per-video state, never the history.
import type { DuckDBConnection } from '@duckdb/node-api';
import { RAW_TABLES } from '../raw/format.ts';
import { rawHistoryTable } from './warehouse.ts';
import { stagingTable } from './validate.ts';

const dateLiteral = (day: string) => `DATE '${day}'`;

/** Appends the staged rows of `day` to the raw history and advances every state table to `day`. */
export async function applyDay(connection: DuckDBConnection, day: string): Promise<void> {
  const d = dateLiteral(day);
  for (const table of RAW_TABLES) {
    const cols = table.columns.map((c) => c.name).join(', ');
    await connection.run(
      `INSERT INTO ${rawHistoryTable(table.name)} (day, ${cols}) SELECT ${d}, ${cols} FROM ${stagingTable(table)}`,
    );
  }

  // Per-influencer change of the video series: new state of each observed video minus its previous state.
  await connection.run(`CREATE OR REPLACE TEMP TABLE video_delta AS
    SELECT user_id, sum(dv) AS d_views, sum(dpv) AS d_pv_views FROM (
      SELECT user_id, views_cnt AS dv, CASE WHEN len(product_ids) > 0 THEN views_cnt ELSE 0 END AS dpv
      FROM stg_videos
      UNION ALL
      SELECT o.user_id, -o.views, CASE WHEN o.has_products THEN -o.views ELSE 0 END
      FROM video_latest o WHERE o.video_id IN (SELECT video_id FROM stg_videos)
    ) GROUP BY user_id`);

  // The day's series: yesterday's values (influencer_current, one row per influencer) plus today's
  // observations. Reading influencer_current rather than yesterday's rows of influencer_daily keeps a day's
  // cost independent of the history, also inside the one transaction of a multi-day load.
  await connection.run(`CREATE OR REPLACE TEMP TABLE today AS
    WITH known AS (
      SELECT user_id FROM influencer_current UNION SELECT user_id FROM stg_profile_stats
      UNION SELECT user_id FROM stg_profiles UNION SELECT user_id FROM video_delta
    )
    SELECT k.user_id,
      coalesce(s.followers_cnt, p.followers) AS followers, coalesce(s.likes_received_cnt, p.digg) AS digg,
      CASE WHEN p.views IS NULL AND v.user_id IS NULL THEN NULL ELSE coalesce(p.views, 0) + coalesce(v.d_views, 0) END AS views,
      CASE WHEN p.pv_views IS NULL AND v.user_id IS NULL THEN NULL ELSE coalesce(p.pv_views, 0) + coalesce(v.d_pv_views, 0) END AS pv_views
    FROM known k
    LEFT JOIN influencer_current p ON p.user_id = k.user_id
    LEFT JOIN stg_profile_stats s ON s.user_id = k.user_id
    LEFT JOIN video_delta v ON v.user_id = k.user_id`);
  await connection.run(
    `INSERT INTO influencer_daily SELECT ${d}, user_id, followers, digg, views, pv_views FROM today`,
  );
  await connection.run(`CREATE OR REPLACE TABLE influencer_current AS SELECT * FROM today`);

  // First appearance and the baseline value of each series.
  await connection.run(`INSERT INTO influencer_first (user_id, first_day)
    SELECT user_id, ${d} FROM today WHERE user_id NOT IN (SELECT user_id FROM influencer_first)`);
  await connection.run(`UPDATE influencer_first f SET stats_day = ${d}, followers = t.followers, digg = t.digg
    FROM today t WHERE f.user_id = t.user_id AND f.stats_day IS NULL AND t.followers IS NOT NULL`);
  await connection.run(`UPDATE influencer_first f SET video_day = ${d}, views = t.views, pv_views = t.pv_views
    FROM today t WHERE f.user_id = t.user_id AND f.video_day IS NULL AND t.views IS NOT NULL`);
  await connection.run(`DROP TABLE today; DROP TABLE video_delta`);

  // Latest state tables: replace the rows observed today.
  const profileCols = RAW_TABLES.find((t) => t.name === 'profiles')!.columns.map((c) => c.name);
  await connection.run(`DELETE FROM profile_latest WHERE user_id IN (SELECT user_id FROM stg_profiles)`);
  await connection.run(
    `INSERT INTO profile_latest (day, ${profileCols.join(', ')}) SELECT ${d}, ${profileCols.join(', ')} FROM stg_profiles`,
  );
  const statCols = RAW_TABLES.find((t) => t.name === 'profile_stats')!.columns.map((c) => c.name);
  await connection.run(`DELETE FROM stats_latest WHERE user_id IN (SELECT user_id FROM stg_profile_stats)`);
  await connection.run(
    `INSERT INTO stats_latest (day, ${statCols.join(', ')}) SELECT ${d}, ${statCols.join(', ')} FROM stg_profile_stats`,
  );
  await connection.run(`DELETE FROM video_latest WHERE video_id IN (SELECT video_id FROM stg_videos)`);
  await connection.run(`INSERT INTO video_latest
    SELECT video_id, user_id, ${d}, create_time, duration_sec, views_cnt, likes_cnt, comments_cnt, shares_cnt,
           len(product_ids) > 0
    FROM stg_videos`);

  await connection.run(`INSERT INTO influencer_products
    SELECT DISTINCT user_id, product_id FROM (
      SELECT user_id, unnest(product_ids) AS product_id FROM stg_videos
      UNION ALL SELECT user_id, product_id FROM stg_product_sales
    ) n
    WHERE NOT EXISTS (SELECT 1 FROM influencer_products e WHERE e.user_id = n.user_id AND e.product_id = n.product_id)`);

  await connection.run(
    `DELETE FROM product_latest WHERE product_id IN (SELECT product_id FROM stg_products)`,
  );
  await connection.run(
    `INSERT INTO product_latest SELECT product_id, ${d}, product_category_id, price_amt FROM stg_products`,
  );
  await connection.run(
    `DELETE FROM product_sale_category WHERE product_id IN (SELECT product_id FROM stg_product_sales)`,
  );
  await connection.run(`INSERT INTO product_sale_category
    SELECT product_id, ${d}, min(product_category_id) FROM stg_product_sales GROUP BY product_id`);

  await connection.run(`CREATE OR REPLACE TEMP TABLE sales_today AS
    SELECT user_id, sum(units) AS units, sum(gmv_amt) AS gmv FROM stg_product_sales GROUP BY user_id`);
  await connection.run(`UPDATE sales_totals t SET units = t.units + s.units, gmv = t.gmv + s.gmv
    FROM sales_today s WHERE t.user_id = s.user_id`);
  await connection.run(`INSERT INTO sales_totals
    SELECT user_id, units, gmv FROM sales_today WHERE user_id NOT IN (SELECT user_id FROM sales_totals)`);
  await connection.run(`DROP TABLE sales_today`);

  await connection.run(`INSERT INTO live_sessions SELECT live_id, user_id, ${d} FROM stg_lives`);
}

/**
 * Temp tables of one ingest run that carry the cross-batch rules over the run's batches validated so far
 * (they are validated before any is applied, so the state tables do not hold them yet).
 */
export const RUN_TABLES_DDL = [
  `CREATE OR REPLACE TEMP TABLE run_video_owner (video_id HUGEINT, user_id HUGEINT)`,
  `CREATE OR REPLACE TEMP TABLE run_lives (live_id HUGEINT)`,
];

/** The warehouse's cross-batch rules, checked on the staged rows of a batch before it is kept for applyDay. */
export const CROSS_BATCH_CHECKS = {
  /** A video belongs to one author: an observation naming another author than before is rejected. */
  videoOwner:
    `EXISTS (SELECT 1 FROM video_latest o WHERE o.video_id = s.video_id AND o.user_id <> s.user_id) ` +
    `OR EXISTS (SELECT 1 FROM run_video_owner o WHERE o.video_id = s.video_id AND o.user_id <> s.user_id)`,
  /** A live session is reported once, on the day it started. */
  liveOnce: `s.live_id IN (SELECT live_id FROM live_sessions) OR s.live_id IN (SELECT live_id FROM run_lives)`,
} as const;

/** Records a validated batch's accepted videos and lives for the cross-batch rules of the next batches. */
export async function rememberForRun(connection: DuckDBConnection): Promise<void> {
  await connection.run(`INSERT INTO run_video_owner
    SELECT DISTINCT video_id, user_id FROM stg_videos s
    WHERE NOT EXISTS (SELECT 1 FROM run_video_owner o WHERE o.video_id = s.video_id)`);
  await connection.run(`INSERT INTO run_lives SELECT live_id FROM stg_lives`);
}
