// A synthetic snapshot made directly in DuckDB SQL, for benchmarks and tests at sizes the raw-data pipeline
// cannot reach on one machine (10M influencers × 90 days of history). Same schema as the pipeline's output,
// realistic shapes: heavy-tailed followers, ~10 regions with US ≈ 40 %, a minority of sellers, skewed
// categories, and deliberate ties on every sort field. Deterministic for a given (influencers, seed).
import { link, mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { SNAPSHOT_FIELDS, SNAPSHOT_MANIFEST_FILE, SNAPSHOT_ROWS_FILE, sqlType } from '../snapshot/schema.ts';
import { activateSnapshot, beginSnapshot, type SnapshotInfo } from '../snapshot/store.ts';
import { buildServingIndex } from '../index/build.ts';
import {
  dayNumber,
  dayString,
  HISTORY_DIR,
  HISTORY_MAX_VALUE,
  HistoryWriter,
  type HistoryMeta,
} from '../snapshot/history.ts';
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
      conn.closeSync();
      instance.closeSync();
      const historyDays = options.historyDays ?? (influencers <= 200_000 ? 365 : 0);
      if (historyDays > 0) {
        progress.log(`synthetic snapshot: writing ${historyDays} days of daily history`);
        await writeSyntheticHistory(
          parquet,
          draft.dir,
          options.asOf ?? '2026-11-24',
          historyDays,
          seed,
          progress,
        );
      }
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

export interface SyntheticHistoryOptions {
  /** A committed synthetic snapshot (writeSyntheticSnapshot's), with or without history. */
  readonly from: SnapshotInfo;
  /** Where the new snapshot goes (a data directory other than the source's, same file system). */
  readonly dataDir: string;
  /** Days of daily history to write, ending on the source's as-of date. */
  readonly historyDays: number;
  /** Make it the active snapshot of dataDir (default false). */
  readonly activate?: boolean;
}

/**
 * A snapshot of `from`'s rows and index with a synthetic daily history of `historyDays` days: the parquet and
 * the index files are hard links to the source's (nothing rebuilt), the history is written as
 * writeSyntheticSnapshot would have written it with the same seed. For the history benchmark at 10M, where
 * rebuilding the rows and the index would double the time.
 */
export async function writeSyntheticHistorySnapshot(
  options: SyntheticHistoryOptions,
  progress: Progress = silentProgress,
): Promise<SnapshotInfo> {
  const { from, dataDir, historyDays } = options;
  const seed = from.manifest.source?.seed;
  if (from.manifest.source?.generator !== 'src/service/synthetic-snapshot.ts' || typeof seed !== 'number')
    throw new Error(`${from.dir} is not a synthetic snapshot (its history could not be drawn the same way)`);
  if (!Number.isSafeInteger(historyDays) || historyDays < 1)
    throw new Error(`historyDays must be a positive integer, got ${historyDays}`);
  const draft = await beginSnapshot(dataDir, from.manifest.asOf);
  try {
    for (const entry of await readdir(from.dir, { recursive: true, withFileTypes: true })) {
      const source = join(entry.parentPath, entry.name);
      const relative = source.slice(from.dir.length + 1);
      if (relative === SNAPSHOT_MANIFEST_FILE || relative.split(sep)[0] === HISTORY_DIR) continue;
      const target = join(draft.dir, relative);
      if (entry.isDirectory()) await mkdir(target, { recursive: true });
      else {
        await mkdir(dirname(target), { recursive: true });
        await link(source, target);
      }
    }
    await writeSyntheticHistory(
      join(from.dir, SNAPSHOT_ROWS_FILE),
      draft.dir,
      from.manifest.asOf,
      historyDays,
      seed,
      progress,
    );
    const info = await draft.commit({
      rows: from.manifest.rows,
      regions: from.manifest.regions,
      source: { ...from.manifest.source, historyDays, rowsAndIndexFrom: from.dir },
    });
    if (options.activate) await activateSnapshot(dataDir, info.manifest.version);
    return { ...info, active: options.activate === true };
  } catch (err) {
    await draft.abandon();
    throw err;
  }
}

/**
 * Fills draws[0 … n) with the first n draws of random(seed) (mulberry32, same values), in one tight loop: the
 * history loop reads its draws from the array instead of calling a generator per value (1.6× faster here; a
 * u32 state kept between calls would be boxed on every draw).
 */
function fillDraws(draws: Float64Array, seed: number, n: number): void {
  let a = seed | 0;
  for (let j = 0; j < n; j++) {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    draws[j] = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

/** Unsigned LEB128 of a non-negative integer below 2^52 (the history format's varint). */
function varint(out: Uint8Array, at: number, value: number): number {
  let v = value;
  if (v < 128) {
    out[at] = v;
    return at + 1;
  }
  if (v < 0x80000000) {
    while (v >= 128) {
      out[at++] = (v & 127) | 128;
      v >>>= 7;
    }
  } else
    while (v >= 128) {
      out[at++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
  out[at++] = v;
  return at;
}

/** Zig-zag varint of a counter's delta. */
const delta = (out: Uint8Array, at: number, d: number) => varint(out, at, d >= 0 ? d * 2 : -d * 2 - 1);

/** Columns the history is drawn from, as doubles, in ascending user_id order (which is the row number i). */
const HISTORY_SOURCE = [
  'total_followers_cnt',
  'total_following_cnt',
  'total_digg_cnt',
  'total_post_video_cnt',
  'total_views_cnt',
] as const;

/**
 * Plausible daily series ending on the snapshot's values: each influencer is first crawled some day (often
 * before the window), then crawled on ~85 % of days; counters grow towards today's values with noise (so
 * followers sometimes drop), sellers sell on some days. Deterministic per (seed, influencer).
 *
 * Read from the snapshot's parquet (ids ascending = the generator's row number i, since ids grow with i) and
 * encoded straight into the format's bytes: no record object per day, one buffer copy per influencer, writes
 * of 1 MB (about 2 billion influencer-days at 10M × 365 days).
 */
async function writeSyntheticHistory(
  parquet: string,
  dir: string,
  asOf: string,
  days: number,
  seed: number,
  progress: Progress,
): Promise<HistoryMeta> {
  const last = dayNumber(asOf);
  const first = last - days + 1;
  const writer = await HistoryWriter.create(dir, dayString(first), asOf);
  const instance = await DuckDBInstance.create(':memory:', {
    threads: '2',
    temp_directory: join(dir, '.duckdb-history-tmp'),
  });
  const conn = await instance.connect();
  const started = performance.now();
  try {
    const total = Number(
      (
        await conn.runAndReadAll(`SELECT count(*) FROM read_parquet('${parquet.replace(/'/g, "''")}')`)
      ).getRows()[0]![0],
    );
    const result = await conn.stream(
      `SELECT CAST(user_id AS HUGEINT) AS uid, CAST(sales_flag IN (1, 2, 3) AS DOUBLE) AS seller,
              ${HISTORY_SOURCE.map((c) => `CAST(${c} AS DOUBLE)`).join(', ')}
       FROM read_parquet('${parquet.replace(/'/g, "''")}') ORDER BY uid`,
    );
    // At most 8 varints of at most 8 bytes per day of the window.
    const block = new Uint8Array(days * 64);
    const draws = new Float64Array(2 + days * 8);
    let i = 0;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const uids = chunk.getColumnVector(0);
      const sellers = chunk.getColumnVector(1);
      const vectors = HISTORY_SOURCE.map((_, c) => chunk.getColumnVector(c + 2));
      for (let r = 0; r < chunk.rowCount; r++, i++) {
        const followers = vectors[0]!.getItem(r) as number;
        const following = vectors[1]!.getItem(r) as number;
        const digg = vectors[2]!.getItem(r) as number;
        const videos = vectors[3]!.getItem(r) as number;
        const views = vectors[4]!.getItem(r) as number;
        const seller = (sellers.getItem(r) as number) !== 0;
        if (!(Math.max(followers, following, digg, videos, views) < HISTORY_MAX_VALUE / 4))
          throw new Error(`synthetic history: a counter of row ${i} is out of the format's range`);
        // The draws of random(i * 2654435761 + seed), in the order of the first version of this generator
        // (same series for the same seed): start, growth, then per day crawled?, [seller: sold? units],
        // followers, following, digg, views, price — at most 8 per day.
        const rowSeed = (i * 2654435761 + seed) >>> 0;
        fillDraws(draws, rowSeed, 2);
        const start = first + Math.floor((draws[0]! * 1.5 - 0.5) * days);
        const growth = draws[1]! * 0.4;
        const from = Math.max(first, start);
        fillDraws(draws, rowSeed, 2 + Math.max(0, last - from + 1) * 8);
        let k = 2;
        let at = 0;
        let records = 0;
        let prevDay = first;
        let pf = 0;
        let pg = 0;
        let pd = 0;
        let pv = 0;
        let pw = 0;
        for (let day = from; day <= last; day++) {
          if (draws[k++]! >= 0.85) continue;
          const scale = 1 - growth * ((last - day) / days);
          const units = seller && draws[k++]! < 0.3 ? Math.floor(draws[k++]! * 20) : 0;
          const f = Math.max(0, Math.round(followers * scale * (1 + (draws[k++]! - 0.5) * 0.002)));
          const g = Math.max(0, Math.round(following * scale * (1 + (draws[k++]! - 0.5) * 0.002)));
          const d = Math.max(0, Math.round(digg * scale * (1 + (draws[k++]! - 0.5) * 0.002)));
          const v = Math.round(videos * scale);
          const w = Math.max(0, Math.round(views * scale * (1 + (draws[k++]! - 0.5) * 0.002)));
          const gmv = units * Math.floor(5 + 40 * draws[k++]!);
          at = varint(block, at, day - prevDay);
          at = delta(block, at, f - pf);
          at = delta(block, at, g - pg);
          at = delta(block, at, d - pd);
          at = delta(block, at, v - pv);
          at = delta(block, at, w - pw);
          at = varint(block, at, units);
          at = varint(block, at, gmv);
          prevDay = day;
          pf = f;
          pg = g;
          pd = d;
          pv = v;
          pw = w;
          records++;
        }
        writer.addEncoded(uids.getItem(r) as bigint, block, at, records);
      }
      progress.update('synthetic history', i, total);
    }
    const meta = await writer.finish();
    progress.log(
      `synthetic history: ${meta.records.toLocaleString('en-US')} influencer-days, ${(meta.seriesBytes / 2 ** 30).toFixed(2)} GiB, ` +
        `${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    return meta;
  } catch (err) {
    writer.abort();
    throw err;
  } finally {
    conn.closeSync();
    instance.closeSync();
    await rm(join(dir, '.duckdb-history-tmp'), { recursive: true, force: true });
  }
}
