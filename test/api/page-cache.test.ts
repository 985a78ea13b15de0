// The page cache in front of a real serving index: repeated queries are answered from it, it stays within its
// size, and another snapshot empties it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PageCache } from '../../src/api/page-cache.ts';
import type { InfluencerQuery } from '../../src/index/query.ts';
import type { ServingIndex } from '../../src/index/types.ts';
import { testSnapshot, type TestSnapshot } from './support.ts';

let snapshot: TestSnapshot;
before(async () => {
  snapshot = await testSnapshot(800, 4);
});
after(async () => {
  await snapshot?.remove();
});

/** The real index, with its searches counted. */
function counted(index: ServingIndex): { index: ServingIndex; searches: () => number } {
  let n = 0;
  return {
    index: {
      version: index.version,
      asOf: index.asOf,
      regions: index.regions,
      search: (q) => (n++, index.search(q)),
      detail: (key, values) => index.detail(key, values),
      vocabulary: () => index.vocabulary(),
      historyWindow: index.historyWindow,
      history: (userId, from, to) => index.history(userId, from, to),
      close: () => index.close(),
    },
    searches: () => n,
  };
}

const page = (pageNum: number): InfluencerQuery => ({
  region: 'US',
  pageNum,
  pageSize: 10,
  sortField: 1,
  descending: true,
  ranges: {},
});

test('repeated queries are served from the cache, with the same page the index returns', () => {
  const { index, searches } = counted(snapshot.index);
  const cache = new PageCache(1 << 20);
  const first = cache.get(index, page(1));
  assert.equal(first, snapshot.index.search(page(1)).dataJson);
  assert.equal(cache.get(index, page(1)), first);
  assert.equal(cache.get(index, { ...page(1) }), first);
  assert.equal(searches(), 1);
  cache.get(index, page(2));
  assert.equal(searches(), 2);
});

test('the cache keeps within its size, dropping the least recently used page', () => {
  const { index, searches } = counted(snapshot.index);
  const one = snapshot.index.search(page(1)).dataJson.length + JSON.stringify(page(1)).length;
  const cache = new PageCache(Math.floor(one * 2.5)); // room for two pages
  cache.get(index, page(1));
  cache.get(index, page(2));
  cache.get(index, page(1)); // page 1 is now the most recent
  cache.get(index, page(3)); // evicts page 2
  assert.equal(searches(), 3);
  cache.get(index, page(1));
  assert.equal(searches(), 3, 'page 1 kept');
  cache.get(index, page(2));
  assert.equal(searches(), 4, 'page 2 was dropped');
});

test('another snapshot empties the cache; size 0 turns it off', () => {
  const a = counted(snapshot.index);
  const b = counted(snapshot.index);
  const cache = new PageCache(1 << 20);
  cache.get(a.index, page(1));
  cache.get(b.index, page(1));
  cache.get(a.index, page(1));
  assert.deepEqual([a.searches(), b.searches()], [2, 1]);
  const off = counted(snapshot.index);
  const none = new PageCache(0);
  none.get(off.index, page(1));
  none.get(off.index, page(1));
  assert.equal(off.searches(), 2);
});
