// Snapshots are immutable: loading and serving one, in the current index format or an older one (upgraded in
// memory), leaves every file of its folder as it was: same names, sizes and sha256.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticSnapshot } from '../../src/service/index.ts';
import { loadServingIndex, type InfluencerQuery } from '../../src/index/index.ts';
import { canonicalItems, downgradeIndex, fileHashes } from './support.ts';

let tmp: string;
let current: string;

const QUERIES: InfluencerQuery[] = [
  { region: 'US', pageNum: 1, pageSize: 10, sortField: 0, descending: false, ranges: {} },
  { region: 'US', pageNum: 3, pageSize: 10, sortField: 1, descending: true, ranges: {}, gender: 'female' },
  {
    region: 'US',
    pageNum: 2,
    pageSize: 7,
    sortField: 2,
    descending: true,
    ranges: { total_followers_cnt: { min: 1000 } },
    salesFlag: 1,
  },
  { region: 'GB', pageNum: 1, pageSize: 10, sortField: 5, descending: false, ranges: {}, showCaseFlag: 0 },
  { region: 'US', pageNum: 2, pageSize: 10, sortField: 7, descending: true, ranges: {}, hasContactEmail: 1 },
  { region: 'US', pageNum: 1, pageSize: 10, sortField: 0, descending: false, ranges: {}, hasContactEmail: 0 },
  { region: 'US', pageNum: 1, pageSize: 10, sortField: 1, descending: true, ranges: {}, keyword: ['ma'] },
];

/** Loads the snapshot, runs QUERIES, closes it: the pages, as JSON. */
async function serve(dir: string): Promise<string[]> {
  const index = await loadServingIndex(dir);
  try {
    return QUERIES.map((q) => index.search(q).dataJson);
  } finally {
    index.close();
  }
}

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'kolscope-index-immutable-'));
  current = (await writeSyntheticSnapshot({ dataDir: join(tmp, 'data'), influencers: 4000, seed: 3 })).dir;
});

after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

test('loading and serving a snapshot of the current format writes nothing into its folder', async () => {
  const before = await fileHashes(current);
  assert.ok([...before.keys()].some((f) => f.endsWith('ranks.u8')));
  const pages = await serve(current);
  assert.ok(pages.some((p) => p !== '[]'));
  assert.deepEqual(await fileHashes(current), before);
});

for (const format of [1, 2, 3, 4, 5, 6] as const) {
  test(`a format-${format} snapshot is upgraded in memory: same pages, its folder unchanged`, async () => {
    const dir = join(tmp, `format-${format}`);
    await cp(current, dir, { recursive: true });
    await downgradeIndex(dir, format);
    const before = await fileHashes(dir);
    if (format < 6)
      assert.ok(before.size < (await fileHashes(current)).size, 'the downgrade removed derived files');
    const items = (pages: string[]) =>
      pages.map((p) => canonicalItems(JSON.parse(p) as Record<string, unknown>[]));
    assert.deepEqual(items(await serve(dir)), items(await serve(current)));
    assert.deepEqual(await fileHashes(dir), before);
  });
}
