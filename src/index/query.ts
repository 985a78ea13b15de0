// A validated search over one region's influencers: the contract between the API (which parses and
// validates query parameters into it) and the serving index (which answers it). The reference semantics
// are the SQL of test/oracle/reference-sql.ts: the index must return exactly those rows in that order.

/** Sort fields of influencer_sort_field_v2. 0 (the default) is user_id order. */
export const SORT_FIELDS = [
  'user_id',
  'total_followers_cnt',
  'total_followers_30d_cnt',
  'total_post_video_cnt',
  'per_views_avg_cnt',
  'interaction_rate',
  'total_product_cnt',
  'total_sale_gmv_30d_amt',
  'total_followers_7d_cnt',
  'ec_score',
  'total_views_7d_cnt',
  'total_sale_gmv_amt',
] as const;
export type SortFieldCode = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11;

/** Range-filtered snapshot fields, keyed by the query parameter stem (min_<stem> / max_<stem>). */
export const RANGE_FIELDS = [
  'total_followers_cnt',
  'total_digg_cnt',
  'interaction_rate',
  'total_views_cnt',
  'total_views_7d_cnt',
  'per_video_product_views_avg_cnt',
  'per_video_product_views_avg_7d_cnt',
  'total_sale_gmv_30d_amt',
  'total_followers_30d_cnt',
  'ec_score',
] as const;
export type RangeField = (typeof RANGE_FIELDS)[number];

/** Inclusive bounds; an absent bound is open. */
export interface Range {
  readonly min?: number;
  readonly max?: number;
}

export interface InfluencerQuery {
  /** Upper-case two-letter region code. */
  readonly region: string;
  /** 1-based page number, 1..10000. */
  readonly pageNum: number;
  /** Rows per page, 1..10. */
  readonly pageSize: number;
  readonly sortField: SortFieldCode;
  /** sort_type: false = ascending (0), true = descending (1). Ties always break on user_id ascending. */
  readonly descending: boolean;
  readonly ranges: Readonly<Partial<Record<RangeField, Range>>>;
  /** Match influencers whose product_category_ids intersect this list (absent or empty: no restriction). */
  readonly productCategoryIds?: readonly string[];
  /** Case-insensitive equality; given here lower-cased. */
  readonly category?: string;
  readonly language?: string;
  readonly gender?: string;
  /** show_case_flag equality. */
  readonly showCaseFlag?: number;
  /** 0 or absent: none; 1: sales_flag in (1,3); 2: in (2,3); 3: = 3; 4: show_case_flag = 1. */
  readonly salesFlag?: 0 | 1 | 2 | 3 | 4;
  /** 1: a public contact e-mail (contact_email not empty); 0: none. */
  readonly hasContactEmail?: 0 | 1;
  /** Folded keyword words (keyword/text.ts keywordWords): a row matches when each starts one of the words of
   *  its nick_name, unique_id or signature. Absent or empty: no restriction. */
  readonly keyword?: readonly string[];
}

/** Numeric order of decimal user ids (canonical, no leading zeros): shorter is smaller, then lexicographic. */
export function compareUserIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
