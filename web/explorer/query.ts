// The search as the URL holds it: the list endpoint's own query parameters (minus the key), so a search can
// be bookmarked or shared and the request sent is exactly what the address bar shows.

export const PAGE_SIZE = 10;
export const DEFAULT_REGION = 'US';

/**
 * How a range is typed: counts (50k, 1.5M), signed counts (growth: -500), dollars (48.3k, 99.95), plain
 * decimals (ec_score), or percent (5 → the fraction 0.05 the API takes).
 */
export type RangeKind = 'count' | 'signed' | 'money' | 'decimal' | 'percent';

/** The ranges a person sets in the search panel, in the order the API documents them. */
export const RANGE_FILTERS: readonly { field: string; label: string; kind: RangeKind }[] = [
  { field: 'total_followers_cnt', label: 'Followers', kind: 'count' },
  { field: 'total_followers_30d_cnt', label: 'Follower growth, 30 days (may be negative)', kind: 'signed' },
  { field: 'interaction_rate', label: 'Interaction rate, %', kind: 'percent' },
  { field: 'total_sale_gmv_30d_amt', label: 'GMV, 30 days, $', kind: 'money' },
  { field: 'ec_score', label: 'ec_score', kind: 'decimal' },
  { field: 'per_video_product_views_avg_cnt', label: 'Average views of product videos', kind: 'count' },
  {
    field: 'per_video_product_views_avg_7d_cnt',
    label: 'Average product-video views, last 7 days',
    kind: 'count',
  },
  { field: 'total_views_cnt', label: 'Total views', kind: 'count' },
  { field: 'total_views_7d_cnt', label: 'Views, last 7 days', kind: 'count' },
  { field: 'total_digg_cnt', label: 'Total likes', kind: 'count' },
];

export const SORTS = [
  { code: '0', label: 'Creator id' },
  { code: '1', label: 'Followers' },
  { code: '2', label: 'Follower growth, 30 days' },
  { code: '8', label: 'Follower growth, 7 days' },
  { code: '3', label: 'Videos posted' },
  { code: '4', label: 'Average views' },
  { code: '10', label: 'Views, last 7 days' },
  { code: '5', label: 'Interaction rate' },
  { code: '6', label: 'Products promoted' },
  { code: '7', label: 'GMV, 30 days' },
  { code: '11', label: 'GMV, all time' },
  { code: '9', label: 'ec_score' },
] as const;

/** The query of the current address (page_num defaults to 1, region to US); `creator` is the page's own. */
export function queryFromUrl(search = location.search): URLSearchParams {
  const query = new URLSearchParams(search);
  for (const [name, value] of [...query]) if (value === '') query.delete(name);
  if (!query.get('region')) query.set('region', DEFAULT_REGION);
  return query;
}

/** Writes the query into the address bar (a new history entry when it changed). */
export function pushQuery(query: URLSearchParams): void {
  const search = `?${query.toString()}`;
  if (search !== location.search) history.pushState(null, '', search);
}

/** The API request for a page of the query. */
export function pageRequest(query: URLSearchParams, pageNum: number): URLSearchParams {
  const request = listQuery(query);
  request.set('page_num', String(pageNum));
  request.set('page_size', String(PAGE_SIZE));
  return request;
}

/** The parameter of the page's own URL that names the open creator (never sent to the list endpoint). */
export const CREATOR_PARAM = 'creator';

/** The list endpoint's query: the page's query without the page's own parameters. */
export function listQuery(query: URLSearchParams): URLSearchParams {
  const request = new URLSearchParams(query);
  request.delete(CREATOR_PARAM);
  return request;
}
