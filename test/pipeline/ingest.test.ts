// Loading: incremental runs equal one full run, every raw format gives the same snapshot, bad rows are
// quarantined with file and line, a refused or failed ingest leaves the warehouse and the active
// snapshot untouched, and an ingest interrupted between two days resumes where it stopped.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportRegion, ingestToActiveSnapshot } from '../../src/service/index.ts';
import { IngestError, loadBatches, RejectLimitError } from '../../src/pipeline/load.ts';
import { writeSnapshotRows } from '../../src/pipeline/metrics.ts';
import { loadedDays, openWarehouse } from '../../src/pipeline/warehouse.ts';
import { generateRaw } from '../../src/raw/generate.ts';
import { silentProgress } from '../../src/progress.ts';
import { SERVED_FIELDS, SNAPSHOT_FIELDS, SNAPSHOT_ROWS_FILE } from '../../src/snapshot/schema.ts';
import { activeSnapshot, listSnapshots } from '../../src/snapshot/store.ts';
import { compareUserIds } from '../../src/index/query.ts';
import { days, profile, readRows, sale, stats, tempDir, video, writeBatch, type Row } from './fixtures.ts';

const snapshotRows = async (dataDir: string): Promise<Row[]> => {
  const snap = (await activeSnapshot(dataDir))!;
  return readRows(`SELECT * FROM '${join(snap.dir, SNAPSHOT_ROWS_FILE)}'`);
};

async function warehouseDays(dataDir: string): Promise<string[]> {
  const w = await openWarehouse(dataDir);
  try {
    return await loadedDays(w.connection);
  } finally {
    w.close();
  }
}

describe('ingest of generated data', () => {
  let root: string;
  const end = '2026-11-20';
  const raw = (format: string) => join(root, `raw-${format}`);

  before(async () => {
    root = await tempDir('ingest');
    for (const format of ['ndjson', 'csv', 'parquet'] as const)
      await generateRaw(
        { influencers: 300, days: 4, seed: 11, outDir: raw(format), end, format },
        silentProgress,
      );
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('gives the same snapshot whether the days come in one run or one at a time', async () => {
    const full = join(root, 'data-full');
    const once = await ingestToActiveSnapshot({ rawDir: raw('ndjson'), dataDir: full }, silentProgress);
    assert.equal(once.load.loaded.length, 4);
    assert.equal(once.load.rejected, 0);

    const stepRaw = join(root, 'raw-steps');
    const stepData = join(root, 'data-steps');
    const batchDays = (await readdir(raw('ndjson'))).sort();
    // Three days, then the fourth: the second run loads one day onto the stored state.
    for (const step of [batchDays.slice(0, 3), [batchDays[3]!]]) {
      for (const day of step) await cp(join(raw('ndjson'), day), join(stepRaw, day), { recursive: true });
      const report = await ingestToActiveSnapshot({ rawDir: stepRaw, dataDir: stepData }, silentProgress);
      assert.deepEqual(
        report.load.loaded.map((b) => b.day),
        step,
      );
      assert.equal(report.load.skipped.length, batchDays.indexOf(step[0]!));
    }
    const a = await snapshotRows(full);
    assert.ok(a.length > 250);
    assert.deepEqual(await snapshotRows(stepData), a);
    assert.equal((await listSnapshots(stepData)).length, 2);
  });

  it('resumes after an ingest interrupted between two days: applied days stay, the old snapshot stays active', async () => {
    const resumeRaw = join(root, 'raw-resume');
    const dataDir = join(root, 'data-resume');
    const batchDays = (await readdir(raw('ndjson'))).sort();
    for (const day of batchDays.slice(0, 2))
      await cp(join(raw('ndjson'), day), join(resumeRaw, day), { recursive: true });
    await ingestToActiveSnapshot({ rawDir: resumeRaw, dataDir }, silentProgress);
    const before = (await activeSnapshot(dataDir))!;
    const beforeRows = await snapshotRows(dataDir);
    for (const day of batchDays.slice(2))
      await cp(join(raw('ndjson'), day), join(resumeRaw, day), { recursive: true });

    // The run stops right after the first new day was applied (as a kill between two days would).
    const interrupted = new Error('interrupted');
    const stopAfterFirstDay = {
      update() {},
      log(message: string) {
        if (message.startsWith('batch ')) throw interrupted;
      },
    };
    await assert.rejects(
      ingestToActiveSnapshot({ rawDir: resumeRaw, dataDir }, stopAfterFirstDay),
      interrupted,
    );
    assert.deepEqual(await warehouseDays(dataDir), batchDays.slice(0, 3));
    assert.equal((await activeSnapshot(dataDir))!.manifest.version, before.manifest.version);
    assert.deepEqual(await snapshotRows(dataDir), beforeRows);

    const resumed = await ingestToActiveSnapshot({ rawDir: resumeRaw, dataDir }, silentProgress);
    assert.deepEqual(
      resumed.load.loaded.map((b) => b.day),
      batchDays.slice(3),
    );
    assert.equal(resumed.load.skipped.length, 3);
    assert.deepEqual(await snapshotRows(dataDir), await snapshotRows(join(root, 'data-full')));
  });

  it('reads NDJSON, CSV and Parquet batches into the same rows', async () => {
    const reference = await snapshotRows(join(root, 'data-full'));
    for (const format of ['csv', 'parquet']) {
      const dataDir = join(root, `data-${format}`);
      const warehouse = await openWarehouse(dataDir);
      try {
        const load = await loadBatches(warehouse.connection, {
          rawDir: raw(format),
          dataDir,
          maxRejects: 0,
          progress: silentProgress,
        });
        assert.equal(load.loaded.length, 4, format);
        const path = join(dataDir, 'rows.parquet');
        await writeSnapshotRows(warehouse.connection, { asOf: end, source: 'state', parquetPath: path });
        assert.deepEqual(await readRows(`SELECT * FROM '${path}'`), reference, format);
      } finally {
        warehouse.close();
      }
    }
  });

  it('recomputes a past as-of date from history, equal to the incremental snapshot of that day', async () => {
    const dataDir = join(root, 'data-full');
    const report = await ingestToActiveSnapshot(
      { rawDir: raw('ndjson'), dataDir, asOf: '2026-11-19' },
      silentProgress,
    );
    assert.equal(report.load.loaded.length, 0);
    assert.equal(report.load.skipped.length, 4);
    assert.equal(report.snapshot!.manifest.asOf, '2026-11-19');
    assert.equal(report.snapshot!.manifest.source?.metrics, 'history');
    // The step run's first snapshot was computed incrementally as of 2026-11-19.
    const incremental = (await listSnapshots(join(root, 'data-steps'))).find(
      (s) => s.manifest.asOf === '2026-11-19',
    )!;
    assert.equal(incremental.manifest.source?.metrics, 'state');
    assert.deepEqual(
      await snapshotRows(dataDir),
      await readRows(`SELECT * FROM '${join(incremental.dir, SNAPSHOT_ROWS_FILE)}'`),
    );
    await assert.rejects(
      ingestToActiveSnapshot({ rawDir: raw('ndjson'), dataDir, asOf: '2026-12-01' }, silentProgress),
      /outside the loaded days/,
    );
  });

  it('exports a region as NDJSON with the API field names and JSON types, by numeric user_id', async () => {
    const dataDir = join(root, 'data-full');
    const snap = (await activeSnapshot(dataDir))!;
    const region = Object.keys(snap.manifest.regions)[0]!;
    const out = join(root, 'export.ndjson');
    const result = await exportRegion({ dataDir, region: region.toLowerCase(), format: 'ndjson', out });
    const lines = (await readFile(out, 'utf8')).trim().split('\n');
    assert.equal(lines.length, result.rows);
    assert.equal(result.rows, snap.manifest.regions[region]);
    const objects = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const expectedKeys = [
      ...SERVED_FIELDS.map((f) => f.name),
      ...SNAPSHOT_FIELDS.filter((f) => !f.served).map((f) => f.name),
    ];
    for (const o of objects) {
      assert.deepEqual(Object.keys(o), expectedKeys);
      assert.equal(o.region, region);
      for (const f of SNAPSHOT_FIELDS) {
        const v = o[f.name];
        if (f.type === 'string') assert.equal(typeof v, 'string', f.name);
        if (f.type === 'int') assert.ok(Number.isSafeInteger(v), `${f.name} = ${String(v)}`);
        if (f.type === 'number') assert.equal(typeof v, 'number', f.name);
        if (f.type === 'string_list')
          assert.ok(Array.isArray(v) && v.every((x) => typeof x === 'string'), f.name);
      }
    }
    const ids = objects.map((o) => String(o.user_id));
    assert.deepEqual(ids, [...ids].sort(compareUserIds));
    const csv = await exportRegion({ dataDir, region, format: 'csv', out: join(root, 'export.csv') });
    const csvRows = await readRows(`SELECT * FROM read_csv('${csv.out}', header = true, all_varchar = true)`);
    assert.deepEqual(
      csvRows.map((r) => r.user_id),
      ids,
    );
    const parquet = await exportRegion({
      dataDir,
      region,
      format: 'parquet',
      out: join(root, 'export.parquet'),
    });
    assert.equal((await readRows(`SELECT * FROM '${parquet.out}'`)).length, result.rows);
    await assert.rejects(
      exportRegion({ dataDir, region: 'XX', format: 'ndjson', out }),
      /region XX is not in snapshot/,
    );
  });
});

describe('validation and quarantine', () => {
  let root: string;
  const [d1, d2, d3, d4] = days('2026-11-01', 4);

  before(async () => {
    root = await tempDir('quarantine');
  });
  after(() => rm(root, { recursive: true, force: true }));

  const good = (userId: string, day: string) => ({
    profiles: [profile(userId, 'US')],
    profile_stats: [stats(userId, 100 + Number(day.slice(-2)), 10)],
  });

  it('rejects bad rows with file, line, column and reason, and refuses the run past --max-rejects', async () => {
    const rawDir = join(root, 'raw');
    const dataDir = join(root, 'data');
    await writeBatch(rawDir, d1!, good('11', d1!));
    await writeBatch(rawDir, d2!, good('11', d2!));
    const first = await ingestToActiveSnapshot({ rawDir, dataDir }, silentProgress);
    const before = await snapshotRows(dataDir);
    assert.equal(first.snapshot!.manifest.asOf, d2);

    // Day 3: one good row per table and one of each kind of bad row.
    const dir3 = join(rawDir, d3!);
    await writeBatch(rawDir, d3!, { profiles: [profile('11', 'US'), profile('12', 'US')] });
    const statsLines = [
      JSON.stringify(stats('11', 120, 10)), // line 1: good
      '{"user_id": "12", "followers_cnt": 5', // 2: not JSON
      JSON.stringify(stats('13', -1, 10)), // 3: negative counter
      JSON.stringify(stats('14', 1.5, 10)), // 4: not an integer
      JSON.stringify({ ...stats('15', 1, 1), following_cnt: undefined }), // 5: missing value
      JSON.stringify(stats('012', 1, 1)), // 6: leading zero id
      JSON.stringify(stats('11', 130, 10)), // 7: duplicate of line 1
      '', // 8: blank line, ignored
      '[1,2]', // 9: not an object
    ];
    await writeFile(join(dir3, 'profile_stats.ndjson'), statsLines.join('\n') + '\n');
    await writeFile(
      join(dir3, 'videos.csv'),
      [
        'video_id,user_id,create_time,duration_sec,views_cnt,likes_cnt,comments_cnt,shares_cnt,product_ids',
        '1,11,2026-11-02T10:00:00Z,30,100,10,1,1,501;502',
        '2,11,2026-11-02T10:00:00Z,30,100,10,1', // line 3: wrong column count
        '"3",11,"yesterday",30,100,10,1,1,', // line 4: bad timestamp
        '"4",11,2026-11-02T10:00:00Z,30,100,10,1,1,"50a"', // line 5: bad id in the list
      ].join('\r\n') + '\r\n',
    );
    await writeFile(
      join(dir3, 'product_sales.ndjson'),
      JSON.stringify({
        user_id: '11',
        product_id: '501',
        product_category_id: '6',
        channel: 'shop',
        units: 1,
        gmv_amt: 1,
        price_amt: 1,
      }) + '\n',
    );

    await assert.rejects(
      ingestToActiveSnapshot({ rawDir, dataDir, maxRejects: 5 }, silentProgress),
      (err: unknown) => {
        assert.ok(err instanceof RejectLimitError);
        assert.match(err.message, /11 rows rejected \(limit --max-rejects 5\)/);
        const reasons = Object.fromEntries(err.report.rejects.map((r) => [r.reason, r.count]));
        assert.deepEqual(
          reasons,
          {
            malformed_line: 3,
            negative_value: 1,
            wrong_type: 2,
            missing_value: 1,
            invalid_id: 2,
            duplicate_key: 1,
            not_in_enumeration: 1,
          },
          JSON.stringify(err.report.rejects),
        );
        assert.ok(err.report.rejects.every((r) => r.examples.length > 0));
        // The report tells the truth: nothing loaded, one batch validated, real quarantine paths.
        assert.deepEqual(err.report.loaded, []);
        assert.deepEqual(
          err.report.validated.map((b) => b.day),
          [d3],
        );
        assert.ok(Object.values(err.report.rowsByTable).every((n) => n === 0));
        assert.deepEqual(
          err.report.quarantineFiles,
          ['product_sales', 'profile_stats', 'videos'].map((t) =>
            join(dataDir, 'quarantine', d3!, `${t}.ndjson`),
          ),
        );
        return true;
      },
    );
    // Nothing moved: same loaded days, same active snapshot.
    assert.deepEqual(await warehouseDays(dataDir), [d1, d2]);
    assert.equal((await activeSnapshot(dataDir))!.manifest.version, first.snapshot!.manifest.version);
    assert.deepEqual(await snapshotRows(dataDir), before);

    const quarantine = (await readFile(join(dataDir, 'quarantine', d3!, 'profile_stats.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      quarantine.map((q) => [q.line, q.column, q.reason]),
      [
        [2, null, 'malformed_line'],
        [3, 'followers_cnt', 'negative_value'],
        [4, 'followers_cnt', 'wrong_type'],
        [5, 'following_cnt', 'missing_value'],
        [6, 'user_id', 'invalid_id'],
        [7, 'user_id', 'duplicate_key'],
        [9, null, 'malformed_line'],
      ],
    );
    assert.equal(quarantine[0]!.file, join(dir3, 'profile_stats.ndjson'));
    assert.equal(quarantine[1]!.raw, statsLines[2]);
    assert.equal(quarantine[1]!.value, '-1');
    const videoRejects = (await readFile(join(dataDir, 'quarantine', d3!, 'videos.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      videoRejects.map((q) => [q.line, q.column, q.reason]),
      [
        [3, null, 'malformed_line'],
        [4, 'create_time', 'wrong_type'],
        [5, 'product_ids', 'invalid_id'],
      ],
    );

    // Within the limit the run is accepted: good rows loaded, bad ones kept in the quarantine.
    const accepted = await ingestToActiveSnapshot({ rawDir, dataDir, maxRejects: 11 }, silentProgress);
    assert.equal(accepted.load.rejected, 11);
    assert.equal(accepted.load.rowsByTable.profile_stats, 1);
    assert.equal(accepted.load.rowsByTable.videos, 1);
    assert.equal(accepted.snapshot!.manifest.asOf, d3);
    const row = (await snapshotRows(dataDir)).find((r) => r.user_id === '11')!;
    assert.equal(row.total_followers_cnt, 120);
    assert.equal(row.total_product_cnt, 2);
  });

  it('refuses a missing day, a changed batch and an older batch, leaving everything as it was', async () => {
    const rawDir = join(root, 'raw');
    const dataDir = join(root, 'data');
    const active = (await activeSnapshot(dataDir))!.manifest.version;
    await writeBatch(join(root, 'gap'), d1!, good('11', d1!));
    await writeBatch(rawDir, '2026-11-06', good('11', '2026-11-06'));
    await assert.rejects(
      ingestToActiveSnapshot({ rawDir, dataDir }, silentProgress),
      (err: unknown) => err instanceof IngestError && /missing batch 2026-11-04/.test(err.message),
    );
    await rm(join(rawDir, '2026-11-06'), { recursive: true });

    await writeFile(join(rawDir, d1!, 'profile_stats.ndjson'), JSON.stringify(stats('11', 999, 1)) + '\n');
    await assert.rejects(
      ingestToActiveSnapshot({ rawDir, dataDir }, silentProgress),
      /batch 2026-11-01 was already loaded with different files/,
    );
    await assert.rejects(
      ingestToActiveSnapshot(
        { rawDir: join(root, 'gap'), dataDir: join(root, 'other') },
        silentProgress,
      ).then(async () => {
        await writeBatch(join(root, 'gap'), '2026-10-30', good('11', '2026-10-30'));
        await ingestToActiveSnapshot(
          { rawDir: join(root, 'gap'), dataDir: join(root, 'other') },
          silentProgress,
        );
      }),
      /older than the last loaded batch/,
    );
    await assert.rejects(
      ingestToActiveSnapshot({ rawDir: join(root, 'nowhere'), dataDir }, silentProgress),
      /cannot read raw directory/,
    );
    assert.equal((await activeSnapshot(dataDir))!.manifest.version, active);
    assert.deepEqual(await warehouseDays(dataDir), [d1, d2, d3]);
    void d4;
  });

  it('refuses a batch dated after today unless allowed', async () => {
    const rawDir = join(root, 'raw-future');
    const dataDir = join(root, 'data-future');
    await writeBatch(rawDir, d1!, good('11', d1!));
    await writeBatch(rawDir, d2!, good('11', d2!));
    const load = async (allowFutureBatches?: boolean) => {
      const w = await openWarehouse(dataDir);
      try {
        return await loadBatches(w.connection, {
          rawDir,
          dataDir,
          maxRejects: 0,
          progress: silentProgress,
          today: d1!,
          allowFutureBatches,
        });
      } finally {
        w.close();
      }
    };
    await assert.rejects(load(), (err: unknown) => {
      assert.ok(err instanceof IngestError);
      assert.match(
        err.message,
        /batch 2026-11-02 is dated after today \(2026-11-01 UTC\); nothing was loaded/,
      );
      return true;
    });
    assert.deepEqual(await warehouseDays(dataDir), []);
    const allowed = await load(true);
    assert.deepEqual(
      allowed.loaded.map((b) => b.day),
      [d1, d2],
    );
  });

  it('rejects a video that changes author and a live session reported twice', async () => {
    const rawDir = join(root, 'raw-cross');
    const dataDir = join(root, 'data-cross');
    const v = { views: 1, likes: 0, comments: 0, shares: 0 };
    const l = {
      live_id: '77',
      user_id: '11',
      start_time: '2026-11-01T10:00:00Z',
      duration_sec: 60,
      viewers_cnt: 1,
      gmv_amt: 0,
    };
    await writeBatch(rawDir, d1!, {
      ...good('11', d1!),
      videos: [video('5', '11', '2026-11-01T10:00:00Z', 10, v)],
      lives: [l],
    });
    await writeBatch(rawDir, d2!, {
      ...good('11', d2!),
      videos: [video('5', '12', '2026-11-01T10:00:00Z', 10, v)],
      lives: [l],
    });
    const report = await ingestToActiveSnapshot({ rawDir, dataDir }, silentProgress);
    assert.deepEqual(
      report.load.rejects.map((r) => [r.reason, r.count]),
      [
        ['duplicate_key', 1],
        ['owner_changed', 1],
      ],
    );
    assert.equal(report.load.rowsByTable.videos, 1);
    assert.equal(report.load.rowsByTable.lives, 1);

    // A later run checks against the warehouse: the video's recorded author and the loaded live session.
    await writeBatch(rawDir, d3!, {
      ...good('11', d3!),
      videos: [
        video('5', '13', '2026-11-01T10:00:00Z', 10, v),
        video('6', '11', '2026-11-03T10:00:00Z', 10, v),
      ],
      lives: [l],
    });
    const next = await ingestToActiveSnapshot({ rawDir, dataDir }, silentProgress);
    assert.deepEqual(
      next.load.rejects.map((r) => [r.reason, r.count]),
      [
        ['duplicate_key', 1],
        ['owner_changed', 1],
      ],
    );
    assert.equal(next.load.rowsByTable.videos, 1);
    const row = (await snapshotRows(dataDir)).find((r) => r.user_id === '11')!;
    assert.equal(row.total_views_cnt, 2);
  });

  it('checks typed parquet values: bad rows quarantined with their row number and values', async () => {
    const rawDir = join(root, 'raw-parquet');
    const dataDir = join(root, 'data-parquet');
    const v = { views: 5, likes: 1, comments: 0, shares: 0 };
    await writeBatch(
      rawDir,
      d1!,
      {
        profiles: [profile('11', 'US'), profile('12', 'US', { gender: 'x' }), profile('13', 'US')],
        profile_stats: [stats('11', 100, 10), stats('012', 1, 1), stats('13', -5, 1), stats('11', 101, 10)],
        videos: [
          video('5', '11', '2026-11-01T10:00:00Z', 10, v, ['501']),
          video('6', '11', '2026-11-01T11:00:00Z', 10, v, ['501', '50a']),
        ],
        product_sales: [
          sale('11', '501', '6', 'video', 1, 9.5),
          { ...sale('11', '502', '6', 'video', 1, 9.5), channel: 'shop' },
          sale('11', '503', '6', 'live', 1, -1),
        ],
      },
      'parquet',
    );
    const report = await ingestToActiveSnapshot({ rawDir, dataDir }, silentProgress);
    assert.deepEqual(
      Object.fromEntries(report.load.rejects.map((r) => [r.reason, r.count])),
      { invalid_id: 2, not_in_enumeration: 2, negative_value: 2, duplicate_key: 1 },
      JSON.stringify(report.load.rejects),
    );
    assert.deepEqual(report.load.rowsByTable, {
      profiles: 2,
      profile_stats: 1,
      videos: 1,
      lives: 0,
      products: 0,
      product_sales: 1,
    });
    const quarantine = async (table: string) =>
      (await readFile(join(dataDir, 'quarantine', d1!, `${table}.ndjson`), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    const stats1 = await quarantine('profile_stats');
    assert.deepEqual(
      stats1.map((q) => [q.line, q.column, q.reason, q.value]),
      [
        [2, 'user_id', 'invalid_id', '012'],
        [3, 'followers_cnt', 'negative_value', '-5'],
        [4, 'user_id', 'duplicate_key', null],
      ],
    );
    assert.equal(JSON.parse(String(stats1[1]!.raw)).followers_cnt, '-5');
    const videos1 = await quarantine('videos');
    assert.deepEqual(
      videos1.map((q) => [q.line, q.column, q.reason, q.value]),
      [[2, 'product_ids', 'invalid_id', '501;50a']],
    );
    const row = (await snapshotRows(dataDir)).find((r) => r.user_id === '11')!;
    assert.equal(row.total_followers_cnt, 100);
    assert.equal(row.total_views_cnt, 5);
  });
});
