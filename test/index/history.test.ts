// The history format on its own: what is written is what is read, for ids above 2^64, counters near the
// format's limit, counters that go down, influencers with no crawled day, and any sub-range; ids not
// written are not found; writing out of order is refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { HistoryReader } from '../../src/index/history.ts';
import {
  dayNumber,
  dayString,
  HISTORY_MAX_VALUE,
  HistoryWriter,
  type HistoryRecord,
} from '../../src/snapshot/history.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kolscope-history-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const FIRST = '2025-11-25';
const LAST = '2026-11-24';
const first = dayNumber(FIRST);
const last = dayNumber(LAST);
const value = fc.oneof(fc.nat(1000), fc.nat(), fc.constant(HISTORY_MAX_VALUE - 1), fc.constant(0));
const record = (day: number) =>
  fc
    .tuple(value, value, value, value, value, value, value)
    .map(([followers, following, digg, videos, views, saleCnt, saleGmv]) => ({
      day,
      followers,
      following,
      digg,
      videos,
      views,
      saleCnt,
      saleGmv,
    }));
const series = fc
  .uniqueArray(fc.integer({ min: first, max: last }), { maxLength: 40 })
  .chain((days) => fc.tuple(...days.sort((a, b) => a - b).map(record)));
const ids = fc.uniqueArray(
  fc.oneof(fc.bigInt({ min: 1n, max: 10n ** 20n - 1n }), fc.bigInt({ min: 1n, max: 2n ** 64n + 5n })),
  { minLength: 1, maxLength: 30 },
);

test('what is written is read back, for every id and any range; other ids are not found', async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(
      ids.chain((list) =>
        fc.tuple(...list.sort((a, b) => (a < b ? -1 : 1)).map((id) => series.map((s) => [id, s] as const))),
      ),
      fc.integer({ min: first, max: last }),
      fc.integer({ min: first, max: last }),
      async (influencers, a, b) => {
        const snapshotDir = join(dir, `s${run++}`);
        const writer = await HistoryWriter.create(snapshotDir, FIRST, LAST);
        for (const [id, records] of influencers) writer.add(id, records);
        const meta = await writer.finish();
        assert.equal(meta.influencers, influencers.length);
        const reader = HistoryReader.open(snapshotDir)!;
        try {
          const [from, to] = a <= b ? [a, b] : [b, a];
          for (const [id, records] of influencers) {
            const got = reader.days(String(id), dayString(from), dayString(to))!;
            const expected: HistoryRecord[] = records.filter((r) => r.day >= from && r.day <= to);
            assert.deepEqual(
              got.map((r) => ({ ...r })),
              expected,
            );
            assert.ok(reader.has(String(id)));
          }
          const written = new Set(influencers.map(([id]) => id));
          for (const probe of [0n, 1n, 2n ** 64n, 10n ** 20n - 1n, influencers[0]![0] + 1n])
            if (!written.has(probe)) assert.equal(reader.days(String(probe), FIRST, LAST), null);
        } finally {
          reader.close();
        }
      },
    ),
    { numRuns: 60, seed: 20261130 },
  );
});

test('out-of-order ids, days outside the window and values above the limit are refused', async () => {
  const writer = await HistoryWriter.create(join(dir, 'refused'), FIRST, LAST);
  const r = { day: last, followers: 1, following: 1, digg: 1, videos: 1, views: 1, saleCnt: 0, saleGmv: 0 };
  writer.add('20', [r]);
  assert.throws(() => writer.add('19', []), /ascending order/);
  assert.throws(() => writer.add('21', [{ ...r, day: last + 1 }]), /after the window/);
  assert.throws(() => writer.add('22', [{ ...r, views: HISTORY_MAX_VALUE }]), /2\^51/);
  assert.throws(() => writer.add('23', [r, r]), /ascending days/);
  writer.abort();
});

test('a snapshot directory without history has no reader', () => {
  assert.equal(HistoryReader.open(join(dir, 'nothing-here')), null);
});
