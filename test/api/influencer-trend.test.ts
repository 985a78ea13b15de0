// The trend endpoint over real HTTP on a synthetic snapshot: one item per day, oldest first, crawled:false
// days without values, the default range, 400s naming the parameter and 404 for an unknown id (neither
// charged), the same bytes in the snapshot directory before and after serving, and an older snapshot
// without history still loading and answering the list while the trend says why it cannot.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadServingIndex } from '../../src/index/load.ts';
import { writeSyntheticSnapshot } from '../../src/service/synthetic-snapshot.ts';
import {
  LIST,
  SQLITE_BACKEND,
  get,
  listen,
  tempDir,
  testSnapshot,
  type TestAccounts,
  type TestServer,
  type TestSnapshot,
} from './support.ts';

const TREND = '/v1/tiktok/influencer/trend';
const USER = '1000000'; // the synthetic snapshot's first influencer
let snapshot: TestSnapshot;
let accounts: TestAccounts;
let server: TestServer;
let key: string;
let keyId: string;
let before_: string;

/** Every file under a directory with its bytes' hash, sorted by path. */
async function treeHash(dir: string): Promise<string> {
  const lines: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    lines.push(
      `${path} ${createHash('sha256')
        .update(await readFile(path))
        .digest('hex')}`,
    );
  }
  return lines.sort().join('\n');
}

before(async () => {
  snapshot = await testSnapshot(1000, 5);
  before_ = await treeHash(snapshot.info.dir);
  accounts = await SQLITE_BACKEND.open();
  server = await listen({ index: () => snapshot.index, accounts: accounts.store, limiter: accounts.limiter });
  ({ key, id: keyId } = await accounts.store.createKey({ name: 'trend', credits: 1000, qps: 1000 }));
});

after(async () => {
  await server?.close();
  await accounts?.cleanup();
  await snapshot?.remove();
});

const balance = async () => (await accounts.store.listKeys()).find((k) => k.id === keyId)!.credits;
const trend = (qs: string) => get(`${server.url}${TREND}?${qs}`, key);
type Day = Record<string, unknown> & { date: number; crawled: boolean };
const VALUES = [
  'total_followers_cnt',
  'total_following_cnt',
  'total_digg_cnt',
  'total_post_video_cnt',
  'total_views_cnt',
  'sale_cnt',
  'sale_gmv_amt',
];

/** yyyymmdd of the day `n` days after a yyyymmdd. */
const plus = (yyyymmdd: number, n: number) => {
  const s = String(yyyymmdd);
  const t =
    Date.UTC(Number(s.slice(0, 4)), Number(s.slice(4, 6)) - 1, Number(s.slice(6, 8))) + n * 86_400_000;
  return Number(new Date(t).toISOString().slice(0, 10).replaceAll('-', ''));
};

test('one item per calendar day, oldest first; crawled days carry every value, others none', async () => {
  const res = await trend(`user_id=${USER}&start_date=20260601&end_date=20261124`);
  assert.equal(res.status, 200, res.text);
  const days = res.body.data as unknown as Day[];
  assert.equal(days.length, 177);
  days.forEach((d, i) => assert.equal(d.date, plus(20260601, i)));
  const crawled = days.filter((d) => d.crawled);
  assert.ok(crawled.length > 0 && crawled.length < days.length, 'some days crawled, some not');
  for (const d of days) {
    if (d.crawled) {
      assert.deepEqual(Object.keys(d), ['date', 'crawled', ...VALUES]);
      for (const v of VALUES)
        assert.ok(Number.isSafeInteger(d[v]) && (d[v] as number) >= 0, `${v} of ${d.date}`);
    } else assert.deepEqual(Object.keys(d), ['date', 'crawled']);
  }
  // The same days again through a sub-range: a range is a window on one series.
  const part = await trend(`user_id=${USER}&start_date=20261001&end_date=20261010`);
  const first = days.findIndex((d) => d.date === 20261001);
  assert.deepEqual(part.body.data, days.slice(first, first + 10));
});

test('default range: the last 30 days ending on the as-of date; one credit per 200', async () => {
  const credits = await balance();
  const res = await trend(`user_id=${USER}`);
  assert.equal(res.status, 200, res.text);
  const days = res.body.data as unknown as Day[];
  assert.equal(days.length, 30);
  assert.equal(days.at(-1)!.date, Number(res.headers.get('x-data-as-of')));
  assert.equal(days[0]!.date, plus(days.at(-1)!.date, -29));
  const onlyEnd = await trend(`user_id=${USER}&end_date=20261010`);
  assert.equal((onlyEnd.body.data as unknown as Day[]).length, 30);
  assert.equal((onlyEnd.body.data as unknown as Day[]).at(-1)!.date, 20261010);
  const leadingZeros = await trend(`user_id=000${USER}`);
  assert.deepEqual(leadingZeros.body.data, res.body.data);
  assert.equal(await balance(), credits - 3);
});

test('bad dates are 400s naming the parameter; an unknown user_id is a 404; neither is charged', async () => {
  const credits = await balance();
  const cases: [string, RegExp][] = [
    [`user_id=${USER}&start_date=20261301`, /start_date must be a calendar date/],
    [`user_id=${USER}&end_date=20260230`, /end_date must be a calendar date/],
    [`user_id=${USER}&start_date=2026-11-01`, /start_date must be a calendar date/],
    [
      `user_id=${USER}&start_date=20261120&end_date=20261110`,
      /start_date 20261120 is after end_date 20261110/,
    ],
    [`user_id=${USER}&start_date=20260101&end_date=20260630`, /start_date .* is 181 days: at most 180/],
    [
      `user_id=${USER}&start_date=20251101&end_date=20251201`,
      /start_date 20251101 is outside what is retained/,
    ],
    [`user_id=${USER}&end_date=20261201`, /end_date 20261201 is outside what is retained/],
    [`user_id=${USER}&start_date=20261125`, /start_date 20261125 is outside what is retained/],
    ['start_date=20261101', /Missing required parameter: user_id/],
    ['user_id=12a', /user_id must be one decimal id/],
  ];
  for (const [qs, message] of cases) {
    const res = await trend(qs);
    assert.equal(res.status, 400, `${qs}: ${res.text}`);
    assert.equal(res.body.code, 400);
    assert.match(res.body.message, message, qs);
  }
  const unknown = await trend('user_id=999');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.code, 404);
  assert.equal(unknown.body.message, 'influencer not found');
  assert.equal(unknown.body.data, null);
  assert.equal(await balance(), credits);
});

test('serving history never writes into the snapshot directory', async () => {
  for (let i = 0; i < 20; i++)
    assert.equal(
      (await trend(`user_id=${USER}&start_date=202606${String(i + 1).padStart(2, '0')}`)).status,
      200,
    );
  snapshot.index.close();
  snapshot = { ...snapshot, index: await loadServingIndex(snapshot.info.dir) };
  assert.equal(await treeHash(snapshot.info.dir), before_);
});

test('a snapshot without history loads and serves; the trend says it keeps no history', async () => {
  const { dir, remove } = await tempDir('no-history');
  try {
    const info = await writeSyntheticSnapshot({ dataDir: dir, influencers: 300, seed: 3, historyDays: 0 });
    const index = await loadServingIndex(info.dir);
    const old = await listen({ index: () => index, accounts: accounts.store, limiter: accounts.limiter });
    try {
      const credits = await balance();
      assert.equal(index.historyWindow, null);
      assert.equal((await get(`${old.url}${LIST}?region=US`, key)).status, 200);
      const res = await get(`${old.url}${TREND}?user_id=${USER}`, key);
      assert.equal(res.status, 400, res.text);
      assert.match(res.body.message, /^start_date: snapshot .* keeps no daily history/);
      assert.equal(await balance(), credits - 1);
    } finally {
      await old.close();
      index.close();
    }
  } finally {
    await remove();
  }
});
