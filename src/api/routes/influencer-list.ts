// GET /v1/tiktok/influencer/list/analytics: search, filter, sort and page one region's influencers.
// This file holds the endpoint's parameter contract (also the source of the served OpenAPI parameters),
// the parser that turns a query string into a validated InfluencerQuery, and the handler.
import type { FastifyInstance } from 'fastify';
import { RANGE_FIELDS, type InfluencerQuery, type Range, type RangeField } from '../../index/query.ts';
import type { ServingIndex } from '../../index/types.ts';
import { ApiError } from '../errors.ts';
import { requireAccount, serveCharged } from '../account-guard.ts';
import type { AppContext } from '../context.ts';
import { pageKey } from '../page-cache.ts';

export const INFLUENCER_LIST_PATH = '/v1/tiktok/influencer/list/analytics';

export const PAGE_SIZE_MAX = 10;
export const PAGE_NUM_MAX = 10_000;
/** Longest accepted value of a free-text filter (category, language). */
export const TEXT_MAX_LENGTH = 100;
/** Most ids accepted in one product_category_id list. */
export const PRODUCT_CATEGORY_IDS_MAX = 50;

/** An OpenAPI 3.0 schema object, as far as this endpoint's parameters need it. */
export interface ParameterSchema {
  readonly type: 'integer' | 'number' | 'string';
  readonly minimum?: number;
  readonly maximum?: number;
  readonly enum?: readonly (number | string)[];
  readonly default?: number | string;
  readonly pattern?: string;
  readonly maxLength?: number;
  readonly example?: number | string;
}

/** One query parameter of the endpoint: how it is documented and how it is parsed. */
export interface QueryParameter {
  readonly name: string;
  readonly required: boolean;
  readonly description: string;
  readonly schema: ParameterSchema;
}

const RANGE_DESCRIPTIONS: Record<RangeField, string> = {
  total_followers_cnt: 'Followers',
  total_digg_cnt: 'Total likes received',
  interaction_rate:
    'Interaction rate as a fraction: (likes + comments + shares) / views of recent videos, e.g. 0.05 = 5 %',
  total_views_cnt: 'Total video views',
  total_views_7d_cnt: 'Video views gained in the last 7 days',
  per_video_product_views_avg_cnt: 'Average views of product-promoting videos',
  per_video_product_views_avg_7d_cnt: 'Average views gained in the last 7 days by product-promoting videos',
};

const MAX_COUNT = Number.MAX_SAFE_INTEGER;

function rangeParameters(): QueryParameter[] {
  return RANGE_FIELDS.flatMap((field) => {
    const fraction = field === 'interaction_rate';
    const schema: ParameterSchema = fraction
      ? { type: 'number', minimum: 0 }
      : { type: 'integer', minimum: 0, maximum: MAX_COUNT };
    const what = RANGE_DESCRIPTIONS[field];
    const rule = fraction
      ? 'A non-negative decimal number written plainly (0.05, not 5 % or 5e-2).'
      : 'A non-negative decimal integer (no sign, no decimals, no exponent).';
    return (['min', 'max'] as const).map((bound) => ({
      name: `${bound}_${field}`,
      required: false,
      description: `${bound === 'min' ? 'Lower' : 'Upper'} bound, inclusive, of ${what[0]!.toLowerCase()}${what.slice(1)}. ${rule}${bound === 'min' ? ` Must not exceed max_${field}.` : ''}`,
      schema,
    }));
  });
}

/** Every parameter the endpoint accepts, in the order they are validated and documented. */
export const INFLUENCER_LIST_PARAMETERS: readonly QueryParameter[] = [
  {
    name: 'region',
    required: true,
    description:
      'Region code: two letters, case-insensitive (us = US). A region without influencers in the active snapshot is a 400 that lists the regions served.',
    schema: { type: 'string', pattern: '^[A-Za-z]{2}$', example: 'US' },
  },
  {
    name: 'page_num',
    required: false,
    description: 'Page number, 1 to 10000. Default 1.',
    schema: { type: 'integer', minimum: 1, maximum: PAGE_NUM_MAX, default: 1, example: 1 },
  },
  {
    name: 'page_size',
    required: false,
    description: 'Rows per page, 1 to 10. Default 10.',
    schema: { type: 'integer', minimum: 1, maximum: PAGE_SIZE_MAX, default: 10, example: 10 },
  },
  {
    name: 'influencer_sort_field_v2',
    required: false,
    description:
      'Sort field: 0 = user_id (the default: a stable order), 1 = total_followers_cnt, 2 = total_followers_30d_cnt, 3 = total_post_video_cnt, 4 = per_views_avg_cnt (average views per video), 5 = interaction_rate, 6 = total_product_cnt. Ties always break on user_id ascending.',
    schema: { type: 'integer', enum: [0, 1, 2, 3, 4, 5, 6], default: 0 },
  },
  {
    name: 'sort_type',
    required: false,
    description: 'Sort order: 0 = ascending (default), 1 = descending.',
    schema: { type: 'integer', enum: [0, 1], default: 0 },
  },
  ...rangeParameters(),
  {
    name: 'product_category_id',
    required: false,
    description: `TikTok Shop product category id, or a comma-separated list of ids (at most ${PRODUCT_CATEGORY_IDS_MAX}): matches influencers who promoted or sold products in any of them.`,
    schema: { type: 'string', pattern: '^\\d{1,20}(,\\d{1,20})*$', example: '601450,601152' },
  },
  {
    name: 'influencer_category_name',
    required: false,
    description:
      'Creator category name, one value, case-insensitive exact match (e.g. "Home, Furniture & Appliances": commas belong to the name, it is never split).',
    schema: { type: 'string', maxLength: TEXT_MAX_LENGTH, example: 'Beauty' },
  },
  {
    name: 'influencer_language',
    required: false,
    description: 'Language code (ISO 639-1), one value, case-insensitive exact match.',
    schema: { type: 'string', maxLength: TEXT_MAX_LENGTH, example: 'en' },
  },
  {
    name: 'gender',
    required: false,
    description:
      'male or female (case-insensitive), estimated from the profile picture and videos. Only available for region US: with any other region it is a 400.',
    schema: { type: 'string', enum: ['male', 'female'] },
  },
  {
    name: 'show_case_flag',
    required: false,
    description: 'Product showcase open: 1 = yes, 0 = no.',
    schema: { type: 'integer', enum: [0, 1] },
  },
  {
    name: 'sales_flag',
    required: false,
    description:
      'Sales filter: 0 (or absent) = no restriction, 1 = sells through video (sales_flag 1 or 3), 2 = sells through live (2 or 3), 3 = both (3), 4 = showcase open (show_case_flag = 1).',
    schema: { type: 'integer', enum: [0, 1, 2, 3, 4] },
  },
];

const PARAMETER_NAMES: ReadonlySet<string> = new Set(INFLUENCER_LIST_PARAMETERS.map((p) => p.name));

export type QueryParseResult =
  | { readonly ok: true; readonly query: InfluencerQuery }
  | { readonly ok: false; readonly parameter: string; readonly message: string };

/** Quotes a received value for an error message, shortened so a huge value cannot bloat the reply. */
function shown(raw: string): string {
  return JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw);
}

class InvalidParameter extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
  }
}

const DIGITS = /^\d+$/;
const PLAIN_DECIMAL = /^\d+(\.\d+)?$/;

function integerIn(name: string, raw: string, min: number, max: number, rule: string): number {
  const n = DIGITS.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new InvalidParameter(name, `${name} must be ${rule}, got ${shown(raw)}`);
  return n;
}

function count(name: string, raw: string): number {
  return integerIn(name, raw, 0, MAX_COUNT, `a non-negative integer (0 to ${MAX_COUNT})`);
}

function fraction(name: string, raw: string): number {
  const n = PLAIN_DECIMAL.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(n))
    throw new InvalidParameter(
      name,
      `${name} must be a non-negative decimal number, a fraction (0.05 = 5 %), got ${shown(raw)}`,
    );
  return n;
}

function text(name: string, raw: string): string {
  if (raw.length > TEXT_MAX_LENGTH)
    throw new InvalidParameter(name, `${name} must be at most ${TEXT_MAX_LENGTH} characters`);
  return raw.toLowerCase();
}

function productCategoryIds(raw: string): string[] {
  const name = 'product_category_id';
  const ids = raw.split(',').map((s) => s.trim());
  if (ids.some((id) => !/^\d{1,20}$/.test(id)))
    throw new InvalidParameter(
      name,
      `${name} must be one decimal id or a comma-separated list of decimal ids, got ${shown(raw)}`,
    );
  if (ids.length > PRODUCT_CATEGORY_IDS_MAX)
    throw new InvalidParameter(name, `${name} accepts at most ${PRODUCT_CATEGORY_IDS_MAX} ids`);
  // Canonical decimal form (no leading zeros), as the snapshot stores ids; duplicates dropped.
  return [...new Set(ids.map((id) => id.replace(/^0+(?=\d)/, '')))];
}

/**
 * Parses and validates a query string (without the leading "?") into an InfluencerQuery.
 * Rules: empty values count as not given; unknown and repeated parameters are rejected; the first
 * violation, in the order of INFLUENCER_LIST_PARAMETERS, is reported with the parameter's name.
 */
export function parseInfluencerQuery(queryString: string): QueryParseResult {
  const given = new Map<string, string>();
  try {
    for (const [name, value] of new URLSearchParams(queryString)) {
      if (!PARAMETER_NAMES.has(name))
        throw new InvalidParameter(
          name,
          `Unknown parameter: ${name.length > 60 ? name.slice(0, 60) + '…' : name}`,
        );
      if (given.has(name)) throw new InvalidParameter(name, `Parameter given more than once: ${name}`);
      given.set(name, value);
    }
    return { ok: true, query: toQuery(given) };
  } catch (err) {
    if (err instanceof InvalidParameter) return { ok: false, parameter: err.parameter, message: err.message };
    throw err;
  }
}

function toQuery(given: Map<string, string>): InfluencerQuery {
  // Empty string = not given (the seed's own examples send region-less empties like gender=).
  const value = (name: string): string | undefined => {
    const v = given.get(name);
    return v === undefined || v === '' ? undefined : v;
  };

  const rawRegion = value('region');
  if (rawRegion === undefined) throw new InvalidParameter('region', 'Missing required parameter: region');
  if (!/^[A-Za-z]{2}$/.test(rawRegion))
    throw new InvalidParameter(
      'region',
      `region must be a two-letter region code such as US, got ${shown(rawRegion)}`,
    );
  const region = rawRegion.toUpperCase();

  const rawPageNum = value('page_num');
  const pageNum =
    rawPageNum === undefined
      ? 1
      : integerIn('page_num', rawPageNum, 1, PAGE_NUM_MAX, `an integer between 1 and ${PAGE_NUM_MAX}`);
  const rawPageSize = value('page_size');
  const pageSize =
    rawPageSize === undefined
      ? PAGE_SIZE_MAX
      : integerIn('page_size', rawPageSize, 1, PAGE_SIZE_MAX, `an integer between 1 and ${PAGE_SIZE_MAX}`);
  const rawSort = value('influencer_sort_field_v2');
  const sortField = (
    rawSort === undefined
      ? 0
      : integerIn('influencer_sort_field_v2', rawSort, 0, 6, 'an integer between 0 and 6')
  ) as InfluencerQuery['sortField'];
  const rawSortType = value('sort_type');
  const descending =
    rawSortType !== undefined &&
    integerIn('sort_type', rawSortType, 0, 1, '0 (ascending) or 1 (descending)') === 1;

  const ranges: Partial<Record<RangeField, Range>> = {};
  for (const field of RANGE_FIELDS) {
    const parse = field === 'interaction_rate' ? fraction : count;
    const minName = `min_${field}`;
    const maxName = `max_${field}`;
    const rawMin = value(minName);
    const rawMax = value(maxName);
    const min = rawMin === undefined ? undefined : parse(minName, rawMin);
    const max = rawMax === undefined ? undefined : parse(maxName, rawMax);
    if (min !== undefined && max !== undefined && min > max)
      throw new InvalidParameter(minName, `${minName} must not be greater than ${maxName}`);
    if (min !== undefined || max !== undefined) ranges[field] = { min, max };
  }

  const rawIds = value('product_category_id');
  const ids = rawIds === undefined ? undefined : productCategoryIds(rawIds);
  const rawCategory = value('influencer_category_name');
  const category = rawCategory === undefined ? undefined : text('influencer_category_name', rawCategory);
  const rawLanguage = value('influencer_language');
  const language = rawLanguage === undefined ? undefined : text('influencer_language', rawLanguage);

  const rawGender = value('gender');
  let gender: string | undefined;
  if (rawGender !== undefined) {
    gender = rawGender.toLowerCase();
    if (gender !== 'male' && gender !== 'female')
      throw new InvalidParameter('gender', `gender must be male or female, got ${shown(rawGender)}`);
    if (region !== 'US')
      throw new InvalidParameter('gender', `gender is only available for region US, not ${region}`);
  }

  const rawShowCase = value('show_case_flag');
  const showCaseFlag =
    rawShowCase === undefined ? undefined : integerIn('show_case_flag', rawShowCase, 0, 1, '0 or 1');
  const rawSalesFlag = value('sales_flag');
  const salesFlag = (
    rawSalesFlag === undefined
      ? undefined
      : integerIn('sales_flag', rawSalesFlag, 0, 4, 'an integer between 0 and 4')
  ) as InfluencerQuery['salesFlag'];

  return {
    region,
    pageNum,
    pageSize,
    sortField,
    descending,
    ranges,
    ...(ids !== undefined && { productCategoryIds: ids }),
    ...(category !== undefined && { category }),
    ...(language !== undefined && { language }),
    ...(gender !== undefined && { gender }),
    ...(showCaseFlag !== undefined && { showCaseFlag }),
    ...(salesFlag !== undefined && { salesFlag }),
  };
}

/** Checks the query against the snapshot that will answer it (regions differ between snapshots). */
function checkServedRegion(index: ServingIndex, query: InfluencerQuery): void {
  if (!index.regions.includes(query.region))
    throw new ApiError(
      'invalid_parameter',
      `region ${query.region} has no influencers in this snapshot; regions served: ${index.regions.join(', ')}`,
    );
}

/** A valid query and its page-cache key. */
interface ParsedQuery {
  readonly query: InfluencerQuery;
  readonly key: string;
}

/**
 * Valid queries by raw query string. Clients repeat the same URLs and parsing is a pure function of the
 * string, so a repeated URL skips validation and key building. Bounded: emptied when full; long strings
 * and invalid queries (a 400 each time, with its message) are not kept.
 */
class ParsedQueries {
  private readonly byString = new Map<string, ParsedQuery>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly maxLength = 1000,
  ) {}

  get(queryString: string): ParsedQuery {
    const cached = this.byString.get(queryString);
    if (cached !== undefined) return cached;
    const parsed = parseInfluencerQuery(queryString);
    if (!parsed.ok) throw new ApiError('invalid_parameter', parsed.message);
    // Shared by later requests: frozen, so nothing downstream can change it under them.
    const query = parsed.query;
    Object.freeze(query.ranges);
    for (const range of Object.values(query.ranges)) Object.freeze(range);
    if (query.productCategoryIds) Object.freeze(query.productCategoryIds);
    const entry: ParsedQuery = { query: Object.freeze(query), key: pageKey(query) };
    if (queryString.length <= this.maxLength) {
      if (this.byString.size >= this.maxEntries) this.byString.clear();
      this.byString.set(queryString, entry);
    }
    return entry;
  }
}

export function registerInfluencerList(app: FastifyInstance, ctx: AppContext): void {
  const queries = new ParsedQueries();
  app.get(INFLUENCER_LIST_PATH, { onRequest: requireAccount(ctx) }, async (request, reply) => {
    const url = request.url;
    const q = url.indexOf('?');
    const { query, key } = queries.get(q < 0 ? '' : url.slice(q + 1));
    const ready = ctx.index();
    if (!ready) throw new ApiError('not_ready');
    checkServedRegion(ready, query);
    // The page is computed by whichever snapshot is current at that instant, in one synchronous call,
    // so a request never sees a mix of two snapshots.
    return serveCharged(ctx, request, reply, () => ctx.page(query, key));
  });
}
