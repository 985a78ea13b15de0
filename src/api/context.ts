// What the routes share: the current snapshot, the accounts, the limiter and the metrics.
import type { AccountStore, RateLimiter } from '../accounts/types.ts';
import type { InfluencerQuery } from '../index/query.ts';
import type { ServingIndex } from '../index/types.ts';
import type { ApiMetrics } from './metrics.ts';
import { PageCache, type CachedPage } from './page-cache.ts';

export interface AppContext {
  /** The snapshot served now, or null before the first activation. */
  readonly index: () => ServingIndex | null;
  readonly accounts: AccountStore;
  readonly limiter: RateLimiter;
  readonly metrics: ApiMetrics;
  /** Requests per second a client address may send without a valid key (401s beyond it become 429s). */
  readonly anonymousQps: number;
  /**
   * One page of `index` as the UTF-8 bytes of a JSON array literal, and its total (cached per snapshot
   * version); `key` is pageKey(query).
   */
  page(index: ServingIndex, query: InfluencerQuery, key: string): CachedPage;
}

export function createContext(
  deps: Pick<AppContext, 'index' | 'accounts' | 'limiter' | 'metrics' | 'anonymousQps'>,
  pageCacheChars: number,
): AppContext {
  const cache = new PageCache(pageCacheChars);
  return {
    ...deps,
    page(index, query, key) {
      return cache.page(index, query, key);
    },
  };
}
