// Incremental maintenance of the warehouse's derived state: applying one validated day (the stg_* temp
// tables) touches only that day's rows and the small per-influencer / per-video state, never the history.
// A first ingest of several days computes the same state from all of them at once (applyDays).
import type { DuckDBConnection } from '@duckdb/node-api';
import { RAW_TABLES } from '../raw/format.ts';
import { INFLUENCER_STATE_COLUMNS, rawHistoryTable } from './warehouse.ts';
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

  // Each observed video with its previous state (row id kept to replace it below). The author comes from
  // the staged row: the owner check guarantees it is the recorded one, and reading the stored author of
  // every candidate row would cost a full column scan.
  await connection.run(`CREATE OR REPLACE TEMP TABLE video_seen AS
    SELECT s.user_id, s.views_cnt AS views, len(s.product_ids) > 0 AS has_products,
           o.rowid AS old_row, o.views AS old_views, o.has_products AS old_has_products
    FROM stg_videos s LEFT JOIN video_latest o ON o.video_id = s.video_id`);
  // Per-influencer change of the video series: new state of each observed video minus its previous state.
  await connection.run(`CREATE OR REPLACE TEMP TABLE video_delta AS
    SELECT user_id, sum(views - coalesce(old_views, 0)) AS d_views,
      sum(CASE WHEN has_products THEN views ELSE 0 END - CASE WHEN old_has_products THEN old_views ELSE 0 END) AS d_pv_views
    FROM video_seen GROUP BY user_id`);

  // The next influencer state: yesterday's (one row per influencer) plus today's observations, so a day's
  // cost does not depend on the history. A baseline is set on the day its series is first observed.
  await connection.run(`CREATE TABLE influencer_state_next (${INFLUENCER_STATE_COLUMNS})`);
  await connection.run(`INSERT INTO influencer_state_next
    SELECT user_id, coalesce(first_day, ${d}),
      CASE WHEN stats_day IS NULL AND followers IS NOT NULL THEN ${d} ELSE stats_day END,
      CASE WHEN stats_day IS NULL THEN followers ELSE first_followers END,
      CASE WHEN stats_day IS NULL THEN digg ELSE first_digg END,
      CASE WHEN video_day IS NULL AND views IS NOT NULL THEN ${d} ELSE video_day END,
      CASE WHEN video_day IS NULL THEN views ELSE first_views END,
      CASE WHEN video_day IS NULL THEN pv_views ELSE first_pv_views END,
      followers, digg, following, likes_given, video_cnt, views, pv_views
    FROM (
      SELECT coalesce(p.user_id, s.user_id, v.user_id, n.user_id) AS user_id,
        p.first_day, p.stats_day, p.first_followers, p.first_digg, p.video_day, p.first_views, p.first_pv_views,
        coalesce(s.followers_cnt, p.followers) AS followers, coalesce(s.likes_received_cnt, p.digg) AS digg,
        coalesce(s.following_cnt, p.following) AS following, coalesce(s.likes_given_cnt, p.likes_given) AS likes_given,
        coalesce(s.video_cnt, p.video_cnt) AS video_cnt,
        CASE WHEN p.views IS NULL AND v.user_id IS NULL THEN NULL ELSE coalesce(p.views, 0) + coalesce(v.d_views, 0) END AS views,
        CASE WHEN p.pv_views IS NULL AND v.user_id IS NULL THEN NULL ELSE coalesce(p.pv_views, 0) + coalesce(v.d_pv_views, 0) END AS pv_views
      FROM influencer_state p
      FULL JOIN stg_profile_stats s ON s.user_id = p.user_id
      FULL JOIN video_delta v ON v.user_id = coalesce(p.user_id, s.user_id)
      FULL JOIN (SELECT user_id FROM stg_profiles) n ON n.user_id = coalesce(p.user_id, s.user_id, v.user_id)
    )`);
  await connection.run(`DROP TABLE influencer_state; DROP TABLE video_delta`);
  await connection.run(`ALTER TABLE influencer_state_next RENAME TO influencer_state`);
  await connection.run(
    `INSERT INTO influencer_daily SELECT ${d}, user_id, followers, digg, views, pv_views FROM influencer_state`,
  );

  // Latest state tables: replace the rows observed today.
  const profileCols = RAW_TABLES.find((t) => t.name === 'profiles')!.columns.map((c) => c.name);
  await connection.run(`DELETE FROM profile_latest WHERE user_id IN (SELECT user_id FROM stg_profiles)`);
  await connection.run(
    `INSERT INTO profile_latest (day, ${profileCols.join(', ')}) SELECT ${d}, ${profileCols.join(', ')} FROM stg_profiles`,
  );
  await connection.run(
    `DELETE FROM video_latest WHERE rowid IN (SELECT old_row FROM video_seen WHERE old_row IS NOT NULL)`,
  );
  await connection.run(`DROP TABLE video_seen`);
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

/**
 * What the cross-batch rules need to know of the staged rows, from the warehouse and the run's earlier
 * batches: the known author of each staged video (temp table staged_video_owner: ln, video_id, user_id,
 * owner; owner null for a new video; one join serves both the owner check and rememberForRun) and the
 * staged lives already reported (staged_live_seen: ln).
 */
export async function findKnownKeys(connection: DuckDBConnection): Promise<void> {
  await connection.run(`CREATE OR REPLACE TEMP TABLE staged_video_owner AS
    SELECT s.ln, s.video_id, s.user_id, o.user_id AS owner FROM stg_videos s
    LEFT JOIN (SELECT video_id, user_id FROM video_latest UNION ALL SELECT video_id, user_id FROM run_video_owner) o
      ON o.video_id = s.video_id`);
  // Lives already loaded or staged earlier in the run (an inner join: the day's few lives are the build side).
  await connection.run(`CREATE OR REPLACE TEMP TABLE staged_live_seen AS
    SELECT s.ln FROM stg_lives s
    JOIN (SELECT live_id FROM live_sessions UNION ALL SELECT live_id FROM run_lives) k ON k.live_id = s.live_id`);
}

/** The warehouse's cross-batch rules, checked on the staged rows of a batch before it is kept for applyDay. */
export const CROSS_BATCH_CHECKS = {
  /** A video belongs to one author: an observation naming another author than before is rejected. */
  videoOwner: `s.ln IN (SELECT ln FROM staged_video_owner WHERE owner <> user_id)`,
  /** A live session is reported once, on the day it started. */
  liveOnce: `s.ln IN (SELECT ln FROM staged_live_seen)`,
} as const;

/**
 * Records a validated batch's new videos and its lives for the cross-batch rules of the next batches (a
 * video's key is unique within a batch, and a known video already has its owner on record).
 */
export async function rememberForRun(connection: DuckDBConnection): Promise<void> {
  await connection.run(`INSERT INTO run_video_owner
    SELECT video_id, user_id FROM staged_video_owner WHERE owner IS NULL`);
  await connection.run(`DROP TABLE staged_video_owner; DROP TABLE staged_live_seen`);
  await connection.run(`INSERT INTO run_lives SELECT live_id FROM stg_lives`);
}

/** Influencer-days computed per statement by applyHistory (about 0.6 GB of DuckDB memory at most). */
export const DAILY_ROWS_PER_PASS = 12_000_000;

/**
 * Applies several consecutive validated days at once onto an empty warehouse (the first ingest of a run of
 * batches, e.g. the demo): the raw history in one INSERT per table, then every state table computed from
 * that history set-wise (latest states by window or arg_max, the carried-forward daily series by a window
 * over a day grid) instead of one day at a time. Gives exactly the rows that applyDay gives day after day
 * (the pipeline tests compare both), in a fraction of the CPU: the per-day rebuilds of `influencer_state`
 * and the per-day commits are gone. `staged(table, day)` names the temp table holding a day's validated rows
 * of a raw table (its columns without `ln` and `raw`); `days` are ascending and contiguous. The caller holds
 * the transaction.
 */
export async function applyDays(
  connection: DuckDBConnection,
  days: readonly string[],
  staged: (table: (typeof RAW_TABLES)[number], day: string) => string,
  dailyRowsPerPass = DAILY_ROWS_PER_PASS,
): Promise<void> {
  // One INSERT per table and day (no commit in between): the history's row groups stay in day order, as
  // the readers of a day or of a window of days expect (zone maps on day).
  for (const table of RAW_TABLES) {
    const cols = table.columns.map((c) => c.name).join(', ');
    for (const day of days)
      await connection.run(
        `INSERT INTO ${rawHistoryTable(table.name)} (day, ${cols}) SELECT ${dateLiteral(day)}, ${cols} FROM ${staged(table, day)}`,
      );
  }
  await applyHistory(connection, days, dailyRowsPerPass);
}

/**
 * Computes every state table from the raw history tables, which hold exactly `days` (the state tables are
 * empty). The per-day semantics are those of applyDay, stated over the whole history:
 *   - an influencer is known from the first day it appears in profile_stats, videos or profiles;
 *   - a video's contribution to views / pv_views (pv: views of a video whose latest observation promotes
 *     products) changes on each of its observations by its new value minus its previous one;
 *   - followers / digg carry forward the latest profile_stats row; baselines are the values on the first
 *     day a series is observed.
 */
export async function applyHistory(
  connection: DuckDBConnection,
  days: readonly string[],
  dailyRowsPerPass = DAILY_ROWS_PER_PASS,
): Promise<void> {
  // Per influencer and day with video observations: the change of the video series (each observation minus
  // the same video's previous one), then the series itself as a running sum.
  await connection.run(`CREATE OR REPLACE TEMP TABLE run_video_series AS
    SELECT user_id, day,
      sum(d_views) OVER (PARTITION BY user_id ORDER BY day ROWS UNBOUNDED PRECEDING) AS views,
      sum(d_pv_views) OVER (PARTITION BY user_id ORDER BY day ROWS UNBOUNDED PRECEDING) AS pv_views
    FROM (
      SELECT user_id, day, sum(views - coalesce(old_views, 0)) AS d_views, sum(pv_views - coalesce(old_pv_views, 0)) AS d_pv_views
      FROM (
        SELECT user_id, day, views, pv_views,
          lag(views) OVER w AS old_views, lag(pv_views) OVER w AS old_pv_views
        FROM (SELECT video_id, user_id, day, views_cnt AS views,
                CASE WHEN len(product_ids) > 0 THEN views_cnt ELSE 0 END AS pv_views FROM raw_videos)
        WINDOW w AS (PARTITION BY video_id ORDER BY day)
      )
      GROUP BY user_id, day
    )`);
  // Every influencer seen in profile_stats, videos or profiles: its first appearance, the first and the
  // latest values of each series.
  await connection.run(`INSERT INTO influencer_state
    SELECT user_id, least(s.stats_day, v.video_day, p.first_day), s.stats_day, s.first_followers, s.first_digg,
      v.video_day, v.first_views, v.first_pv_views,
      s.followers, s.digg, s.following, s.likes_given, s.video_cnt, v.views, v.pv_views
    FROM (
      SELECT user_id, min(day) AS stats_day,
        arg_min(followers_cnt, day) AS first_followers, arg_min(likes_received_cnt, day) AS first_digg,
        arg_max(followers_cnt, day) AS followers, arg_max(likes_received_cnt, day) AS digg,
        arg_max(following_cnt, day) AS following, arg_max(likes_given_cnt, day) AS likes_given,
        arg_max(video_cnt, day) AS video_cnt
      FROM raw_profile_stats GROUP BY user_id
    ) s
    FULL JOIN (
      SELECT user_id, min(day) AS video_day,
        arg_min(views, day) AS first_views, arg_min(pv_views, day) AS first_pv_views,
        arg_max(views, day) AS views, arg_max(pv_views, day) AS pv_views
      FROM run_video_series GROUP BY user_id
    ) v USING (user_id)
    FULL JOIN (SELECT user_id, min(day) AS first_day FROM raw_profiles GROUP BY user_id) p USING (user_id)`);

  // One row per known influencer per day from its first day, each series carried forward from its latest
  // observation on or before the day (null before the first one; observed values are never null). In passes
  // over the influencers (uid modulo the passes, at most DAILY_ROWS_PER_PASS rows each) so that the joins and
  // the window stay within DuckDB's memory; each pass is written in day order, so the point lookups of one
  // day (metrics) read few row groups.
  const lastDay = dateLiteral(days.at(-1)!);
  const gridRows = Number(
    (
      await connection.runAndReadAll(
        `SELECT coalesce(sum(${lastDay} - first_day + 1), 0) FROM influencer_state`,
      )
    ).getRowsJS()[0]![0],
  );
  const passes = Math.max(1, Math.ceil(gridRows / dailyRowsPerPass));
  // The series keyed by a dense INTEGER number of the influencer instead of its HUGEINT id: the joins and
  // the window's sort compare small keys, and each pass re-reads these copies instead of decoding the
  // compressed ids of raw_profile_stats again.
  await connection.run(`CREATE OR REPLACE TEMP TABLE run_first AS
    SELECT user_id, first_day, CAST(row_number() OVER (ORDER BY user_id) AS INTEGER) AS uid FROM influencer_state`);
  await connection.run(`CREATE OR REPLACE TEMP TABLE run_stats AS
    SELECT f.uid, s.day, s.followers_cnt AS followers, s.likes_received_cnt AS digg
    FROM raw_profile_stats s JOIN run_first f ON f.user_id = s.user_id`);
  await connection.run(`CREATE OR REPLACE TEMP TABLE run_video_uid AS
    SELECT f.uid, v.day, v.views, v.pv_views FROM run_video_series v JOIN run_first f ON f.user_id = v.user_id`);
  const preserve = String(
    (await connection.runAndReadAll(`SELECT current_setting('preserve_insertion_order')`)).getRowsJS()[0]![0],
  );
  await connection.run('SET preserve_insertion_order = true');
  try {
    for (let pass = 0; pass < passes; pass++) {
      const inPass = (t: string) => (passes === 1 ? 'true' : `${t}.uid % ${passes} = ${pass}`);
      await connection.run(`INSERT INTO influencer_daily
        SELECT day, user_id,
          last_value(followers IGNORE NULLS) OVER w, last_value(digg IGNORE NULLS) OVER w,
          last_value(views IGNORE NULLS) OVER w, last_value(pv_views IGNORE NULLS) OVER w
        FROM (
          SELECT g.day, g.uid, g.user_id, s.followers, s.digg, v.views, v.pv_views
          FROM (
            SELECT uid, user_id, unnest(generate_series(first_day, ${lastDay}, INTERVAL 1 DAY))::DATE AS day
            FROM run_first f WHERE ${inPass('f')}
          ) g
          LEFT JOIN (SELECT * FROM run_stats s WHERE ${inPass('s')}) s ON s.uid = g.uid AND s.day = g.day
          LEFT JOIN (SELECT * FROM run_video_uid v WHERE ${inPass('v')}) v ON v.uid = g.uid AND v.day = g.day
        )
        WINDOW w AS (PARTITION BY uid ORDER BY day ROWS UNBOUNDED PRECEDING)
        ORDER BY day`);
    }
  } finally {
    await connection.run(`SET preserve_insertion_order = ${preserve === 'true'}`);
  }
  await connection.run(
    `DROP TABLE run_video_series; DROP TABLE run_first; DROP TABLE run_stats; DROP TABLE run_video_uid`,
  );

  const profileCols = RAW_TABLES.find((t) => t.name === 'profiles')!
    .columns.map((c) => c.name)
    .join(', ');
  await connection.run(`INSERT INTO profile_latest (day, ${profileCols})
    SELECT day, ${profileCols} FROM raw_profiles
    QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY day DESC) = 1`);
  await connection.run(`INSERT INTO video_latest
    SELECT video_id, user_id, day, create_time, duration_sec, views_cnt, likes_cnt, comments_cnt, shares_cnt,
           len(product_ids) > 0
    FROM raw_videos
    QUALIFY row_number() OVER (PARTITION BY video_id ORDER BY day DESC) = 1`);
  await connection.run(`INSERT INTO influencer_products
    SELECT DISTINCT user_id, product_id FROM (
      SELECT user_id, unnest(product_ids) AS product_id FROM raw_videos
      UNION ALL SELECT user_id, product_id FROM raw_product_sales
    )`);
  await connection.run(`INSERT INTO product_latest
    SELECT product_id, day, product_category_id, price_amt FROM raw_products
    QUALIFY row_number() OVER (PARTITION BY product_id ORDER BY day DESC) = 1`);
  await connection.run(`INSERT INTO product_sale_category
    SELECT product_id, day, min(product_category_id) FROM raw_product_sales GROUP BY product_id, day
    QUALIFY day = max(day) OVER (PARTITION BY product_id)`);
  await connection.run(`INSERT INTO sales_totals
    SELECT user_id, sum(units), sum(gmv_amt) FROM raw_product_sales GROUP BY user_id`);
  await connection.run(`INSERT INTO live_sessions SELECT live_id, user_id, day FROM raw_lives`);
}
