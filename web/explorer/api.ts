// Calls to the Kolscope API from the page: the key from the session, the account headers (credits, rate
// limit) and errors in the API's own words ("400: page_size must be …", "402: apiKey quota is not enough").

export const LIST_PATH = '/v1/tiktok/influencer/list/analytics';
export const DETAIL_PATH = '/v1/tiktok/influencer/detail';
export const TREND_PATH = '/v1/tiktok/influencer/trend';
const KEY_STORAGE = 'kolscope.apiKey';

export type Influencer = Record<string, string | number | string[]>;

/** What the last response said about the account. */
export interface AccountHeaders {
  readonly creditsRemaining?: number;
  readonly rateLimit?: number;
  readonly rateRemaining?: number;
  readonly rateReset?: number;
}

export interface Page {
  readonly rows: Influencer[];
  /** X-Total-Count when the server sends it. */
  readonly total?: number;
  /** When the answer arrived (performance.now()), to measure rendering. */
  readonly receivedAt: number;
}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly requestId: string | undefined,
    /** Seconds to wait, from Retry-After on a 429. */
    readonly retryAfter: number | undefined,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }

  /** The API's words: "402: apiKey quota is not enough (request …)". */
  describe(): string {
    return `${this.status}: ${this.message}${this.requestId ? ` (request ${this.requestId})` : ''}`;
  }
}

export function storedKey(): string {
  return sessionStorage.getItem(KEY_STORAGE) ?? '';
}

export function storeKey(key: string): void {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
}

const accountListeners: ((headers: AccountHeaders) => void)[] = [];

/** Called with the account headers of every answer. */
export function onAccountHeaders(listener: (headers: AccountHeaders) => void): void {
  accountListeners.push(listener);
}

function numberHeader(response: Response, name: string): number | undefined {
  const value = response.headers.get(name);
  return value === null || value === '' ? undefined : Number(value);
}

interface Answer<T> {
  readonly data: T;
  readonly response: Response;
}

/** One call of the API with the session's key; throws ApiFailure for any status but 200. */
async function call<T>(path: string, params: URLSearchParams, signal?: AbortSignal): Promise<Answer<T>> {
  const response = await fetch(`${path}?${params}`, {
    headers: { authorization: `Bearer ${storedKey()}` },
    ...(signal && { signal }),
  });
  const account: AccountHeaders = {
    creditsRemaining: numberHeader(response, 'x-credits-remaining'),
    rateLimit: numberHeader(response, 'x-ratelimit-limit'),
    rateRemaining: numberHeader(response, 'x-ratelimit-remaining'),
    rateReset: numberHeader(response, 'x-ratelimit-reset'),
  };
  if (response.headers.has('x-credits-remaining') || response.headers.has('x-ratelimit-limit'))
    for (const listener of accountListeners) listener(account);
  const asOf = response.headers.get('x-data-as-of');
  if (asOf) for (const listener of freshnessListeners) listener(asOf);
  let body: { message?: string; requestId?: string; data?: unknown } = {};
  try {
    body = await response.json();
  } catch {
    // not JSON (a proxy's error page): described by the status alone
  }
  if (response.status !== 200 || body.data === null || body.data === undefined)
    throw new ApiFailure(
      response.status,
      body.message ?? response.statusText,
      body.requestId ?? response.headers.get('x-request-id') ?? undefined,
      numberHeader(response, 'retry-after'),
    );
  return { data: body.data as T, response };
}

const freshnessListeners: ((asOf: string) => void)[] = [];

/** Called with X-Data-As-Of (yyyymmdd) of every answer that carries it. */
export function onDataAsOf(listener: (asOf: string) => void): void {
  freshnessListeners.push(listener);
}

/** One page of influencers; throws ApiFailure for any status but 200. */
export async function fetchPage(request: URLSearchParams, signal?: AbortSignal): Promise<Page> {
  const { data, response } = await call<Influencer[]>(LIST_PATH, request, signal);
  if (!Array.isArray(data))
    throw new ApiFailure(response.status, 'the answer has no rows', undefined, undefined);
  return { rows: data, total: numberHeader(response, 'x-total-count'), receivedAt: performance.now() };
}

/** One creator by user id (the detail endpoint, 1 credit); undefined when the snapshot does not hold it. */
export async function fetchCreator(userId: string): Promise<Influencer | undefined> {
  const { data } = await call<Influencer[]>(DETAIL_PATH, new URLSearchParams({ user_id: userId }));
  return data[0];
}

/** One day of a creator's history; the counts are there only when the day was crawled. */
export interface TrendDay {
  readonly date: number;
  readonly crawled: boolean;
  readonly total_followers_cnt?: number;
  readonly total_views_cnt?: number;
  readonly sale_gmv_amt?: number;
  readonly [field: string]: number | boolean | undefined;
}

/** The creator's daily history (the trend endpoint's default range: the last 30 days). */
export async function fetchTrend(userId: string): Promise<TrendDay[]> {
  return (await call<TrendDay[]>(TREND_PATH, new URLSearchParams({ user_id: userId }))).data;
}

/** A vocabulary endpoint (/v1/tiktok/meta/…): free, behind the key. */
export async function fetchMeta<T>(name: string, params = new URLSearchParams()): Promise<T[]> {
  return (await call<T[]>(`/v1/tiktok/meta/${name}`, params)).data;
}
