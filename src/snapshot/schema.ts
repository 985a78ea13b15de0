// The snapshot row: one influencer as of the snapshot's as-of date.
// This list is the contract between the pipeline (which computes it), the snapshot files (which store it),
// the serving index (which searches and hydrates it), the export command and the API response.
// docs/metrics.md gives the formula of each computed field.

/** How a field is typed in JSON (API response, ndjson export) and in the snapshot's parquet file. */
export type FieldType =
  | 'string' // VARCHAR, never null ('' when unknown)
  | 'int' // BIGINT, never null; JSON integer (all values stay below 2^53)
  | 'number' // DOUBLE, never null; JSON number
  | 'string_list'; // VARCHAR[], never null ([] when empty)

export interface SnapshotField {
  readonly name: string;
  readonly type: FieldType;
  /** Served in each item of the API response's `data` (false: filter/sort-only, export only). */
  readonly served: boolean;
  readonly title: string;
}

const served = (name: string, type: FieldType, title: string): SnapshotField => ({
  name,
  type,
  served: true,
  title,
});

/** Every field, in the order the API serializes them (the seed's order, plus total_likes_cnt). */
export const SNAPSHOT_FIELDS: readonly SnapshotField[] = [
  served('avatar', 'string', 'Influencer avatar address'),
  served('avg_30d_price', 'int', 'Average sales price in the past 30 days (USD)'),
  served('category', 'string', 'Creator category'),
  served('contact_email', 'string', 'Public contact e-mail'),
  served('ec_score', 'number', 'Commercial value rating, 0–5, two decimals'),
  served('first_crawl_dt', 'int', 'First crawl date, yyyymmdd'),
  served('gender', 'string', "Gender (US only; '' elsewhere)"),
  served('influencer_video_duration_level', 'string', 'Video duration distribution (JSON object string)'),
  served('influencer_video_publish_hour', 'string', 'Video publish hour distribution (JSON object string)'),
  served(
    'influencer_video_publish_week',
    'string',
    'Video publish weekday distribution (JSON object string)',
  ),
  served('interaction_rate', 'number', 'Interaction rate as a fraction (0.0532 = 5.32 %)'),
  served('language', 'string', 'Language code'),
  served('most_category_product', 'string', 'Best-selling product categories (JSON array string)'),
  served('most_views_video', 'string', 'Most viewed video (JSON object string, or empty)'),
  served('nick_name', 'string', 'Display name'),
  served('off_mark', 'int', 'Whether the account is cancelled: 0 = no, > 0 = cancelled'),
  served('per_video_product_views_avg_7d_cnt', 'int', 'Average 7-day view increase of product videos'),
  served('region', 'string', 'Region code'),
  served('sales_flag', 'int', '0 none, 1 video sales, 2 live sales, 3 both, 4 showcase only'),
  served('seller_id', 'string', "Linked shop id ('' when none)"),
  served('show_case_flag', 'int', 'Showcase enabled: 1 yes, 0 no'),
  served('signature', 'string', 'Bio'),
  served('total_comments_cnt', 'int', 'Total comments'),
  served('total_digg_1d_cnt', 'int', 'Increase in likes in the last 1 day'),
  served('total_digg_30d_cnt', 'int', 'Increase in likes in the last 30 days'),
  served('total_digg_7d_cnt', 'int', 'Increase in likes in the last 7 days'),
  served('total_digg_90d_cnt', 'int', 'Increase in likes in the last 90 days'),
  served('total_digg_cnt', 'int', 'Total likes received'),
  served('total_followers_1d_cnt', 'int', 'Follower increase in the last 1 day'),
  served('total_followers_30d_cnt', 'int', 'Follower increase in the last 30 days'),
  served('total_followers_7d_cnt', 'int', 'Follower increase in the last 7 days'),
  served('total_followers_90d_cnt', 'int', 'Follower increase in the last 90 days'),
  served('total_followers_cnt', 'int', 'Followers'),
  served('total_following_cnt', 'int', 'Accounts followed'),
  served('total_likes_cnt', 'int', 'Videos this account has liked'),
  served('total_live_cnt', 'int', 'Total live streams'),
  served('total_live_sale_gmv_30d_amt', 'int', 'Live GMV in the last 30 days (USD)'),
  served('total_post_video_cnt', 'int', 'Published videos'),
  served('total_product_30d_cnt', 'int', 'Products sold in the last 30 days'),
  served('total_product_cnt', 'int', 'Products promoted, all time'),
  served('total_sale_cnt', 'int', 'Units sold, all time (estimated)'),
  served('total_sale_gmv_30d_amt', 'int', 'GMV in the last 30 days (USD, estimated)'),
  served('total_sale_gmv_amt', 'int', 'GMV, all time (USD, estimated)'),
  served('total_shares_cnt', 'int', 'Total shares'),
  served('total_video_product_30d_cnt', 'int', 'Products sold via video in the last 30 days'),
  served('total_video_sale_30d_cnt', 'int', 'Units sold via video in the last 30 days'),
  served('total_video_sale_gmv_30d_amt', 'int', 'Video GMV in the last 30 days (USD)'),
  served('total_views_cnt', 'int', 'Total video views'),
  served('unique_id', 'string', 'Handle'),
  served('user_id', 'string', 'TikTok user id (decimal string)'),
  // Served since index format 6 (issue 9), last so that an older index's items get them appended in order.
  served('per_views_avg_cnt', 'int', 'Average views per video (sort field 4)'),
  served('total_views_7d_cnt', 'int', 'Video views increase in the last 7 days'),
  served('per_video_product_views_avg_cnt', 'int', 'Average views of product videos'),
  served('product_category_ids', 'string_list', 'Product category ids promoted or sold'),
];

export const SERVED_FIELDS = SNAPSHOT_FIELDS.filter((f) => f.served);

/** One snapshot row as plain values (what export writes and what the API serializes). */
export type SnapshotRow = Record<string, string | number | string[]>;

/** Name of the rows file inside a snapshot directory. Sorted by region, then user_id as a number. */
export const SNAPSHOT_ROWS_FILE = 'influencers.parquet';
/** Name of the manifest file inside a snapshot directory. */
export const SNAPSHOT_MANIFEST_FILE = 'manifest.json';
/** Folder inside a snapshot directory holding the serving index files (written by src/index). */
export const SNAPSHOT_INDEX_DIR = 'index';
export const SNAPSHOT_SCHEMA_VERSION = 1;

/** DuckDB SQL type of a field in the snapshot's parquet file. */
export function sqlType(type: FieldType): string {
  switch (type) {
    case 'string':
      return 'VARCHAR';
    case 'int':
      return 'BIGINT';
    case 'number':
      return 'DOUBLE';
    case 'string_list':
      return 'VARCHAR[]';
  }
}
