// The search as the URL holds it: the list endpoint's own query parameters (minus the key), so a search can
// be bookmarked or shared and the request sent is exactly what the address bar shows.

export const PAGE_SIZE = 10;
export const DEFAULT_REGION = 'US';

/** The filters a person sets in the search panel, in the order the API documents them. */
export const RANGE_FILTERS = [
  { field: 'total_followers_cnt', label: 'Followers', percent: false },
  { field: 'interaction_rate', label: 'Interaction rate, %', percent: true },
  { field: 'per_video_product_views_avg_cnt', label: 'Average views of product videos', percent: false },
  {
    field: 'per_video_product_views_avg_7d_cnt',
    label: 'Average product-video views, last 7 days',
    percent: false,
  },
  { field: 'total_views_cnt', label: 'Total views', percent: false },
  { field: 'total_views_7d_cnt', label: 'Views, last 7 days', percent: false },
  { field: 'total_digg_cnt', label: 'Total likes', percent: false },
] as const;

export const SORTS = [
  { code: '0', label: 'Creator id' },
  { code: '1', label: 'Followers' },
  { code: '2', label: 'Follower growth, 30 days' },
  { code: '3', label: 'Videos posted' },
  { code: '4', label: 'Average views' },
  { code: '5', label: 'Interaction rate' },
  { code: '6', label: 'Products promoted' },
] as const;

/** The query of the current address (page_num defaults to 1, region to US). */
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
  const request = new URLSearchParams(query);
  request.set('page_num', String(pageNum));
  request.set('page_size', String(PAGE_SIZE));
  return request;
}
