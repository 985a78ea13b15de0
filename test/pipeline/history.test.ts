// The daily history of an ingested snapshot against a plain recomputation from the raw NDJSON batches: for
// random influencers and ranges, every crawled day's values equal what the batches say, and a day without
// a profile_stats row is not crawled. Also for a snapshot of a past as-of date (the full recompute path).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadServingIndex, type LoadedServingIndex } from '../../src/index/load.ts';
import { ingestToActiveSnapshot } from '../../src/service/index.ts';
import { generateRaw } from '../../src/raw/generate.ts';
import { silentProgress } from '../../src/progress.ts';
import { dayNumber, dayString, type HistoryRecord } from '../../src/snapshot/history.ts';
import { activeSnapshot } from '../../src/snapshot/store.ts';
import { historyDays } from '../../src/config.ts';
import { tempDir } from './fixtures.ts';

interface Plain {
  /** user_id → day number → the day's values. */
  readonly days: Map<string, Map<number, HistoryRecord>>;
  /** user_id → the first day it has a profiles row (what puts it in a snapshot). */
  readonly firstSeen: Map<string, number>;
}

const ndjson = async (path: string): Promise<Record<string, unknown>[]> =>
  (await readFile(path, 'utf8'))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** Each influencer's values per crawled day, computed plainly from the batches. */
async function recompute(rawDir: string): Promise<Plain> {
  const days = new Map<string, Map<number, HistoryRecord>>();
  const firstSeen = new Map<string, number>();
  const videoViews = new Map<string, { user: string; views: number }>();
  const userViews = new Map<string, number>();
  for (const name of (await readdir(rawDir)).sort()) {
    const day = dayNumber(name);
    const dir = join(rawDir, name);
    for (const p of await ndjson(join(dir, 'profiles.ndjson')))
      if (!firstSeen.has(String(p.user_id))) firstSeen.set(String(p.user_id), day);
    // Views that day: each video's latest observation on or before it, summed per author.
    for (const v of await ndjson(join(dir, 'videos.ndjson'))) {
      const user = String(v.user_id);
      const old = videoViews.get(String(v.video_id))?.views ?? 0;
      videoViews.set(String(v.video_id), { user, views: Number(v.views_cnt) });
      userViews.set(user, (userViews.get(user) ?? 0) + Number(v.views_cnt) - old);
    }
    const sales = new Map<string, { units: number; micros: number }>();
    for (const s of await ndjson(join(dir, 'product_sales.ndjson'))) {
      const t = sales.get(String(s.user_id)) ?? { units: 0, micros: 0 };
      t.units += Number(s.units);
      t.micros += Math.round(Number(s.gmv_amt) * 1e6);
      sales.set(String(s.user_id), t);
    }
    for (const s of await ndjson(join(dir, 'profile_stats.ndjson'))) {
      const user = String(s.user_id);
      const sale = sales.get(user) ?? { units: 0, micros: 0 };
      if (!days.has(user)) days.set(user, new Map());
      days.get(user)!.set(day, {
        day,
        followers: Number(s.followers_cnt),
        following: Number(s.following_cnt),
        digg: Number(s.likes_received_cnt),
        videos: Number(s.video_cnt),
        views: userViews.get(user) ?? 0,
        saleCnt: sale.units,
        saleGmv: Math.floor((sale.micros + 500_000) / 1e6),
      });
    }
  }
  return { days, firstSeen };
}

let root: string;
let rawDir: string;
let plain: Plain;
const END = '2026-11-20';
const DAYS = 12;

before(async () => {
  root = await tempDir('history');
  rawDir = join(root, 'raw');
  await generateRaw(
    { influencers: 250, days: DAYS, seed: 23, outDir: rawDir, end: END, format: 'ndjson' },
    silentProgress,
  );
  plain = await recompute(rawDir);
});
after(() => rm(root, { recursive: true, force: true }));

/** Checks random users and ranges of a snapshot's history against the plain days, up to its as-of date. */
async function checkAgainstPlain(index: LoadedServingIndex, retained: number): Promise<void> {
  const last = dayNumber(index.asOf);
  const first = last - retained + 1;
  assert.deepEqual(index.historyWindow, { firstDay: dayString(first), lastDay: index.asOf });
  const users = [...plain.firstSeen].filter(([, d]) => d <= last).map(([u]) => u);
  const later = [...plain.firstSeen].filter(([, d]) => d > last).map(([u]) => u);
  for (const user of later)
    assert.equal(index.history(user, index.asOf, index.asOf), null, `${user} is not yet known`);
  let crawled = 0;
  let notCrawled = 0;
  let sold = 0;
  fc.assert(
    fc.property(
      fc.constantFrom(...users),
      fc.integer({ min: first, max: last }),
      fc.integer({ min: first, max: last }),
      (user, a, b) => {
        const [from, to] = a <= b ? [a, b] : [b, a];
        const got = index.history(user, dayString(from), dayString(to));
        assert.ok(got !== null, `${user} is in the snapshot`);
        const byDay = new Map(got.map((r) => [r.day, { ...r }]));
        for (let day = from; day <= to; day++) {
          const expected = plain.days.get(user)?.get(day);
          assert.deepEqual(byDay.get(day), expected, `${user} on ${dayString(day)}`);
          if (expected) crawled++;
          if (expected && expected.saleCnt > 0) sold++;
          else notCrawled++;
        }
        assert.equal(byDay.size, got.length);
      },
    ),
    { numRuns: 300, seed: 20261130 },
  );
  assert.ok(crawled > 0 && notCrawled > 0, `both kinds of day were checked (${crawled}, ${notCrawled})`);
  assert.ok(sold > 0, 'days with sales were checked');
  assert.equal(index.history('99999999999999999999', index.asOf, index.asOf), null);
  assert.equal(index.history('1', index.asOf, index.asOf), null);
}

test('the history of the last day equals the raw batches, day by day', async () => {
  const dataDir = join(root, 'data');
  // More days retained than loaded: the days before the first batch are simply not crawled.
  const report = await ingestToActiveSnapshot({ rawDir, dataDir, historyDays: DAYS + 3 }, silentProgress);
  assert.equal(report.load.rejected, 0);
  const index = await loadServingIndex(report.snapshot!.dir);
  try {
    await checkAgainstPlain(index, DAYS + 3);
  } finally {
    index.close();
  }

  // A past as-of date, with a shorter window: the days after it are not served, the window ends there.
  const past = dayString(dayNumber(END) - 4);
  const again = await ingestToActiveSnapshot({ rawDir, dataDir, asOf: past, historyDays: 5 }, silentProgress);
  const pastIndex = await loadServingIndex(again.snapshot!.dir);
  try {
    assert.equal(pastIndex.asOf, past);
    assert.ok(
      [...plain.firstSeen.values()].some((d) => d > dayNumber(past)),
      'some influencers appear later',
    );
    await checkAgainstPlain(pastIndex, 5);
  } finally {
    pastIndex.close();
  }
});

test('a day added onto the previous snapshot extends its history, byte for byte as a full build', async () => {
  const stepRaw = join(root, 'raw-steps');
  const stepData = join(root, 'data-steps');
  const fullData = join(root, 'data-full');
  const batchDays = (await readdir(rawDir)).sort();
  const historyDays = 8; // fewer than the days loaded: the oldest day leaves the window
  for (const day of batchDays.slice(0, -2))
    await cp(join(rawDir, day), join(stepRaw, day), { recursive: true });
  await ingestToActiveSnapshot({ rawDir: stepRaw, dataDir: stepData, historyDays }, silentProgress);
  const extended: unknown[] = [];
  for (const day of batchDays.slice(-2)) {
    await cp(join(rawDir, day), join(stepRaw, day), { recursive: true });
    const step = await ingestToActiveSnapshot(
      { rawDir: stepRaw, dataDir: stepData, historyDays },
      silentProgress,
    );
    extended.push((step.snapshot!.manifest.source!.history as { extended: boolean }).extended);
  }
  assert.deepEqual(extended, [true, true]);
  const full = await ingestToActiveSnapshot({ rawDir, dataDir: fullData, historyDays }, silentProgress);
  assert.equal((full.snapshot!.manifest.source!.history as { extended: boolean }).extended, false);
  const steps = (await activeSnapshot(stepData))!;
  for (const file of ['keys.bin', 'series.bin', 'meta.json'])
    assert.ok(
      (await readFile(join(steps.dir, 'history', file))).equals(
        await readFile(join(full.snapshot!.dir, 'history', file)),
      ),
      `${file} is the same`,
    );
  const index = await loadServingIndex(steps.dir);
  try {
    await checkAgainstPlain(index, historyDays);
  } finally {
    index.close();
  }
});

test('HISTORY_DAYS: 365 by default, an integer 1–3650 otherwise', () => {
  assert.equal(historyDays({}), 365);
  assert.equal(historyDays({ HISTORY_DAYS: '30' }), 30);
  for (const bad of ['0', '3651', '7.5', 'x', '-1'])
    assert.throws(() => historyDays({ HISTORY_DAYS: bad }), /HISTORY_DAYS/);
});
