// GET /v1/tiktok/influencer/list/analytics: search, filter, sort and page one region's influencers.
// The contract is two tables: SORTS (influencer_sort_field_v2's codes) and FILTERS (one row per filter:
// its parameters, and how their values become a condition of the index query). The parser, the served
// OpenAPI parameters and docs/api.md's parameter table come from them; the reference SQL that tests and
// benchmarks check the index against (test/oracle/reference-sql.ts) is keyed by the same rows.
// A new range filter on a column the index already ranks (RANGE_FIELDS) is one row of FILTERS.
import {
  SORT_FIELDS,
  type InfluencerQuery,
  type Range,
  type RangeField,
  type SortFieldCode,
} from '../../index/query.ts';
import type { ServingIndex } from '../../index/types.ts';
import { KEYWORD_MAX_CHARS, KEYWORD_MAX_WORDS, foldedWords, keywordWords } from '../../index/keyword/text.ts';
import type { PaidEndpoint } from '../endpoint.ts';
import { ApiError } from '../errors.ts';
import { INFLUENCER_EXAMPLE, INFLUENCER_SCHEMA } from '../influencer-schema.ts';
import { pageKey } from '../page-cache.ts';
import { closest, vocabularyOf } from '../vocabulary.ts';
import { META_CATEGORIES } from './meta-categories.ts';
import { checkRegionServed } from './meta-region-parameter.ts';
import { META_LANGUAGES } from './meta-languages.ts';
import { META_PRODUCT_CATEGORIES } from './meta-product-categories.ts';
import {
  InvalidParameter,
  MAX_COUNT,
  codeParameter,
  decimalParameter,
  givenParameters,
  signedIntegerParameter,
  idListParameter,
  integerParameter,
  regionParameter,
  shown,
  textParameter,
  wordParameter,
  type GivenParameters,
  type Parameter,
} from '../parameters.ts';

export const INFLUENCER_LIST_PATH = '/v1/tiktok/influencer/list/analytics';
export const PAGE_SIZE_MAX = 10;
export const PAGE_NUM_MAX = 10_000;
/** Most ids accepted in one product_category_id list. */
export const PRODUCT_CATEGORY_IDS_MAX = 50;

/** influencer_sort_field_v2: each code and the index sort order it selects. Ties break on user_id ascending. */
export const SORTS: readonly {
  readonly code: number;
  readonly field: (typeof SORT_FIELDS)[number];
  readonly what: string;
}[] = [
  { code: 0, field: 'user_id', what: 'user_id (the default: a stable order)' },
  { code: 1, field: 'total_followers_cnt', what: 'total_followers_cnt' },
  { code: 2, field: 'total_followers_30d_cnt', what: 'total_followers_30d_cnt' },
  { code: 3, field: 'total_post_video_cnt', what: 'total_post_video_cnt' },
  { code: 4, field: 'per_views_avg_cnt', what: 'per_views_avg_cnt (average views per video)' },
  { code: 5, field: 'interaction_rate', what: 'interaction_rate' },
  { code: 6, field: 'total_product_cnt', what: 'total_product_cnt' },
  { code: 7, field: 'total_sale_gmv_30d_amt', what: 'total_sale_gmv_30d_amt (GMV of the last 30 days)' },
  { code: 8, field: 'total_followers_7d_cnt', what: 'total_followers_7d_cnt (follower growth, 7 days)' },
  { code: 9, field: 'ec_score', what: 'ec_score (commercial value rating)' },
  { code: 10, field: 'total_views_7d_cnt', what: 'total_views_7d_cnt (views gained, 7 days)' },
  { code: 11, field: 'total_sale_gmv_amt', what: 'total_sale_gmv_amt (GMV, all time)' },
];

/** The query being built from a query string, before it is frozen into an InfluencerQuery. */
type QueryDraft = { -readonly [K in keyof InfluencerQuery]: InfluencerQuery[K] } & {
  ranges: Partial<Record<RangeField, Range>>;
};

/** One row of the contract: a filter's parameters and how their values become a condition of the query. */
export interface Filter {
  /** The filter's name: its range field for a range filter, else its parameter's name. */
  readonly name: string;
  /** A range filter (min_/max_ of one ranked field): its reference SQL is the generic one. */
  readonly range?: RangeField;
  readonly parameters: readonly Parameter[];
  /** Parses the filter's values (in parameter order) into the query being built. */
  apply(given: GivenParameters, query: QueryDraft): void;
}

/** How a range filter's bounds are written: a count (integer ≥ 0), a growth (integer, may be negative), an
 *  amount (decimal ≥ 0: dollars, a rating) or a fraction (decimal in [0, 1]). */
type RangeKind = 'count' | 'growth' | 'amount' | 'fraction';

function rangeFilter(field: RangeField, what: string, kind: RangeKind): Filter {
  const bound = (side: 'min' | 'max'): Parameter<number> => {
    const name = `${side}_${field}`;
    const cap = `${side === 'min' ? 'Lower' : 'Upper'} bound, inclusive, of ${what}.`;
    const tail = side === 'min' ? ` Must not exceed max_${field}.` : '';
    switch (kind) {
      case 'count':
        return integerParameter({
          name,
          min: 0,
          max: MAX_COUNT,
          description: `${cap} A non-negative decimal integer (no sign, no decimals, no exponent).${tail}`,
          rule: `integer ≥ 0 (${what})`,
        });
      case 'growth':
        return signedIntegerParameter({
          name,
          description: `${cap} A decimal integer, negative for a loss (-500); no decimals, no exponent.${tail}`,
          rule: `integer, **may be negative** (${what})`,
        });
      case 'amount':
        return decimalParameter({
          name,
          description: `${cap} A non-negative decimal number written plainly (1500.50, not 1.5e3).${tail}`,
          rule: `decimal number ≥ 0 (${what})`,
        });
      case 'fraction':
        return decimalParameter({
          name,
          max: 1,
          description: `${cap} A decimal number from 0 to 1 written plainly: a fraction (0.05 = 5 %, not 5 or 5e-2).${tail}`,
          rule: 'decimal number from 0 to 1, **a fraction**: 0.05 = 5 %',
          mustBe: 'a non-negative decimal number, a fraction (0.05 = 5 %)',
          tooLarge: 'a fraction from 0 to 1 (0.05 = 5 %), not a percentage',
        });
    }
  };
  const min = bound('min');
  const max = bound('max');
  return {
    name: field,
    range: field,
    parameters: [min, max],
    apply(given, query) {
      const low = given.get(min);
      const high = given.get(max);
      if (low !== undefined && high !== undefined && low > high)
        throw new InvalidParameter(min.name, `${min.name} must not be greater than ${max.name}`);
      if (low !== undefined || high !== undefined) query.ranges[field] = { min: low, max: high };
    },
  };
}

/** A filter of one parameter whose parsed value is stored as is. */
function valueFilter<T, K extends keyof QueryDraft>(
  parameter: Parameter<T>,
  key: K,
  check?: (value: T, query: QueryDraft) => void,
): Filter {
  return {
    name: parameter.name,
    parameters: [parameter],
    apply(given, query) {
      const value = given.get(parameter);
      if (value === undefined) return;
      check?.(value, query);
      (query as Record<K, unknown>)[key] = value;
    },
  };
}

/** keyword: free text, folded and split into words by the rule of docs/api.md (src/index/keyword/text.ts). */
const keywordParameter: Parameter<readonly string[]> = {
  name: 'keyword',
  required: false,
  description: `Words to find in nick_name, unique_id and signature: each word must start a word of one of them (case- and accent-insensitive; any character other than a letter or digit separates words; each Chinese or Japanese character is a word). At most ${KEYWORD_MAX_CHARS} characters and ${KEYWORD_MAX_WORDS} words; at least one letter or digit.`,
  schema: { type: 'string', maxLength: KEYWORD_MAX_CHARS, example: 'glow skin' },
  rule: `text ≤ ${KEYWORD_MAX_CHARS} characters, 1–${KEYWORD_MAX_WORDS} words: **each word starts a word** of nick_name, unique_id or signature (case- and accent-insensitive; see "keyword" below)`,
  parse(raw) {
    if (raw.length > KEYWORD_MAX_CHARS)
      throw new InvalidParameter('keyword', `keyword must be at most ${KEYWORD_MAX_CHARS} characters`);
    const words = foldedWords(raw);
    if (words.length === 0)
      throw new InvalidParameter('keyword', `keyword must contain a letter or a digit, got ${shown(raw)}`);
    if (words.length > KEYWORD_MAX_WORDS)
      throw new InvalidParameter(
        'keyword',
        `keyword must have at most ${KEYWORD_MAX_WORDS} words, got ${words.length}`,
      );
    return keywordWords(raw);
  },
};

/** Every filter, in the order its parameters are validated and documented. */
export const FILTERS: readonly Filter[] = [
  rangeFilter('total_followers_cnt', 'followers', 'count'),
  rangeFilter('total_digg_cnt', 'total likes received', 'count'),
  rangeFilter(
    'interaction_rate',
    'interaction rate as a fraction: (likes + comments + shares) / views of recent videos, e.g. 0.05 = 5 %',
    'fraction',
  ),
  rangeFilter('total_views_cnt', 'total video views', 'count'),
  rangeFilter('total_views_7d_cnt', 'video views gained in the last 7 days', 'count'),
  rangeFilter('per_video_product_views_avg_cnt', 'average views of product-promoting videos', 'count'),
  rangeFilter(
    'per_video_product_views_avg_7d_cnt',
    'average views gained in the last 7 days by product-promoting videos',
    'count',
  ),
  rangeFilter('total_sale_gmv_30d_amt', 'GMV of the last 30 days in US dollars, decimals allowed', 'amount'),
  rangeFilter(
    'total_followers_30d_cnt',
    'follower growth over the last 30 days, negative when followers were lost',
    'growth',
  ),
  rangeFilter('ec_score', 'the commercial value rating ec_score, 0 to 5, decimals allowed', 'amount'),
  valueFilter(
    codeParameter({
      name: 'has_contact_email',
      codes: [
        [0, 'no public contact e-mail'],
        [1, 'a public contact e-mail (contact_email not empty)'],
      ],
      description: 'Public contact e-mail',
      rule: '0 or 1',
    }),
    'hasContactEmail',
  ),
  valueFilter(
    idListParameter({
      name: 'product_category_id',
      maxIds: PRODUCT_CATEGORY_IDS_MAX,
      description: `TikTok Shop product category id, or a comma-separated list of ids (at most ${PRODUCT_CATEGORY_IDS_MAX}): matches influencers who promoted or sold products in any of them.`,
      rule: `one decimal id or a comma-separated list (≤ ${PRODUCT_CATEGORY_IDS_MAX} ids): influencers with products in **any** of them`,
      example: '601450,601152',
    }),
    'productCategoryIds',
  ),
  valueFilter(
    textParameter({
      name: 'influencer_category_name',
      description:
        'Creator category name, one value, case-insensitive exact match (e.g. "Home, Furniture & Appliances": commas belong to the name, it is never split).',
      rule: 'one category name, case-insensitive exact match; commas are part of names (`Home, Furniture & Appliances`) and never split',
      example: 'Beauty',
    }),
    'category',
  ),
  valueFilter(
    textParameter({
      name: 'influencer_language',
      description: 'Language code (ISO 639-1), one value, case-insensitive exact match.',
      rule: 'one language code (ISO 639-1), case-insensitive',
      example: 'en',
    }),
    'language',
  ),
  valueFilter(
    wordParameter({
      name: 'gender',
      words: ['male', 'female'],
      description:
        'male or female (case-insensitive), estimated from the profile picture and videos. Only available for region US: with any other region it is a 400.',
      rule: '`male` or `female`, case-insensitive; **region US only**',
    }),
    'gender',
    (_gender, query) => {
      if (query.region !== 'US')
        throw new InvalidParameter('gender', `gender is only available for region US, not ${query.region}`);
    },
  ),
  valueFilter(
    codeParameter({
      name: 'show_case_flag',
      codes: [
        [0, 'no'],
        [1, 'yes'],
      ],
      description: 'Product showcase open',
      rule: '0 or 1',
    }),
    'showCaseFlag',
  ),
  valueFilter(
    codeParameter({
      name: 'sales_flag',
      codes: [
        [0, 'no restriction (same as absent)'],
        [1, 'sells through video (sales_flag 1 or 3)'],
        [2, 'sells through live (2 or 3)'],
        [3, 'both (3)'],
        [4, 'showcase open (show_case_flag = 1)'],
      ],
      description: 'Sales filter',
    }),
    'salesFlag',
  ),
  valueFilter(keywordParameter, 'keyword'),
];

const region = regionParameter({
  name: 'region',
  required: true,
  description:
    'Region code: two letters, case-insensitive (us = US). A region without influencers in the active snapshot is a 400 that lists the regions served.',
  rule: '**required**; two letters, case-insensitive (`us` = `US`); a region absent from the snapshot is a 400 listing the regions served',
});
const pageNum = integerParameter({
  name: 'page_num',
  min: 1,
  max: PAGE_NUM_MAX,
  default: 1,
  example: 1,
  description: `Page number, 1 to ${PAGE_NUM_MAX}. Default 1.`,
});
const pageSize = integerParameter({
  name: 'page_size',
  min: 1,
  max: PAGE_SIZE_MAX,
  default: PAGE_SIZE_MAX,
  example: PAGE_SIZE_MAX,
  description: `Rows per page, 1 to ${PAGE_SIZE_MAX}. Default ${PAGE_SIZE_MAX}.`,
});
const sortField = codeParameter({
  name: 'influencer_sort_field_v2',
  codes: SORTS.map((s) => [s.code, s.what] as const),
  default: 0,
  description: 'Sort field (ties always break on user_id ascending)',
});
const sortType = codeParameter({
  name: 'sort_type',
  codes: [
    [0, 'ascending (default)'],
    [1, 'descending'],
  ],
  default: 0,
  description: 'Sort order',
  mustBe: '0 (ascending) or 1 (descending)',
});

/** Every parameter the endpoint accepts, in the order they are validated and documented. */
export const INFLUENCER_LIST_PARAMETERS: readonly Parameter[] = [
  region,
  pageNum,
  pageSize,
  sortField,
  sortType,
  ...FILTERS.flatMap((f) => f.parameters),
];

const SORT_CODES: ReadonlyMap<number, SortFieldCode> = new Map(
  SORTS.map((s) => [s.code, SORT_FIELDS.indexOf(s.field) as SortFieldCode]),
);

/**
 * Parses and validates a query string (without the leading "?") into a frozen InfluencerQuery.
 * Rules: empty values count as not given; unknown and repeated parameters are rejected; the first
 * violation, in the order of INFLUENCER_LIST_PARAMETERS, is reported with the parameter's name.
 * Queries are built with a fixed key order, so equal queries have equal JSON (the page cache's key).
 */
export function parseInfluencerQuery(queryString: string): InfluencerQuery {
  const given = givenParameters(queryString, INFLUENCER_LIST_PARAMETERS);
  const query: QueryDraft = {
    region: given.get(region)!,
    pageNum: given.get(pageNum) ?? 1,
    pageSize: given.get(pageSize) ?? PAGE_SIZE_MAX,
    sortField: SORT_CODES.get(given.get(sortField) ?? 0)!,
    descending: given.get(sortType) === 1,
    ranges: {},
  };
  for (const filter of FILTERS) filter.apply(given, query);
  // Shared by later requests through the parse cache: frozen, so nothing downstream can change it.
  for (const range of Object.values(query.ranges)) Object.freeze(range);
  Object.freeze(query.ranges);
  if (query.productCategoryIds) Object.freeze(query.productCategoryIds);
  return Object.freeze(query);
}

/**
 * A category, language or product category that no region of the snapshot has would return an empty page
 * for a credit: it is a 400 naming the closest valid values and where to list them, not charged.
 */
function checkVocabulary(index: ServingIndex, query: InfluencerQuery): void {
  const vocabulary = vocabularyOf(index);
  const unknown = (parameter: string, typed: string, valid: readonly string[], listed: string) =>
    new ApiError(
      'invalid_parameter',
      `${parameter} ${JSON.stringify(typed)} matches no influencer in this snapshot; closest: ${closest(
        typed,
        valid,
      )
        .map((v) => JSON.stringify(v))
        .join(', ')} (all values: GET ${listed})`,
    );
  if (query.category !== undefined) {
    const names = vocabulary.categories().map((c) => c.name);
    if (!names.some((n) => n.toLowerCase() === query.category))
      throw unknown('influencer_category_name', query.category, names, META_CATEGORIES.path);
  }
  if (query.language !== undefined) {
    const codes = vocabulary.languages().map((l) => l.code);
    if (!codes.includes(query.language))
      throw unknown(
        'influencer_language',
        query.language,
        codes,
        `${META_LANGUAGES.path}?region=${query.region}`,
      );
  }
  if (query.productCategoryIds !== undefined) {
    const present = new Set(vocabulary.productCategories().map((c) => c.id));
    const missing = query.productCategoryIds.filter((id) => !present.has(id));
    // A list matches when any id does: only a list of which no id exists is empty for sure.
    if (missing.length === query.productCategoryIds.length)
      throw unknown('product_category_id', missing.join(','), [...present], META_PRODUCT_CATEGORIES.path);
  }
}

/** A valid query and its page-cache key. */
interface ListQuery {
  readonly query: InfluencerQuery;
  readonly key: string;
}

const EXAMPLE_QUERY =
  'region=US&influencer_sort_field_v2=2&sort_type=1&min_total_followers_cnt=50000&max_total_followers_cnt=500000&min_interaction_rate=0.05&sales_flag=1&page_num=1&page_size=10';

export const INFLUENCER_LIST: PaidEndpoint<ListQuery> = {
  path: INFLUENCER_LIST_PATH,
  operationId: 'listInfluencerAnalytics',
  summary: 'Influencer List (Analytics)',
  tag: 'TikTok Influencer',
  description: `Search and filter one region's TikTok influencers using analytics data with rich multi-dimensional metrics: follower trends, engagement rates, sales performance and history, computed from daily observations.

**Decisions on the open points of the seed contract**

- Default order (influencer_sort_field_v2 = 0): user_id, numerically, in the sort_type direction. Every other sort field breaks ties on user_id ascending, so pages never overlap or skip rows.
- interaction_rate is a fraction (0.0532 = 5.32 %), both as a response field and as a filter.
- sales_flag as a filter: 0 or absent = no restriction, 1 = sells through video (1 or 3), 2 = through live (2 or 3), 3 = both, 4 = showcase open.
- gender exists for US data only: gender with another region is a 400.
- product_category_id: one id or a comma-separated list of ids; matches influencers with products in any of them.
- page_num and page_size default to 1 and 10 (the seed marked them required but gave defaults).

**Validation.** Integers are plain decimal digits ("1.5", "1e3", " 1", "-1" and values above 2^53 are rejected); counts are ≥ 0; min_X must not exceed max_X; an empty value is the same as an absent parameter; unknown parameters and repeated parameters are rejected. Every violation is a 400 whose message names the parameter.`,
  parameters: INFLUENCER_LIST_PARAMETERS,
  credits: 1,
  exampleQuery: EXAMPLE_QUERY,
  okDescription: 'Success: one page of influencers (an empty array past the last page). Costs one credit.',
  dataSchema: { type: 'array', items: { $ref: '#/components/schemas/Influencer' } },
  dataExample: [INFLUENCER_EXAMPLE],
  schemas: { Influencer: INFLUENCER_SCHEMA },
  parse(queryString) {
    const query = parseInfluencerQuery(queryString);
    return Object.freeze({ query, key: pageKey(query) });
  },
  check(index: ServingIndex, { query }) {
    checkRegionServed(index, query.region);
    checkVocabulary(index, query);
  },
  answer(ctx, index, { query, key }, headers) {
    const page = ctx.page(index, query, key);
    headers.set('x-total-count', String(page.total));
    return page.bytes;
  },
};
