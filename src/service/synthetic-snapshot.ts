// A synthetic snapshot made directly in DuckDB SQL, for benchmarks and tests at sizes the raw-data pipeline
// cannot reach on one machine (10M influencers × 90 days of history). Same schema as the pipeline's output,
// realistic shapes: heavy-tailed followers, ~10 regions with US ≈ 40 %, a minority of sellers, skewed
// categories, and deliberate ties on every sort field. Deterministic for a given (influencers, seed).
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { SNAPSHOT_FIELDS, SNAPSHOT_ROWS_FILE, sqlType } from '../snapshot/schema.ts';
import { activateSnapshot, beginSnapshot, type SnapshotInfo } from '../snapshot/store.ts';
import { buildServingIndex } from '../index/build.ts';
import { dayNumber, HistoryWriter, type HistoryRecord } from '../snapshot/history.ts';
import { silentProgress, type Progress } from '../progress.ts';

export interface SyntheticSnapshotOptions {
  readonly dataDir: string;
  readonly influencers: number;
  readonly seed: number;
  /** Make it the active snapshot (default false). */
  readonly activate?: boolean;
  /** As-of date, YYYY-MM-DD (default 2026-11-24). */
  readonly asOf?: string;
  /**
   * Days of daily history to write (0: none, like a snapshot from before history was kept). Default 365 up
   * to 200,000 influencers, else 0: a year of a large snapshot takes minutes to write.
   */
  readonly historyDays?: number;
}

// Creator categories and TikTok Shop top-level product category ids (from the shared reference vocabulary).
const CATEGORIES = [
  'Beauty',
  'Shopping & Retail',
  'Life Style',
  'Health & Wellness',
  'Clothing & Accessories',
  'Baby',
  'Food & Beverage',
  'Food & Cooking',
  'Travel & Tourism',
  'Home, Furniture & Appliances',
  'Music & Dance',
  'Education & Training',
  'Sports, Fitness & Outdoors',
  'Animals & Nature',
  'Pets',
  'Gaming',
  'Media & Entertainment',
  'Art & Crafts',
  'Finance & Investing',
  'Machinery & Equipment',
  'Live Streaming Guild',
  'Government Affairs',
  'Real Estate',
  'MCN',
  'Other',
  'NGO',
  'Public Administration',
  'Professional Services',
  'IT & High-Tech',
  'Software & Apps',
  'Public Figure',
  'Restaurants & Bars',
  'Automotive & Transportation',
  'Personal Blog',
  'Brand',
];
const PRODUCT_CATEGORY_IDS = [
  '601450', '601152', '824328', '600001', '605248', '601739', '601303', '824584', '601352', '602284',
  '600024', '603014', '700437', '601755', '604206', '802184', '605196', '602118', '600942', '600154',
  '604968', '604579', '801928', '700645', '953224', '604453', '951432', '834312', '856720', '2344592',
]; // prettier-ignore

/** Region, share of influencers, main language, second language. */
const REGIONS: readonly [string, number, string, string][] = [
  ['US', 0.4, 'en', 'es'],
  ['ID', 0.1, 'id', 'en'],
  ['GB', 0.08, 'en', 'pl'],
  ['TH', 0.07, 'th', 'en'],
  ['VN', 0.07, 'vi', 'en'],
  ['PH', 0.06, 'tl', 'en'],
  ['MX', 0.06, 'es', 'en'],
  ['BR', 0.06, 'pt', 'es'],
  ['MY', 0.05, 'ms', 'zh'],
  ['DE', 0.05, 'de', 'tr'],
];

const list = (values: readonly string[]) => `[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ')}]`;

function regionCase(column: string, pick: (r: (typeof REGIONS)[number]) => string): string {
  let acc = 0;
  const arms = REGIONS.map((r) => {
    acc += r[1];
    return `WHEN ${column} < ${acc.toFixed(4)} THEN ${pick(r)}`;
  });
  return `CASE ${arms.join(' ')} ELSE ${pick(REGIONS[REGIONS.length - 1]!)} END`;
}

const FIRST_NAME_LIST = ['Emma', 'Léa', 'Chloé', 'Zoé', 'Inès', 'José', 'Sofía', 'Lucía', 'Mia', 'Ava', 'Noah',
  'Liam', 'Leo', 'Luna', 'Kai', 'Max', 'Ana', 'João', 'Björn', 'Ömer', 'Çağla', 'Mai', 'Linh', 'Minh', 'Anh',
  'Siti', 'Putri', 'Nur', 'Ploy', 'Nattapong', 'Juan', 'María', 'Camila', 'Gabriel', 'Lukas', 'Jonas', 'Amélie',
  'Hannah', 'Grace', 'Olivia']; // prettier-ignore
const LAST_NAME_LIST = ['Dubois', 'Martin', 'García', 'López', 'Silva', 'Santos', 'Nguyen', 'Tran', 'Kim', 'Lee',
  'Smith', 'Brown', 'Müller', 'Schmidt', 'Öztürk', 'Wijaya', 'Putra', 'Reyes', 'Cruz', 'Hernández', 'Rossi',
  'Bianchi', 'Kowalski', 'Novak', 'Chen', 'Wong', 'Tan', 'Lim', 'Rahman', 'Pereira']; // prettier-ignore
const SIGNATURE_PHRASES = ['Daily vlogs ✨', 'Beauty & skincare tips', 'Glowing skin routine', 'DM for collabs 📩',
  'Cooking at home 🍳', 'Gamer | streamer', 'Fitness coach', 'Mode & beauté', 'Recettes faciles', 'Café ☕ lover',
  'Travel ✈️ photographer', 'Maman de 3', 'Tips de maquillaje', 'Ropa y estilo', 'Moda sustentável',
  'Tech reviews', 'Unboxing hauls 📦', 'Pet lover 🐶', 'Book reviews 📚', 'Dance 💃 choreography',
  'Resep masakan rumahan', 'Review makeup lokal', 'Skincare Routine 2024', 'Home décor ideas',
  'Budget fashion finds', 'Mom life', 'Street food tour', 'K-beauty lover', 'Outfit inspo', 'Small business owner']; // prettier-ignore
const FIRST_NAMES = `${list(FIRST_NAME_LIST)}[1 + (hash(i, 23) % ${FIRST_NAME_LIST.length})::INTEGER]`;
const LAST_NAMES = `${list(LAST_NAME_LIST)}[1 + (hash(i, 25) % ${LAST_NAME_LIST.length})::INTEGER]`;
const SIGNATURES = list(SIGNATURE_PHRASES);

/** SQL expression of every snapshot field over the generated base columns (u(k) = uniform [0,1) draw k). */
function fieldExpressions(): Record<string, string> {
  const views = 'views';
  return {
    user_id: 'CAST(uid AS VARCHAR)',
    region: 'region',
    // Names, handles and signatures for keyword search: accented first names, handles of the plain name
    // (separated by _, . or nothing) and the row number (unique), one or two signature phrases.
    unique_id: `strip_accents(lower(${FIRST_NAMES})) || ${list(['_', '.', ''])}[1 + (hash(i, 24) % 3)::INTEGER] || strip_accents(lower(${LAST_NAMES})) || i`,
    nick_name: `${FIRST_NAMES} || ' ' || ${LAST_NAMES}`,
    avatar: `'https://p16-sign.tiktokcdn.com/avt/' || uid || '~c5_100x100.jpeg'`,
    signature: `CASE WHEN u(20) < 0.3 THEN '' WHEN u(20) < 0.6 THEN ${SIGNATURES}[1 + (hash(i, 21) % ${SIGNATURE_PHRASES.length})::INTEGER] ELSE ${SIGNATURES}[1 + (hash(i, 21) % ${SIGNATURE_PHRASES.length})::INTEGER] || ' | ' || ${SIGNATURES}[1 + (hash(i, 26) % ${SIGNATURE_PHRASES.length})::INTEGER] END`,
    contact_email: `CASE WHEN u(22) < 0.2 THEN 'creator' || i || '@mail.example' ELSE '' END`,
    language: `CASE WHEN u(5) < 0.85 THEN lang1 WHEN u(5) < 0.86 THEN upper(lang1) ELSE lang2 END`,
    gender: `CASE WHEN region <> 'US' THEN '' WHEN u(6) < 0.46 THEN 'female' WHEN u(6) < 0.92 THEN 'male' ELSE '' END`,
    category: `CASE WHEN u(7) < 0.05 THEN '' ELSE ${list(CATEGORIES)}[1 + floor(${CATEGORIES.length} * u(8) * u(8))::INTEGER] END`,
    seller_id: `CASE WHEN sales_flag IN (1, 2, 3) THEN CAST(7490000000000000000::HUGEINT + i AS VARCHAR) ELSE '' END`,
    show_case_flag: 'show_case_flag',
    off_mark: 'CASE WHEN u(9) < 0.01 THEN 1 ELSE 0 END',
    sales_flag: 'sales_flag',
    first_crawl_dt: `CAST(strftime(DATE '2024-01-01' + (hash(i, 10) % 600)::INTEGER, '%Y%m%d') AS BIGINT)`,
    total_followers_cnt: 'followers',
    total_following_cnt: 'floor(50 + 2000 * u(11) * u(11))',
    total_likes_cnt: 'floor(30000 * u(12) * u(12) * u(12))',
    total_post_video_cnt: 'videos',
    total_digg_cnt: `floor(${views} * (0.02 + 0.1 * u(13)))`,
    total_comments_cnt: `floor(${views} * 0.002 * u(14))`,
    total_shares_cnt: `floor(${views} * 0.001 * u(15))`,
    total_views_cnt: views,
    total_views_7d_cnt: `floor(${views} * 0.03 * u(16) * u(16))`,
    per_views_avg_cnt: `floor(${views} / videos)`,
    interaction_rate: `round((floor(${views} * (0.02 + 0.1 * u(13))) + floor(${views} * 0.002 * u(14)) + floor(${views} * 0.001 * u(15))) / greatest(${views}, 1), 4)`,
    total_followers_1d_cnt: 'round(followers * (u(17) - 0.3) * 0.002)',
    total_followers_7d_cnt: 'round(followers * (u(17) - 0.3) * 0.01)',
    total_followers_30d_cnt: 'round(followers * (u(17) - 0.3) * 0.05)',
    total_followers_90d_cnt: 'round(followers * (u(17) - 0.3) * 0.12)',
    total_digg_1d_cnt: `floor(${views} * 0.0005 * u(18))`,
    total_digg_7d_cnt: `floor(${views} * 0.003 * u(18))`,
    total_digg_30d_cnt: `floor(${views} * 0.01 * u(18))`,
    total_digg_90d_cnt: `floor(${views} * 0.03 * u(18))`,
    total_live_cnt: 'CASE WHEN sales_flag IN (2, 3) THEN floor(5 + 200 * u(19)) ELSE floor(3 * u(19)) END',
    total_product_cnt: 'CASE WHEN seller THEN floor(1 + 300 * u(23) * u(23) * u(23)) ELSE 0 END',
    total_product_30d_cnt: 'CASE WHEN seller THEN floor(40 * u(23) * u(24)) ELSE 0 END',
    total_video_product_30d_cnt: 'CASE WHEN sales_flag IN (1, 3) THEN floor(30 * u(23) * u(24)) ELSE 0 END',
    total_video_sale_30d_cnt: 'CASE WHEN sales_flag IN (1, 3) THEN floor(2000 * u(25) * u(25)) ELSE 0 END',
    total_sale_cnt: 'CASE WHEN seller THEN floor(50000 * u(25) * u(25) * u(26)) ELSE 0 END',
    total_sale_gmv_amt:
      'CASE WHEN seller THEN floor(50000 * u(25) * u(25) * u(26) * (5 + 40 * u(27))) ELSE 0 END',
    total_sale_gmv_30d_amt:
      'CASE WHEN seller THEN floor(20000 * u(25) * u(24) * (5 + 40 * u(27))) ELSE 0 END',
    total_video_sale_gmv_30d_amt:
      'CASE WHEN sales_flag IN (1, 3) THEN floor(2000 * u(25) * u(25) * (5 + 40 * u(27))) ELSE 0 END',
    total_live_sale_gmv_30d_amt:
      'CASE WHEN sales_flag IN (2, 3) THEN floor(30000 * u(28) * u(28)) ELSE 0 END',
    avg_30d_price: 'CASE WHEN seller THEN floor(5 + 40 * u(27)) ELSE 0 END',
    per_video_product_views_avg_cnt: `CASE WHEN seller THEN floor(${views} / videos * (0.2 + u(29))) ELSE 0 END`,
    per_video_product_views_avg_7d_cnt: `CASE WHEN seller THEN floor(${views} / videos * 0.05 * u(29) * u(30)) ELSE 0 END`,
    ec_score: 'CASE WHEN seller THEN round(1 + 4 * u(31), 2) ELSE round(u(31), 2) END',
    influencer_video_duration_level: `'{"<15s":' || round(u(32), 2) || ',"15-60s":' || round(1 - u(32), 2) || '}'`,
    influencer_video_publish_hour: `'{"' || (hash(i, 33) % 24) || '":0.6,"' || (hash(i, 34) % 24) || '":0.4}'`,
    influencer_video_publish_week: `'{"' || (1 + hash(i, 35) % 7) || '":0.7,"' || (1 + hash(i, 36) % 7) || '":0.3}'`,
    most_category_product: `CASE WHEN seller THEN '["' || ${list(PRODUCT_CATEGORY_IDS)}[1 + (hash(i, 37) % 12)::INTEGER] || '"]' ELSE '[]' END`,
    most_views_video: `CASE WHEN videos > 10 THEN '{"video_id":"' || (7300000000000000000::HUGEINT + i) || '","views":' || CAST(floor(${views} * 0.1) AS BIGINT) || '}' ELSE '' END`,
    product_category_ids: `CASE WHEN NOT seller AND show_case_flag = 0 THEN []::VARCHAR[]
      WHEN u(38) < 0.6 THEN [${list(PRODUCT_CATEGORY_IDS)}[1 + floor(12 * u(39) * u(39))::INTEGER]]
      ELSE list_distinct([${list(PRODUCT_CATEGORY_IDS)}[1 + floor(30 * u(39) * u(39))::INTEGER],
                          ${list(PRODUCT_CATEGORY_IDS)}[1 + floor(30 * u(40))::INTEGER]]) END`,
  };
}

/**
 * Writes a committed synthetic snapshot (parquet + serving index) under `dataDir` and returns it; activates it
 * when asked.
 */
export async function writeSyntheticSnapshot(
  options: SyntheticSnapshotOptions,
  progress: Progress = silentProgress,
): Promise<SnapshotInfo> {
  const { dataDir, influencers, seed } = options;
  if (!Number.isSafeInteger(influencers) || influencers < 1)
    throw new Error(`influencers must be a positive integer, got ${influencers}`);
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new Error(`seed must be a non-negative integer, got ${seed}`);
  const draft = await beginSnapshot(dataDir, options.asOf ?? '2026-11-24');
  try {
    const instance = await DuckDBInstance.create(':memory:', {
      threads: '2',
      temp_directory: join(draft.dir, '.duckdb-tmp'),
    });
    const conn = await instance.connect();
    try {
      progress.log(`synthetic snapshot: ${influencers.toLocaleString('en-US')} influencers, seed ${seed}`);
      // u(k): the k-th uniform draw of row i (the macro needs i passed explicitly).
      const run = (sql: string) => conn.run(sql.replace(/\bu\((\d+)\)/g, 'u(i, $1)'));
      await conn.run(`CREATE MACRO u(i, k) AS (hash(i, k, ${seed}) % 4294967296)::DOUBLE / 4294967296.0`);
      // Narrow base table in served order (region, then user_id): ids grow with i, from 7 to 19 digits.
      await run(
        `CREATE TABLE base AS
         SELECT i, uid, region, lang1, lang2, followers, videos,
                floor(followers * (0.3 + 3 * u(3)) * least(videos, 400) * 0.05 * u(4)) + floor(followers * 0.1) AS views,
                sales_flag, sales_flag IN (1, 2, 3) AS seller,
                CASE WHEN sales_flag > 0 OR u(2) < 0.03 THEN 1 ELSE 0 END AS show_case_flag
         FROM (
           SELECT i,
                  CAST(floor(pow(10, 6 + 12.9 * i / ${influencers})) AS HUGEINT) + i AS uid,
                  ${regionCase('u(0)', (r) => `'${r[0]}'`)} AS region,
                  ${regionCase('u(0)', (r) => `'${r[2]}'`)} AS lang1,
                  ${regionCase('u(0)', (r) => `'${r[3]}'`)} AS lang2,
                  least(floor(800 / pow(1 - u(1), 1 / 1.15)), 250000000) AS followers,
                  floor(1 + 400 * u(41) * u(41)) AS videos,
                  CASE WHEN u(42) < 0.06 THEN 1 WHEN u(42) < 0.09 THEN 2 WHEN u(42) < 0.12 THEN 3
                       WHEN u(42) < 0.15 THEN 4 ELSE 0 END AS sales_flag
           FROM range(${influencers}) t(i)
         ) ORDER BY region, uid`,
      );
      const exprs = fieldExpressions();
      const select = SNAPSHOT_FIELDS.map((f) => {
        const expr = exprs[f.name];
        if (!expr) throw new Error(`synthetic snapshot: no expression for field ${f.name}`);
        return `CAST(${expr} AS ${sqlType(f.type)}) AS ${f.name}`;
      });
      const parquet = join(draft.dir, SNAPSHOT_ROWS_FILE);
      progress.log(`synthetic snapshot: writing ${parquet}`);
      await run(
        `COPY (SELECT ${select.join(',\n')} FROM base) TO '${parquet.replace(/'/g, "''")}' (FORMAT parquet, COMPRESSION zstd)`,
      );
      const regions = Object.fromEntries(
        (await conn.runAndReadAll(`SELECT region, count(*) FROM base GROUP BY region ORDER BY region`))
          .getRows()
          .map(([r, n]) => [String(r), Number(n)]),
      );
      const historyDays = options.historyDays ?? (influencers <= 200_000 ? 365 : 0);
      if (historyDays > 0) {
        progress.log(`synthetic snapshot: writing ${historyDays} days of daily history`);
        await writeSyntheticHistory(conn, run, draft.dir, options.asOf ?? '2026-11-24', historyDays, seed);
      }
      conn.closeSync();
      instance.closeSync();
      await rm(join(draft.dir, '.duckdb-tmp'), { recursive: true, force: true });
      await buildServingIndex(draft.dir, progress);
      const info = await draft.commit({
        rows: influencers,
        regions,
        source: { generator: 'src/service/synthetic-snapshot.ts', seed, influencers },
      });
      if (options.activate) await activateSnapshot(dataDir, info.manifest.version);
      progress.log(`synthetic snapshot: ${info.dir}${options.activate ? ' (active)' : ''}`);
      return { ...info, active: options.activate === true };
    } finally {
      try {
        conn.closeSync();
        instance.closeSync();
      } catch {
        // already closed
      }
    }
  } catch (err) {
    await draft.abandon();
    throw err;
  }
}

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Plausible daily series ending on the snapshot's values: each influencer is first crawled some day (often
 * before the window), then crawled on ~85 % of days; counters grow towards today's values with noise (so
 * followers sometimes drop), sellers sell on some days. Deterministic per (seed, influencer).
 */
async function writeSyntheticHistory(
  conn: Awaited<ReturnType<DuckDBInstance['connect']>>,
  run: (sql: string) => Promise<unknown>,
  dir: string,
  asOf: string,
  days: number,
  seed: number,
): Promise<void> {
  const exprs = fieldExpressions();
  await run(`CREATE TABLE hist_base AS SELECT uid, CAST(i AS DOUBLE) AS i, CAST(uid AS VARCHAR) AS id,
      CAST(followers AS DOUBLE) AS followers, CAST(videos AS DOUBLE) AS videos, CAST(views AS DOUBLE) AS views,
      CAST(seller AS DOUBLE) AS seller, CAST(${exprs.total_following_cnt} AS DOUBLE) AS following,
      CAST(${exprs.total_digg_cnt} AS DOUBLE) AS digg FROM base`);
  const last = dayNumber(asOf);
  const first = last - days + 1;
  const writer = await HistoryWriter.create(
    dir,
    new Date(first * 86_400_000).toISOString().slice(0, 10),
    asOf,
  );
  try {
    const columns = ['i', 'id', 'followers', 'videos', 'views', 'seller', 'following', 'digg'] as const;
    const result = await conn.stream(`SELECT ${columns.join(', ')} FROM hist_base ORDER BY uid`);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const vectors = columns.map((_, c) => chunk.getColumnVector(c));
      for (let r = 0; r < chunk.rowCount; r++) {
        const row = Object.fromEntries(columns.map((name, c) => [name, vectors[c]!.getItem(r)])) as Record<
          (typeof columns)[number],
          number
        >;
        const next = random(Number(row.i) * 2654435761 + seed);
        const start = first + Math.floor((next() * 1.5 - 0.5) * days);
        const growth = next() * 0.4;
        const records: HistoryRecord[] = [];
        for (let day = Math.max(first, start); day <= last; day++) {
          if (next() >= 0.85) continue;
          const back = (last - day) / days;
          const at = (now: number) =>
            Math.max(0, Math.round(now * (1 - growth * back) * (1 + (next() - 0.5) * 0.002)));
          const units = row.seller && next() < 0.3 ? Math.floor(next() * 20) : 0;
          records.push({
            day,
            followers: at(Number(row.followers)),
            following: at(Number(row.following)),
            digg: at(Number(row.digg)),
            videos: Math.round(Number(row.videos) * (1 - growth * back)),
            views: at(Number(row.views)),
            saleCnt: units,
            saleGmv: units * Math.floor(5 + 40 * next()),
          });
        }
        writer.add(String(row.id), records);
      }
    }
    await writer.finish();
  } catch (err) {
    writer.abort();
    throw err;
  }
}
