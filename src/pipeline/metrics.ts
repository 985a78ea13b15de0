// Every field of the snapshot row (src/snapshot/schema.ts) for one as-of date, in SQL.
// docs/metrics.md states each formula; the SQL below is the implementation and names match it.
//
// The metrics read a fixed set of inputs (temp views in_*). Two providers fill them:
//  - 'state':   the warehouse's derived state (valid for the last loaded day): point lookups in
//               influencer_daily at the window edges, latest-state tables, running totals. This is the
//               incremental path: its cost does not grow with the number of loaded days.
//  - 'history': recomputed from the raw history for any as-of date on or before the last loaded day. It is
//               the full recompute, used for past as-of dates and to cross-check the incremental state.
import type { DuckDBConnection } from '@duckdb/node-api';
import { RAW_TABLES } from '../raw/format.ts';
import { SNAPSHOT_FIELDS, sqlType } from '../snapshot/schema.ts';
import { sqlString } from './validate.ts';

export type InputSource = 'state' | 'history';

/** Window lengths of the increments (days). */
export const WINDOWS = [1, 7, 30, 90] as const;

/** Duration buckets of influencer_video_duration_level: label and upper bound in seconds (inclusive). */
export const DURATION_BUCKETS: readonly { label: string; maxSec: number }[] = [
  { label: '15s', maxSec: 15 },
  { label: '15s-30s', maxSec: 30 },
  { label: '30s-60s', maxSec: 60 },
  { label: '1m-3m', maxSec: 180 },
  { label: '3m-10m', maxSec: 600 },
  { label: '10m+', maxSec: Number.POSITIVE_INFINITY },
];

const day = (asOf: string) => `DATE ${sqlString(asOf)}`;

// State inputs are views (the state tables are already small and current); history inputs are computed
// once into temp tables because several metrics read them.
async function createInputs(
  connection: DuckDBConnection,
  statements: Record<string, string>,
  kind: 'VIEW' | 'TABLE',
): Promise<void> {
  await dropInputs(connection);
  for (const [name, sql] of Object.entries(statements)) {
    await connection.run(`CREATE TEMP ${kind} ${name} AS ${sql}`);
  }
}

async function dropInputs(connection: DuckDBConnection): Promise<void> {
  const names = Object.keys(stateInputs('2000-01-01')).reverse();
  const views = await connection.runAndReadAll(`SELECT view_name FROM duckdb_views() WHERE temporary`);
  const isView = new Set(views.getRowsJS().map((r) => String(r[0])));
  for (const name of names)
    await connection.run(`DROP ${isView.has(name) ? 'VIEW' : 'TABLE'} IF EXISTS ${name}`);
  await connection.run(`DROP TABLE IF EXISTS snapshot_rows`);
}

const profileColumns = RAW_TABLES.find((t) => t.name === 'profiles')!.columns.map((c) => c.name);

function stateInputs(asOf: string): Record<string, string> {
  const a = day(asOf);
  const edge = (n: number) =>
    `LEFT JOIN influencer_daily e${n} ON e${n}.user_id = f.user_id AND e${n}.day = ${a} - ${n}`;
  return {
    in_profile: `SELECT ${profileColumns.join(', ')} FROM profile_latest`,
    in_first: `SELECT user_id, first_day FROM influencer_state`,
    in_stats: `SELECT user_id, followers, digg, following, likes_given, video_cnt FROM influencer_state
               WHERE stats_day IS NOT NULL`,
    // The value at an edge: the carried-forward series on that day, else (not yet observed) the first value.
    in_edges: `SELECT f.user_id,
        ${WINDOWS.map((n) => `coalesce(e${n}.followers, f.first_followers) AS followers_${n}, coalesce(e${n}.digg, f.first_digg) AS digg_${n}`).join(', ')},
        e0.views AS views_0, coalesce(e7.views, f.first_views) AS views_7,
        e0.pv_views AS pv_views_0, coalesce(e7.pv_views, f.first_pv_views) AS pv_views_7
      FROM influencer_state f ${[0, ...WINDOWS].map(edge).join(' ')}`,
    in_videos: `SELECT video_id, user_id, create_time, duration_sec, views, likes, comments, shares, has_products
                FROM video_latest`,
    in_products: `SELECT user_id, product_id FROM influencer_products`,
    in_product_category: `SELECT coalesce(p.product_id, s.product_id) AS product_id,
                                 coalesce(p.category_id, s.category_id) AS category_id
                          FROM product_latest p FULL JOIN product_sale_category s ON s.product_id = p.product_id`,
    in_sales_totals: `SELECT user_id, units, gmv FROM sales_totals`,
    in_sales_w30: salesWindow(asOf),
    in_lives: `SELECT user_id, count(*) AS lives FROM live_sessions GROUP BY user_id`,
  };
}

function salesWindow(asOf: string): string {
  const a = day(asOf);
  return `SELECT user_id, product_id, product_category_id, channel, units, gmv_amt
          FROM raw_product_sales WHERE day BETWEEN ${a} - 29 AND ${a}`;
}

function historyInputs(asOf: string): Record<string, string> {
  const a = day(asOf);
  const upTo = `day <= ${a}`;
  const latest = (table: string, key: string) =>
    `SELECT * FROM raw_${table} WHERE ${upTo} QUALIFY row_number() OVER (PARTITION BY ${key} ORDER BY day DESC) = 1`;
  const at = (n: number) => `greatest(${a} - ${n}, fd)`;
  return {
    in_profile: `SELECT ${profileColumns.join(', ')} FROM (${latest('profiles', 'user_id')})`,
    in_first: `SELECT user_id, min(day) AS first_day FROM (
        SELECT user_id, day FROM raw_profiles WHERE ${upTo}
        UNION ALL SELECT user_id, day FROM raw_profile_stats WHERE ${upTo}
        UNION ALL SELECT user_id, day FROM raw_videos WHERE ${upTo}) GROUP BY user_id`,
    in_stats: `SELECT user_id, followers_cnt AS followers, likes_received_cnt AS digg, following_cnt AS following,
                      likes_given_cnt AS likes_given, video_cnt FROM (${latest('profile_stats', 'user_id')})`,
    in_edges: `WITH sf AS (SELECT user_id, min(day) AS fd FROM raw_profile_stats WHERE ${upTo} GROUP BY user_id),
      st AS (
        SELECT s.user_id,
          ${WINDOWS.map((n) => `arg_max(followers_cnt, day) FILTER (WHERE day <= ${at(n)}) AS followers_${n}, arg_max(likes_received_cnt, day) FILTER (WHERE day <= ${at(n)}) AS digg_${n}`).join(',\n          ')}
        FROM raw_profile_stats s JOIN sf USING (user_id) WHERE ${upTo} GROUP BY s.user_id),
      vf AS (SELECT user_id, min(day) AS fd FROM raw_videos WHERE ${upTo} GROUP BY user_id),
      pv AS (
        SELECT v.video_id, v.user_id,
          arg_max(views_cnt, day) AS views_0, arg_max(len(product_ids) > 0, day) AS prod_0,
          arg_max(views_cnt, day) FILTER (WHERE day <= ${at(7)}) AS views_7,
          arg_max(len(product_ids) > 0, day) FILTER (WHERE day <= ${at(7)}) AS prod_7
        FROM raw_videos v JOIN vf USING (user_id) WHERE ${upTo} GROUP BY v.video_id, v.user_id),
      vs AS (
        SELECT user_id, sum(views_0) AS views_0, sum(coalesce(views_7, 0)) AS views_7,
          sum(CASE WHEN prod_0 THEN views_0 ELSE 0 END) AS pv_views_0,
          sum(CASE WHEN prod_7 THEN views_7 ELSE 0 END) AS pv_views_7
        FROM pv GROUP BY user_id)
      SELECT f.user_id, ${WINDOWS.map((n) => `st.followers_${n}, st.digg_${n}`).join(', ')},
        vs.views_0, vs.views_7, vs.pv_views_0, vs.pv_views_7
      FROM in_first f LEFT JOIN st ON st.user_id = f.user_id LEFT JOIN vs ON vs.user_id = f.user_id`,
    in_videos: `SELECT video_id, user_id, create_time, duration_sec, views_cnt AS views, likes_cnt AS likes,
                       comments_cnt AS comments, shares_cnt AS shares, len(product_ids) > 0 AS has_products
                FROM (${latest('videos', 'video_id')})`,
    in_products: `SELECT DISTINCT user_id, product_id FROM (
        SELECT user_id, unnest(product_ids) AS product_id FROM raw_videos WHERE ${upTo}
        UNION ALL SELECT user_id, product_id FROM raw_product_sales WHERE ${upTo})`,
    in_product_category: `WITH pl AS (
        SELECT product_id, product_category_id AS category_id FROM (${latest('products', 'product_id')})),
      ps AS (
        SELECT product_id, min(product_category_id) AS category_id FROM raw_product_sales WHERE ${upTo}
        GROUP BY product_id, day
        QUALIFY row_number() OVER (PARTITION BY product_id ORDER BY day DESC) = 1)
      SELECT coalesce(pl.product_id, ps.product_id) AS product_id, coalesce(pl.category_id, ps.category_id) AS category_id
      FROM pl FULL JOIN ps ON ps.product_id = pl.product_id`,
    in_sales_totals: `SELECT user_id, sum(units) AS units, sum(gmv_amt) AS gmv FROM raw_product_sales WHERE ${upTo}
                      GROUP BY user_id`,
    in_sales_w30: salesWindow(asOf),
    in_lives: `SELECT user_id, count(*) AS lives FROM raw_lives WHERE ${upTo} GROUP BY user_id`,
  };
}

/** Fills the in_* temp tables for an as-of date from the chosen source. */
export async function prepareInputs(
  connection: DuckDBConnection,
  asOf: string,
  source: InputSource,
): Promise<void> {
  if (source === 'state') await createInputs(connection, stateInputs(asOf), 'VIEW');
  else await createInputs(connection, historyInputs(asOf), 'TABLE');
}

const json = (expr: string) => `CAST(${expr} AS VARCHAR)`;
const int = (expr: string) => `CAST(${expr} AS BIGINT)`;
/** Rounds half away from zero to an integer (a plain CAST of a DOUBLE would round half to even). */
const roundInt = (expr: string) => `CAST(round(${expr}) AS BIGINT)`;
/**
 * num / den rounded half away from zero to `places` decimals, exactly: num and den are non-negative
 * integers (den > 0), so the quotient is done in integers and the result is an exact DECIMAL. A DOUBLE
 * quotient would turn ties such as 3 / 20000 = 0.00015 into 0.000149999… and round them down.
 */
const ratio = (num: string, den: string, places: number) =>
  `(CAST((CAST(${num} AS HUGEINT) * ${2 * 10 ** places} + CAST(${den} AS HUGEINT)) // (2 * CAST(${den} AS HUGEINT)) AS DECIMAL(18,0)) * ${(10 ** -places).toFixed(places)})`;
/** A money sum (DECIMAL with 6 places) as an integer count of micro-dollars, exact. */
const micros = (expr: string) => `CAST(${expr} * 1000000 AS HUGEINT)`;

/** The snapshot rows for `asOf` from the in_* inputs, every field of SNAPSHOT_FIELDS, in served order. */
export function snapshotSql(asOf: string): string {
  const a = day(asOf);
  const bucket = `CASE ${DURATION_BUCKETS.map((b, i) =>
    Number.isFinite(b.maxSec) ? `WHEN duration_sec <= ${b.maxSec} THEN ${i + 1}` : `ELSE ${i + 1}`,
  ).join(' ')} END`;
  // Distributions are counted with one filtered count per key (much cheaper than histogram()), then
  // written as a JSON object of the non-zero keys in key order.
  const distributions = {
    duration: DURATION_BUCKETS.map((b, i) => ({
      key: b.label,
      column: `dur_${i + 1}`,
      when: `dur = ${i + 1}`,
    })),
    hour: Array.from({ length: 24 }, (_, h) => ({
      key: String(h).padStart(2, '0'),
      column: `hour_${h}`,
      when: `hr = ${h}`,
    })),
    weekday: Array.from({ length: 7 }, (_, d) => ({
      key: String(d + 1),
      column: `dow_${d + 1}`,
      when: `dow = ${d + 1}`,
    })),
  };
  const counts = Object.values(distributions)
    .flat()
    .map((k) => `count(*) FILTER (WHERE ${k.when}) AS ${k.column}`)
    .join(',\n    ');
  const jsonObject = (keys: { key: string; column: string }[]) =>
    `CASE WHEN vid.user_id IS NULL THEN '{}' ELSE '{' || concat_ws(',', ${keys
      .map((k) => `CASE WHEN vid.${k.column} > 0 THEN '${JSON.stringify(k.key)}:' || vid.${k.column} END`)
      .join(', ')}) || '}' END`;
  const fields: Record<string, string> = {
    avatar: 'p.avatar',
    avg_30d_price: `CASE WHEN coalesce(s30.units, 0) > 0 THEN ${ratio(micros('s30.gmv'), 's30.units * 1000000', 0)} ELSE 0 END`,
    category: 'p.category',
    contact_email: 'p.contact_email',
    // The engagement and consistency terms are exact decimals (from the served, rounded interaction rate);
    // the sales term is a logarithm, computed in DOUBLE and taken to 10 places, so the sum's ties round up.
    ec_score: `CASE WHEN p.off_mark > 0 THEN 0.0 ELSE round(
        CAST(2.0 * least(1.0, log10(1 + CAST(coalesce(s30.gmv, 0) AS DOUBLE)) / 5.0) AS DECIMAL(18,10))
      + least(1.5, 15 * coalesce(ir.rate, 0))
      + least(1.5, coalesce(act.active_days_30, 0) * 0.1), 2) END`,
    first_crawl_dt: int(`strftime(f.first_day, '%Y%m%d')`),
    gender: 'p.gender',
    influencer_video_duration_level: jsonObject(distributions.duration),
    influencer_video_publish_hour: jsonObject(distributions.hour),
    influencer_video_publish_week: jsonObject(distributions.weekday),
    interaction_rate: 'coalesce(ir.rate, 0)',
    language: 'p.language',
    most_category_product: `coalesce(cat.j, '[]')`,
    most_views_video: `coalesce(top.j, '')`,
    nick_name: 'p.nick_name',
    off_mark: 'p.off_mark',
    per_video_product_views_avg_7d_cnt: `CASE WHEN coalesce(vid.n_pv, 0) > 0
        THEN ${roundInt('(coalesce(e.pv_views_0, 0) - coalesce(e.pv_views_7, 0)) / vid.n_pv')} ELSE 0 END`,
    region: 'p.region',
    sales_flag: `CASE WHEN coalesce(s30.video_units, 0) > 0 AND coalesce(s30.live_units, 0) > 0 THEN 3
        WHEN coalesce(s30.video_units, 0) > 0 THEN 1 WHEN coalesce(s30.live_units, 0) > 0 THEN 2
        WHEN p.show_case_flag = 1 THEN 4 ELSE 0 END`,
    seller_id: `coalesce(CAST(p.seller_id AS VARCHAR), '')`,
    show_case_flag: 'p.show_case_flag',
    signature: 'p.signature',
    total_comments_cnt: 'coalesce(vid.comments, 0)',
    ...Object.fromEntries(
      WINDOWS.map((n) => [`total_digg_${n}d_cnt`, `coalesce(st.digg - e.digg_${n}, 0)`] as const),
    ),
    total_digg_cnt: 'coalesce(st.digg, 0)',
    ...Object.fromEntries(
      WINDOWS.map(
        (n) => [`total_followers_${n}d_cnt`, `coalesce(st.followers - e.followers_${n}, 0)`] as const,
      ),
    ),
    total_followers_cnt: 'coalesce(st.followers, 0)',
    total_following_cnt: 'coalesce(st.following, 0)',
    total_likes_cnt: 'coalesce(st.likes_given, 0)',
    total_live_cnt: 'coalesce(lv.lives, 0)',
    total_live_sale_gmv_30d_amt: roundInt('coalesce(s30.live_gmv, 0)'),
    total_post_video_cnt: 'coalesce(st.video_cnt, 0)',
    total_product_30d_cnt: 'coalesce(s30.products, 0)',
    total_product_cnt: 'coalesce(pc.n, 0)',
    total_sale_cnt: 'coalesce(tot.units, 0)',
    total_sale_gmv_30d_amt: roundInt('coalesce(s30.gmv, 0)'),
    total_sale_gmv_amt: roundInt('coalesce(tot.gmv, 0)'),
    total_shares_cnt: 'coalesce(vid.shares, 0)',
    total_video_product_30d_cnt: 'coalesce(s30.video_products, 0)',
    total_video_sale_30d_cnt: 'coalesce(s30.video_units, 0)',
    total_video_sale_gmv_30d_amt: roundInt('coalesce(s30.video_gmv, 0)'),
    total_views_cnt: 'coalesce(vid.views, 0)',
    unique_id: 'p.unique_id',
    user_id: 'CAST(p.user_id AS VARCHAR)',
    per_views_avg_cnt: `CASE WHEN coalesce(vid.n_videos, 0) > 0 THEN ${roundInt('vid.views / vid.n_videos')} ELSE 0 END`,
    total_views_7d_cnt: 'coalesce(e.views_0, 0) - coalesce(e.views_7, 0)',
    per_video_product_views_avg_cnt: `CASE WHEN coalesce(vid.n_pv, 0) > 0 THEN ${roundInt('vid.pv_views / vid.n_pv')} ELSE 0 END`,
    product_category_ids: `coalesce(pc.category_ids, []::VARCHAR[])`,
  };
  const select = SNAPSHOT_FIELDS.map((f) => {
    const expr = fields[f.name];
    if (expr === undefined) throw new Error(`no formula for snapshot field ${f.name}`);
    return `CAST(${expr} AS ${sqlType(f.type)}) AS ${f.name}`;
  }).join(',\n  ');
  return `WITH
vid AS (
  SELECT user_id, count(*) AS n_videos, sum(views) AS views, sum(comments) AS comments, sum(shares) AS shares,
    count(*) FILTER (WHERE has_products) AS n_pv, sum(views) FILTER (WHERE has_products) AS pv_views,
    sum(views) FILTER (WHERE recent) AS views_90, sum(likes + comments + shares) FILTER (WHERE recent) AS interactions_90,
    ${counts},
    arg_max(video_id, (views, -video_id)) AS top_video
  FROM (SELECT *, CAST(create_time AS DATE) BETWEEN ${a} - 89 AND ${a} AS recent,
          ${bucket} AS dur, hour(create_time) AS hr, isodow(create_time) AS dow FROM in_videos)
  GROUP BY user_id),
act AS (
  -- A separate aggregate: a DISTINCT inside the one above forces a much slower grouping.
  SELECT user_id, count(*) AS active_days_30 FROM (
    SELECT DISTINCT user_id, CAST(create_time AS DATE) AS d FROM in_videos
    WHERE CAST(create_time AS DATE) BETWEEN ${a} - 29 AND ${a})
  GROUP BY user_id),
ir AS (
  SELECT user_id, CASE WHEN coalesce(views_90, 0) > 0 THEN ${ratio('interactions_90', 'views_90', 4)} ELSE 0 END AS rate
  FROM vid),
top AS (
  SELECT v.user_id, ${json(`json_object('video_id', CAST(v.video_id AS VARCHAR), 'views_cnt', v.views, 'likes_cnt', v.likes,
      'comments_cnt', v.comments, 'shares_cnt', v.shares, 'duration_sec', v.duration_sec,
      'create_time', strftime(v.create_time, '%Y-%m-%dT%H:%M:%SZ'))`)} AS j
  FROM vid JOIN in_videos v ON v.video_id = vid.top_video),
s30 AS (
  SELECT user_id, sum(units) AS units, sum(gmv_amt) AS gmv,
    sum(gmv_amt) FILTER (WHERE channel = 'live') AS live_gmv, sum(gmv_amt) FILTER (WHERE channel = 'video') AS video_gmv,
    sum(units) FILTER (WHERE channel = 'video') AS video_units, sum(units) FILTER (WHERE channel = 'live') AS live_units,
    count(DISTINCT product_id) FILTER (WHERE units > 0) AS products,
    count(DISTINCT product_id) FILTER (WHERE units > 0 AND channel = 'video') AS video_products
  FROM in_sales_w30 GROUP BY user_id),
-- A category's GMV and units are over all its rows of the window (the sales row's category); the share's
-- denominator is the window GMV of every row, zero-unit rows included. Listed: categories with units > 0.
cat_ranked AS (
  SELECT c.user_id, category_id, c.gmv, c.units, s30.gmv AS total_gmv,
    row_number() OVER (PARTITION BY c.user_id ORDER BY c.gmv DESC, c.units DESC, category_id) AS rank
  FROM (SELECT user_id, product_category_id AS category_id, sum(gmv_amt) AS gmv, sum(units) AS units
        FROM in_sales_w30 GROUP BY user_id, product_category_id) c
  JOIN s30 ON s30.user_id = c.user_id
  WHERE c.units > 0),
cat AS (
  SELECT user_id, ${json(`to_json(list(struct_pack(category_id := CAST(category_id AS VARCHAR),
      gmv_share := CAST(CASE WHEN total_gmv > 0 THEN ${ratio(micros('gmv'), micros('total_gmv'), 4)} ELSE 0 END AS DOUBLE))
      ORDER BY rank))`)} AS j
  FROM cat_ranked WHERE rank <= 3 GROUP BY user_id),
pc AS (
  SELECT p.user_id, count(*) AS n,
    list_transform(list_sort(list_distinct(list(c.category_id) FILTER (WHERE c.category_id IS NOT NULL))), x -> CAST(x AS VARCHAR)) AS category_ids
  FROM in_products p LEFT JOIN in_product_category c ON c.product_id = p.product_id GROUP BY p.user_id)
SELECT
  ${select}
FROM in_profile p
JOIN in_first f ON f.user_id = p.user_id
LEFT JOIN in_stats st ON st.user_id = p.user_id
LEFT JOIN in_edges e ON e.user_id = p.user_id
LEFT JOIN vid ON vid.user_id = p.user_id
LEFT JOIN act ON act.user_id = p.user_id
LEFT JOIN ir ON ir.user_id = p.user_id
LEFT JOIN top ON top.user_id = p.user_id
LEFT JOIN s30 ON s30.user_id = p.user_id
LEFT JOIN cat ON cat.user_id = p.user_id
LEFT JOIN pc ON pc.user_id = p.user_id
LEFT JOIN in_sales_totals tot ON tot.user_id = p.user_id
LEFT JOIN in_lives lv ON lv.user_id = p.user_id
ORDER BY p.region, p.user_id`;
}

export interface SnapshotRowsResult {
  readonly rows: number;
  readonly regions: Record<string, number>;
}

/** Computes the snapshot for `asOf` and writes it as parquet (sorted by region, then user_id as a number). */
export async function writeSnapshotRows(
  connection: DuckDBConnection,
  args: { asOf: string; source: InputSource; parquetPath: string },
): Promise<SnapshotRowsResult> {
  await prepareInputs(connection, args.asOf, args.source);
  // Written straight from the query (its ORDER BY is the file's order): the rows are sorted once and not
  // materialized in a temp table first. The region counts are read back from the file.
  await connection.run(
    `COPY (${snapshotSql(args.asOf)}) TO ${sqlString(args.parquetPath)} (FORMAT parquet, COMPRESSION zstd)`,
  );
  const result = await connection.runAndReadAll(
    `SELECT region, count(*) FROM read_parquet(${sqlString(args.parquetPath)}) GROUP BY region ORDER BY region`,
  );
  const regions: Record<string, number> = {};
  let rows = 0;
  for (const [region, n] of result.getRowsJS()) {
    regions[String(region)] = Number(n);
    rows += Number(n);
  }
  await dropInputs(connection);
  return { rows, regions };
}
