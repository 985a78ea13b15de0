// The raw input format, version 1: what a crawler collects each day.
// This module is the single source of truth for table and column names; the generator writes it,
// the pipeline validates and loads it, and docs/raw-format.md explains it for operators.
//
// Layout of a raw directory:
//   DIR/YYYY-MM-DD/<table>.<ext>   one batch per crawl day (UTC observation date), ext = ndjson | csv | parquet
// A batch may omit a table it has no rows for (e.g. no live sessions that day).

export const RAW_FORMAT_VERSION = 1;

export const RAW_FILE_EXTENSIONS = ['ndjson', 'csv', 'parquet'] as const;
export type RawFileExtension = (typeof RAW_FILE_EXTENSIONS)[number];

/** Column types as they appear in a raw file. */
export type RawColumnType =
  | 'id' // decimal string of 1–20 digits, no leading zero (e.g. "6812345678901234567")
  | 'string'
  | 'count' // integer ≥ 0
  | 'int' // integer, any sign
  | 'money' // decimal number ≥ 0, US dollars
  | 'timestamp' // ISO-8601 UTC, e.g. "2026-11-20T08:15:00Z"
  | 'id_list'; // list of ids: JSON array in ndjson, LIST<VARCHAR> in parquet, ';'-separated in csv

/**
 * Physical type of each column type in a parquet batch (DuckDB names). Timestamps are TIMESTAMP without a
 * time zone holding UTC; money is DOUBLE rounded to cents. (Added after version 1 was drafted; compatible.)
 */
export const RAW_PARQUET_TYPES: Readonly<Record<RawColumnType, string>> = {
  id: 'VARCHAR',
  string: 'VARCHAR',
  count: 'BIGINT',
  int: 'BIGINT',
  money: 'DOUBLE',
  timestamp: 'TIMESTAMP',
  id_list: 'VARCHAR[]',
};

export interface RawColumn {
  readonly name: string;
  readonly type: RawColumnType;
  /** Nullable columns may be null / empty; every other column is required. */
  readonly nullable?: boolean;
  /** Allowed values for enumerated string or count columns. */
  readonly values?: readonly (string | number)[];
  readonly doc: string;
}

export interface RawTable {
  readonly name: RawTableName;
  /** Columns that identify a row within one batch; a repeated key in one batch is a duplicate. */
  readonly key: readonly string[];
  readonly doc: string;
  readonly columns: readonly RawColumn[];
}

export type RawTableName = 'profiles' | 'profile_stats' | 'videos' | 'lives' | 'products' | 'product_sales';

export const RAW_TABLES: readonly RawTable[] = [
  {
    name: 'profiles',
    key: ['user_id'],
    doc: 'Influencer attributes. A row whenever an influencer is first seen or any attribute changed; emitting every influencer every day is also valid. The latest row on or before the as-of date wins.',
    columns: [
      { name: 'user_id', type: 'id', doc: 'TikTok user id' },
      { name: 'unique_id', type: 'string', doc: 'handle, without @' },
      { name: 'nick_name', type: 'string', doc: 'display name' },
      { name: 'avatar', type: 'string', doc: 'avatar URL' },
      { name: 'signature', type: 'string', doc: 'bio text' },
      { name: 'region', type: 'string', doc: 'two-letter upper-case region code, e.g. US' },
      { name: 'language', type: 'string', doc: 'ISO 639-1 language code, e.g. en' },
      {
        name: 'gender',
        type: 'string',
        values: ['', 'male', 'female'],
        doc: 'estimated gender; only filled for US accounts',
      },
      { name: 'category', type: 'string', doc: "creator category name (reference/categories.json) or ''" },
      { name: 'contact_email', type: 'string', doc: "public contact e-mail or ''" },
      { name: 'seller_id', type: 'id', nullable: true, doc: 'linked TikTok Shop seller id, null when none' },
      { name: 'show_case_flag', type: 'count', values: [0, 1], doc: '1 when the product showcase is open' },
      { name: 'off_mark', type: 'count', doc: '0 = active; > 0 = account cancelled / gone' },
    ],
  },
  {
    name: 'profile_stats',
    key: ['user_id'],
    doc: 'Profile counters as shown on the profile that day: one row per influencer per crawl day.',
    columns: [
      { name: 'user_id', type: 'id', doc: 'TikTok user id' },
      { name: 'followers_cnt', type: 'count', doc: 'followers' },
      { name: 'following_cnt', type: 'count', doc: 'accounts followed' },
      { name: 'likes_received_cnt', type: 'count', doc: 'likes received on all videos (TikTok "hearts")' },
      { name: 'likes_given_cnt', type: 'count', doc: 'videos this account has liked (TikTok "digg" count)' },
      { name: 'video_cnt', type: 'count', doc: 'published videos' },
    ],
  },
  {
    name: 'videos',
    key: ['video_id'],
    doc: 'Video observations: cumulative counters of one video as of that crawl day. A video may be observed on any number of days; the latest observation on or before a date is its state on that date.',
    columns: [
      { name: 'video_id', type: 'id', doc: 'TikTok video id' },
      { name: 'user_id', type: 'id', doc: 'author' },
      { name: 'create_time', type: 'timestamp', doc: 'publish time (UTC)' },
      { name: 'duration_sec', type: 'count', doc: 'length in seconds' },
      { name: 'views_cnt', type: 'count', doc: 'plays' },
      { name: 'likes_cnt', type: 'count', doc: 'likes' },
      { name: 'comments_cnt', type: 'count', doc: 'comments' },
      { name: 'shares_cnt', type: 'count', doc: 'shares' },
      {
        name: 'product_ids',
        type: 'id_list',
        doc: 'TikTok Shop products promoted in the video (may be empty)',
      },
    ],
  },
  {
    name: 'lives',
    key: ['live_id'],
    doc: 'Live sessions, reported on the crawl day the session started.',
    columns: [
      { name: 'live_id', type: 'id', doc: 'live room session id' },
      { name: 'user_id', type: 'id', doc: 'host' },
      { name: 'start_time', type: 'timestamp', doc: 'start (UTC)' },
      { name: 'duration_sec', type: 'count', doc: 'length in seconds' },
      { name: 'viewers_cnt', type: 'count', doc: 'unique viewers' },
      {
        name: 'gmv_amt',
        type: 'money',
        doc: 'GMV reported for the session (informational; metrics use product_sales)',
      },
    ],
  },
  {
    name: 'products',
    key: ['product_id'],
    doc: 'TikTok Shop products seen that day (promoted in a video or sold): a row when first seen or changed; latest wins.',
    columns: [
      { name: 'product_id', type: 'id', doc: 'TikTok Shop product id' },
      {
        name: 'product_category_id',
        type: 'id',
        doc: 'top-level product category id (reference/categories.json)',
      },
      { name: 'price_amt', type: 'money', doc: 'list price, US dollars' },
    ],
  },
  {
    name: 'product_sales',
    key: ['user_id', 'product_id', 'channel'],
    doc: "Products sold by an influencer that crawl day, by channel: one row per (user_id, product_id, channel) with the day's units and GMV.",
    columns: [
      { name: 'user_id', type: 'id', doc: 'influencer' },
      { name: 'product_id', type: 'id', doc: 'TikTok Shop product id' },
      {
        name: 'product_category_id',
        type: 'id',
        doc: 'top-level product category id (reference/categories.json)',
      },
      { name: 'channel', type: 'string', values: ['video', 'live'], doc: 'where the sale was attributed' },
      { name: 'units', type: 'count', doc: 'units sold that day' },
      { name: 'gmv_amt', type: 'money', doc: 'GMV that day, US dollars' },
      { name: 'price_amt', type: 'money', doc: 'unit price, US dollars' },
    ],
  },
];

/** A crawl day directory name: YYYY-MM-DD. */
export const BATCH_DIR_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
