// Whole pages (the index's dataJson) of the current snapshot, kept for repeated queries. Popular
// queries (first pages, default sorts) repeat a lot; a snapshot is immutable, so a page never goes stale
// while its snapshot is served. The cache empties itself when another snapshot answers.
// Pages are kept as UTF-8 bytes: the response is assembled from them with one copy, without encoding the
// page again (or measuring its byte length) on every request.
import type { InfluencerQuery } from '../index/query.ts';
import type { ServingIndex } from '../index/types.ts';

/** The cache key of a query: its JSON (the parser builds queries with a fixed key order, so it is canonical). */
export function pageKey(query: InfluencerQuery): string {
  return JSON.stringify(query);
}

/** UTF-8 bytes in a buffer of their own (a pooled slice would keep its whole 8 KiB slab alive while cached). */
function ownBytes(text: string): Buffer {
  const length = Buffer.byteLength(text, 'utf8');
  const bytes = Buffer.allocUnsafeSlow(length);
  bytes.write(text, 0, length, 'utf8');
  return bytes;
}

/** A cached page and the number of matches over every page (X-Total-Count). */
export interface CachedPage {
  readonly bytes: Buffer;
  readonly total: number;
}

export class PageCache {
  private owner: ServingIndex | null = null;
  private readonly pages = new Map<string, CachedPage>();
  private chars = 0;

  /**
   * @param maxChars characters (bytes; pages are ASCII JSON but for rare non-ASCII text) of pages and keys
   *   kept, least recently used dropped first; 0 turns the cache off.
   */
  constructor(private readonly maxChars: number) {}

  /** The page of `query` as a JSON array literal. */
  get(index: ServingIndex, query: InfluencerQuery): string {
    return this.bytes(index, query, pageKey(query)).toString('utf8');
  }

  /** The page of `query` as UTF-8 bytes; `key` is pageKey(query) (callers may have it already). */
  bytes(index: ServingIndex, query: InfluencerQuery, key: string): Buffer {
    return this.page(index, query, key).bytes;
  }

  /** The page of `query` and its total; `key` is pageKey(query). */
  page(index: ServingIndex, query: InfluencerQuery, key: string): CachedPage {
    if (this.maxChars === 0) {
      const result = index.search(query);
      return { bytes: Buffer.from(result.dataJson, 'utf8'), total: result.total };
    }
    if (this.owner !== index) {
      this.pages.clear();
      this.chars = 0;
      this.owner = index;
    }
    const hit = this.pages.get(key);
    if (hit !== undefined) {
      this.pages.delete(key);
      this.pages.set(key, hit);
      return hit;
    }
    const result = index.search(query);
    const page: CachedPage = { bytes: ownBytes(result.dataJson), total: result.total };
    this.pages.set(key, page);
    this.chars += key.length + page.bytes.length;
    for (const [oldKey, oldPage] of this.pages) {
      if (this.chars <= this.maxChars) break;
      this.pages.delete(oldKey);
      this.chars -= oldKey.length + oldPage.bytes.length;
    }
    return page;
  }
}
