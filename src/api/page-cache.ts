// Whole pages (the index's dataJson) of the current snapshot, kept for repeated queries. Popular
// queries (first pages, default sorts) repeat a lot; a snapshot is immutable, so a page never goes stale
// while its snapshot is served. The cache empties itself when another snapshot answers.
import type { InfluencerQuery } from '../index/query.ts';
import type { ServingIndex } from '../index/types.ts';

export class PageCache {
  private owner: ServingIndex | null = null;
  private readonly pages = new Map<string, string>();
  private chars = 0;

  /** @param maxChars characters of pages kept (least recently used dropped first); 0 turns the cache off. */
  constructor(private readonly maxChars: number) {}

  get(index: ServingIndex, query: InfluencerQuery): string {
    if (this.maxChars === 0) return index.search(query).dataJson;
    if (this.owner !== index) {
      this.pages.clear();
      this.chars = 0;
      this.owner = index;
    }
    // The parser builds queries with a fixed key order, so their JSON is a canonical key.
    const key = JSON.stringify(query);
    const hit = this.pages.get(key);
    if (hit !== undefined) {
      this.pages.delete(key);
      this.pages.set(key, hit);
      return hit;
    }
    const page = index.search(query).dataJson;
    this.pages.set(key, page);
    this.chars += key.length + page.length;
    for (const [oldKey, oldPage] of this.pages) {
      if (this.chars <= this.maxChars) break;
      this.pages.delete(oldKey);
      this.chars -= oldKey.length + oldPage.length;
    }
    return page;
  }
}
