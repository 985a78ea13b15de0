// Calls to the Kolscope API from the page: the key from the session, the account headers (credits, rate
// limit) and errors in the API's own words ("400: page_size must be …", "402: apiKey quota is not enough").

export const LIST_PATH = '/v1/tiktok/influencer/list/analytics';
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

/** One page of influencers; throws ApiFailure for any status but 200. */
export async function fetchPage(request: URLSearchParams, signal?: AbortSignal): Promise<Page> {
  const response = await fetch(`${LIST_PATH}?${request}`, {
    headers: { authorization: `Bearer ${storedKey()}` },
    ...(signal && { signal }),
  });
  const account: AccountHeaders = {
    creditsRemaining: numberHeader(response, 'x-credits-remaining'),
    rateLimit: numberHeader(response, 'x-ratelimit-limit'),
    rateRemaining: numberHeader(response, 'x-ratelimit-remaining'),
    rateReset: numberHeader(response, 'x-ratelimit-reset'),
  };
  for (const listener of accountListeners) listener(account);
  let body: { message?: string; requestId?: string; data?: Influencer[] | null } = {};
  try {
    body = await response.json();
  } catch {
    // not JSON (a proxy's error page): described by the status alone
  }
  if (response.status !== 200 || !Array.isArray(body.data))
    throw new ApiFailure(
      response.status,
      body.message ?? response.statusText,
      body.requestId ?? response.headers.get('x-request-id') ?? undefined,
      numberHeader(response, 'retry-after'),
    );
  return { rows: body.data, total: numberHeader(response, 'x-total-count'), receivedAt: performance.now() };
}
