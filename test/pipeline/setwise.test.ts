// A first ingest of many days is applied set-wise (state.ts applyDays); it must leave exactly the
// warehouse that applying the same days one at a time (applyDay) leaves: every table compared both ways
// with EXCEPT ALL, the same rejects and quarantine files, the same snapshot rows. Killed inside its one
// transaction, it must leave nothing loaded, and the next run the same warehouse.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, cp, readFile, readdir, rm } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { loadBatches, type LoadReport } from '../../src/pipeline/load.ts';
import { writeSnapshotRows } from '../../src/pipeline/metrics.ts';
import { openWarehouse } from '../../src/pipeline/warehouse.ts';
import { generateRaw } from '../../src/raw/generate.ts';
import { RAW_TABLES } from '../../src/raw/format.ts';
import { silentProgress } from '../../src/progress.ts';
import { readRows, tempDir } from './fixtures.ts';

const WAREHOUSE_TABLES = [
  ...RAW_TABLES.map((t) => `raw_${t.name}`),
  'influencer_daily',
  'influencer_state',
  'profile_latest',
  'video_latest',
  'influencer_products',
  'product_latest',
  'product_sale_category',
  'sales_totals',
  'live_sessions',
  'warehouse_meta',
];

/** Opens two warehouses read-only side by side and asserts every table holds the same rows (EXCEPT ALL
 *  both ways); then runs `more` with a count query over them (a., b.). */
async function compareWarehouses(
  dirA: string,
  dirB: string,
  more: (count: (sql: string) => Promise<number>) => Promise<void> = async () => {},
): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`ATTACH '${join(dirA, 'warehouse.duckdb')}' AS a (READ_ONLY)`);
    await connection.run(`ATTACH '${join(dirB, 'warehouse.duckdb')}' AS b (READ_ONLY)`);
    const count = async (sql: string) => Number((await connection.runAndReadAll(sql)).getRowsJS()[0]![0]);
    const tables = [
      ...WAREHOUSE_TABLES.map((t) => ({ name: t, cols: '*' })),
      { name: 'batches', cols: 'day, files, rows_loaded, rows_rejected' },
    ];
    for (const { name, cols } of tables) {
      const n = await count(`SELECT count(*) FROM a.${name}`);
      assert.ok(n > 0, `${name} is empty`);
      assert.equal(await count(`SELECT count(*) FROM b.${name}`), n, name);
      for (const [x, y] of [
        ['a', 'b'],
        ['b', 'a'],
      ])
        assert.equal(
          await count(
            `SELECT count(*) FROM (SELECT ${cols} FROM ${x}.${name} EXCEPT ALL SELECT ${cols} FROM ${y}.${name})`,
          ),
          0,
          `${name}: rows of ${x} not in ${y}`,
        );
    }
    await more(count);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const firstLine = async (path: string) => JSON.parse((await readFile(path, 'utf8')).split('\n')[0]!);

describe('set-wise first ingest', () => {
  let root: string;
  const end = '2026-11-20';
  const raw = () => join(root, 'raw');

  before(async () => {
    root = await tempDir('setwise');
    await generateRaw(
      { influencers: 2000, days: 35, seed: 7, outDir: raw(), end, format: 'ndjson' },
      silentProgress,
    );
    const days = (await readdir(raw())).sort();
    // A few rows to reject: a malformed line, a negative counter, a video changing author (a video of day
    // 1 seen again on day 5 under another user), a live reported again on a later day.
    await appendFile(join(raw(), days[2]!, 'profile_stats.ndjson'), '{"user_id": \n');
    const stats = await firstLine(join(raw(), days[3]!, 'profile_stats.ndjson'));
    await appendFile(
      join(raw(), days[3]!, 'profile_stats.ndjson'),
      JSON.stringify({ ...stats, user_id: '1', followers_cnt: -5 }) + '\n',
    );
    const video = await firstLine(join(raw(), days[0]!, 'videos.ndjson'));
    await appendFile(
      join(raw(), days[4]!, 'videos.ndjson'),
      JSON.stringify({ ...video, user_id: '99' }) + '\n',
    );
    // An influencer first seen through a profile row only, with counters two days later and a video later.
    const profile = await firstLine(join(raw(), days[0]!, 'profiles.ndjson'));
    await appendFile(
      join(raw(), days[2]!, 'profiles.ndjson'),
      JSON.stringify({ ...profile, user_id: '12345', unique_id: 'late_starter' }) + '\n',
    );
    await appendFile(
      join(raw(), days[4]!, 'profile_stats.ndjson'),
      JSON.stringify({ ...stats, user_id: '12345' }) + '\n',
    );
    // Its video promotes a product on its second observation only.
    for (const [i, products] of [
      [8, []],
      [10, ['555']],
      [12, []],
    ] as const)
      await appendFile(
        join(raw(), days[i]!, 'videos.ndjson'),
        JSON.stringify({
          ...video,
          video_id: '777',
          user_id: '12345',
          views_cnt: 100 * i,
          product_ids: products,
        }) + '\n',
      );
    const live = await firstLine(join(raw(), days[1]!, 'lives.ndjson'));
    await appendFile(join(raw(), days[6]!, 'lives.ndjson'), JSON.stringify(live) + '\n');
  });
  after(() => rm(root, { recursive: true, force: true }));

  async function ingest(rawDir: string, dataDir: string, dailyRowsPerPass?: number): Promise<LoadReport> {
    const warehouse = await openWarehouse(dataDir);
    try {
      return await loadBatches(warehouse.connection, {
        rawDir,
        dataDir,
        maxRejects: 1000,
        progress: silentProgress,
        today: end,
        ...(dailyRowsPerPass !== undefined && { dailyRowsPerPass }),
      });
    } finally {
      warehouse.close();
    }
  }

  async function snapshot(dataDir: string) {
    const warehouse = await openWarehouse(dataDir);
    try {
      const path = join(dataDir, 'rows.parquet');
      await writeSnapshotRows(warehouse.connection, { asOf: end, source: 'state', parquetPath: path });
      return await readRows(`SELECT * FROM '${path}'`);
    } finally {
      warehouse.close();
    }
  }

  it('leaves the same warehouse, rejects and snapshot as applying one day per run', async () => {
    const days = (await readdir(raw())).sort();
    const setwise = join(root, 'data-setwise');
    // In several passes (~60k influencer-days in all), as at 1M influencers.
    const once = await ingest(raw(), setwise, 20_000);
    assert.equal(once.loaded.length, days.length);
    assert.equal(once.rejected, 4);

    const stepRaw = join(root, 'raw-steps');
    const sequential = join(root, 'data-sequential');
    let rejected = 0;
    const quarantine: string[] = [];
    for (const day of days) {
      await cp(join(raw(), day), join(stepRaw, day), { recursive: true });
      const report = await ingest(stepRaw, sequential);
      assert.deepEqual(
        report.loaded.map((b) => b.day),
        [day],
      );
      rejected += report.rejected;
      quarantine.push(...report.quarantineFiles);
    }
    assert.equal(rejected, once.rejected);
    assert.deepEqual(
      quarantine.map((f) => f.slice(sequential.length)),
      once.quarantineFiles.map((f) => f.slice(setwise.length)),
    );
    for (const f of quarantine)
      assert.equal(
        (await readFile(f, 'utf8')).replaceAll(stepRaw, raw()),
        await readFile(join(setwise, f.slice(sequential.length)), 'utf8'),
      );

    await compareWarehouses(setwise, sequential, async (count) => {
      // The generated crawl exercises the cases the set-wise rules must get right.
      const a = async (sql: string) => count(sql.replaceAll('{s}', 'a.influencer_state'));
      assert.ok((await a(`SELECT count(*) FROM {s} WHERE stats_day > first_day`)) > 0, 'late stats');
      assert.ok((await a(`SELECT count(*) FROM {s} WHERE video_day > first_day`)) > 0, 'late videos');
      assert.ok(
        (await a(`SELECT count(*) FROM {s} WHERE first_day > DATE '${days[0]}'`)) > 0,
        'new influencers',
      );
      assert.ok(
        (await count(`SELECT count(*) FROM (SELECT video_id FROM a.raw_videos GROUP BY video_id
             HAVING count(DISTINCT len(product_ids) > 0) > 1)`)) > 0,
        'videos changing has_products',
      );
    });

    assert.deepEqual(await snapshot(setwise), await snapshot(sequential));
  });

  it('killed inside its transaction, leaves nothing loaded; the next run loads it all', async () => {
    const killed = join(root, 'data-killed');
    // A child applies the same first ingest in passes of 500 influencer-days (seconds of work) and is killed
    // (SIGKILL: no rollback of its own) 300 ms into the apply, inside the one transaction.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./ingest-child.ts', import.meta.url)), raw(), killed, end],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, sig) => resolve(sig)),
    );
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the child never started applying: ${out}`)), 120_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('applying')) {
          clearTimeout(timer);
          setTimeout(() => {
            child.kill('SIGKILL');
            resolve();
          }, 300);
        }
      });
    });
    assert.equal(await exited, 'SIGKILL');
    assert.ok(!out.includes('loaded'), 'the load finished before the kill: the test did not interrupt it');

    const warehouse = await openWarehouse(killed);
    try {
      for (const table of ['batches', 'influencer_state', 'influencer_daily', 'raw_profiles', 'raw_videos']) {
        const rows = await warehouse.connection.runAndReadAll(`SELECT count(*) FROM ${table}`);
        assert.equal(Number(rows.getRowsJS()[0]![0]), 0, `${table} kept rows of the killed run`);
      }
    } finally {
      warehouse.close();
    }
    const again = await ingest(raw(), killed, 20_000);
    assert.equal(again.loaded.length, (await readdir(raw())).length);
    await compareWarehouses(join(root, 'data-setwise'), killed);
  });
});
