// History benchmark: GET /v1/tiktok/influencer/trend's work in process (check + answer: binary search over
// keys.bin, one positioned read of the block, decode, JSON), for random influencers and random 180-day and
// default 30-day ranges of a synthetic snapshot with 365 days of history (HISTORY_BENCH_DAYS); DuckDB on the
// same rows (a table sorted by user_id, day) for comparison, up to HISTORY_DUCKDB_MAX influencers (default 200k:
// DuckDB's appender takes ~4 min per 20M rows here). The snapshot is the engines benchmark's of the same size
// with a history added (hard links) when that one exists, so `--only engines,history --sizes 10m` builds the
// rows and the index once.
//   npm run bench -- --only history --sizes 1m
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { INFLUENCER_TREND } from '../src/api/endpoints/influencer-trend.ts';
import type { AppContext } from '../src/api/context.ts';
import { loadServingIndex } from '../src/index/index.ts';
import { HistoryReader } from '../src/index/history.ts';
import { stderrProgress } from '../src/progress.ts';
import { writeSyntheticHistorySnapshot, writeSyntheticSnapshot } from '../src/service/index.ts';
import {
  dayNumber,
  dayString,
  HISTORY_DIR,
  HISTORY_KEY_BYTES,
  HISTORY_KEYS_FILE,
  HISTORY_META_FILE,
  type HistoryMeta,
} from '../src/snapshot/history.ts';
import { activeSnapshot } from '../src/snapshot/store.ts';

const BENCH_DATA = fileURLToPath(new URL('./data/', import.meta.url));
const QUERIES = 5000;
const DUCKDB_QUERIES = 300;
const DUCKDB_MAX = Number(process.env.HISTORY_DUCKDB_MAX || 200_000);
/** Seed of the sampled influencers and ranges: another seed finds blocks an earlier run left in the page cache cold. */
const SAMPLE_SEED = Number(process.env.HISTORY_BENCH_SEED || 20261130);
/** Days of synthetic history (the trend's 180-day ranges need at least 180). */
const HISTORY_DAYS = Number(process.env.HISTORY_BENCH_DAYS || 365);
if (!Number.isSafeInteger(HISTORY_DAYS) || HISTORY_DAYS < 180)
  throw new Error(`HISTORY_BENCH_DAYS must be an integer ≥ 180, got ${process.env.HISTORY_BENCH_DAYS}`);
const progress = stderrProgress(5000);
const sizeLabel = (n: number) =>
  n % 1_000_000 === 0 ? `${n / 1_000_000}m` : n % 1000 === 0 ? `${n / 1000}k` : `${n}`;

interface Stats {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

function stats(ms: number[]): Stats {
  const s = [...ms].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
  return { n: s.length, p50: at(50), p99: at(99), max: s.at(-1)! };
}

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The history benchmark's snapshot: the engines benchmark's snapshot of the same size (same generator and seed)
 * with HISTORY_BENCH_DAYS days of history added by hard links when that snapshot exists (at 10M, rebuilding
 * its rows and index would take as long again), else a new synthetic snapshot with history.
 */
async function dataset(size: number): Promise<{ dir: string; builtSeconds: number | null }> {
  const dataDir = join(BENCH_DATA, `history-${sizeLabel(size)}`);
  const existing = await activeSnapshot(dataDir).catch(() => null);
  if (
    existing &&
    existing.manifest.rows === size &&
    existsSync(join(existing.dir, HISTORY_DIR, HISTORY_META_FILE)) &&
    historyDaysOf(existing.dir) === HISTORY_DAYS
  )
    return { dir: existing.dir, builtSeconds: null };
  await rm(dataDir, { recursive: true, force: true });
  const started = performance.now();
  const engines = await activeSnapshot(join(BENCH_DATA, `engines-${sizeLabel(size)}`)).catch(() => null);
  let info;
  if (engines && engines.manifest.rows === size && engines.manifest.source?.seed === 1) {
    progress.log(
      `history: adding ${HISTORY_DAYS} days of history to the engines snapshot ${engines.dir} (hard links)`,
    );
    info = await writeSyntheticHistorySnapshot(
      { from: engines, dataDir, historyDays: HISTORY_DAYS, activate: true },
      progress,
    );
  } else {
    progress.log(
      `history: creating the ${sizeLabel(size)} synthetic snapshot with ${HISTORY_DAYS} days of history`,
    );
    info = await writeSyntheticSnapshot(
      { dataDir, influencers: size, seed: 1, activate: true, historyDays: HISTORY_DAYS },
      progress,
    );
  }
  const builtSeconds = (performance.now() - started) / 1000;
  progress.log(`history: snapshot written in ${builtSeconds.toFixed(0)} s`);
  return { dir: info.dir, builtSeconds };
}

/** Days retained by a snapshot's history (from its meta.json). */
function historyDaysOf(snapshotDir: string): number {
  const meta = JSON.parse(
    readFileSync(join(snapshotDir, HISTORY_DIR, HISTORY_META_FILE), 'utf8'),
  ) as HistoryMeta;
  return dayNumber(meta.lastDay) - dayNumber(meta.firstDay) + 1;
}

/** `count` user ids drawn from keys.bin (positioned reads of random entries). */
function sampleIds(snapshotDir: string, influencers: number, count: number, next: () => number): string[] {
  const fd = openSync(join(snapshotDir, HISTORY_DIR, HISTORY_KEYS_FILE), 'r');
  const entry = Buffer.alloc(HISTORY_KEY_BYTES);
  const ids: string[] = [];
  try {
    for (let i = 0; i < count; i++) {
      readSync(fd, entry, 0, HISTORY_KEY_BYTES, Math.floor(next() * influencers) * HISTORY_KEY_BYTES);
      ids.push(String((entry.readBigUInt64LE(0) << 64n) | entry.readBigUInt64LE(8)));
    }
  } finally {
    closeSync(fd);
  }
  return ids;
}

/** The same rows in a DuckDB table sorted by (user_id, day), decoded from the snapshot's history files. */
async function duckdbTable(snapshotDir: string, dbPath: string, meta: HistoryMeta) {
  const instance = await DuckDBInstance.create(dbPath, { threads: '2', memory_limit: '2GB' });
  const conn = await instance.connect();
  const ready = (
    await conn.runAndReadAll(`SELECT count(*) FROM duckdb_tables() WHERE table_name = 'history'`)
  ).getRows()[0]![0];
  if (Number(ready) === 0) {
    progress.log(`history: loading ${meta.records.toLocaleString('en-US')} rows into DuckDB`);
    await conn.run(`CREATE TABLE history_load (user_id HUGEINT, day INTEGER, followers DOUBLE, following DOUBLE,
      digg DOUBLE, videos DOUBLE, views DOUBLE, sale_cnt DOUBLE, sale_gmv DOUBLE)`);
    const appender = await conn.createAppender('history_load');
    const keys = await readFile(join(snapshotDir, HISTORY_DIR, HISTORY_KEYS_FILE));
    const reader = HistoryReader.open(snapshotDir)!;
    for (let i = 0; i < meta.influencers; i++) {
      const id =
        (keys.readBigUInt64LE(i * HISTORY_KEY_BYTES) << 64n) |
        keys.readBigUInt64LE(i * HISTORY_KEY_BYTES + 8);
      for (const r of reader.days(String(id), meta.firstDay, meta.lastDay)!) {
        appender.appendHugeInt(id);
        appender.appendInteger(r.day);
        for (const v of [r.followers, r.following, r.digg, r.videos, r.views, r.saleCnt, r.saleGmv])
          appender.appendDouble(v);
        appender.endRow();
      }
      if (i % 100_000 === 0) progress.update('history: DuckDB load', i, meta.influencers);
    }
    appender.closeSync();
    reader.close();
    await conn.run(`CREATE TABLE history AS SELECT * FROM history_load ORDER BY user_id, day`);
    await conn.run(`DROP TABLE history_load`);
    await conn.run(`CHECKPOINT`);
  }
  return { instance, conn };
}

export async function run({ sizes, outDir }: { sizes: number[]; outDir: string }): Promise<void> {
  await mkdir(outDir, { recursive: true });
  for (const size of sizes) {
    const { dir, builtSeconds } = await dataset(size);
    const meta = JSON.parse(await readFile(join(dir, HISTORY_DIR, HISTORY_META_FILE), 'utf8')) as HistoryMeta;
    const index = await loadServingIndex(dir);
    const next = random(SAMPLE_SEED);
    const ids = sampleIds(dir, meta.influencers, QUERIES, next);
    const first = dayNumber(meta.firstDay);
    const last = dayNumber(meta.lastDay);
    const ranges = ids.map(() => {
      const from = first + Math.floor(next() * (last - first - 179 + 1));
      return { from: dayString(from), to: dayString(from + 179) };
    });
    const compact = (d: string) => d.replaceAll('-', '');
    const ctx = {} as AppContext; // answer() does not read the context
    // Wall time of each query, and the CPU time of this process over it (what the query cost, without the
    // waits of a machine shared with other jobs).
    const timeQueries = (qs: (i: number) => string): Stats & { cpu: Stats } => {
      const ms: number[] = [];
      const cpuMs: number[] = [];
      let bytes = 0;
      for (let i = 0; i < QUERIES; i++) {
        const query = INFLUENCER_TREND.parse(qs(i)); // parsing is cached per URL in the server
        const c = process.cpuUsage();
        const t = process.hrtime.bigint();
        INFLUENCER_TREND.check(index, query);
        bytes += INFLUENCER_TREND.answer(ctx, index, query, new Map()).length;
        ms.push(Number(process.hrtime.bigint() - t) / 1e6);
        const cpu = process.cpuUsage(c);
        cpuMs.push((cpu.user + cpu.system) / 1000);
      }
      if (bytes === 0) throw new Error('no answer');
      return { ...stats(ms), cpu: stats(cpuMs) };
    };
    const load1 = loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
    const days180 = timeQueries(
      (i) => `user_id=${ids[i]}&start_date=${compact(ranges[i]!.from)}&end_date=${compact(ranges[i]!.to)}`,
    );
    // The same queries again: their blocks are now in the page cache (at 10M, series.bin is 16 GB and the
    // first pass reads most blocks from disk).
    const days180Again = timeQueries(
      (i) => `user_id=${ids[i]}&start_date=${compact(ranges[i]!.from)}&end_date=${compact(ranges[i]!.to)}`,
    );
    const days30 = timeQueries((i) => `user_id=${ids[i]}`);
    progress.log(
      `history ${sizeLabel(size)}: 180 days p50 ${days180.p50.toFixed(3)} p99 ${days180.p99.toFixed(3)} max ${days180.max.toFixed(3)} ms`,
    );

    let duckdb: Stats | null = null;
    if (size <= DUCKDB_MAX) {
      const dbPath = join(BENCH_DATA, `history-${sizeLabel(size)}.duckdb`);
      const { instance, conn } = await duckdbTable(dir, dbPath, meta);
      const stmt =
        await conn.prepare(`SELECT day, followers, following, digg, videos, views, sale_cnt, sale_gmv
        FROM history WHERE user_id = CAST($1 AS HUGEINT) AND day BETWEEN $2 AND $3 ORDER BY day`);
      const ms: number[] = [];
      for (let i = 0; i < DUCKDB_QUERIES; i++) {
        stmt.bindVarchar(1, ids[i]!);
        stmt.bindInteger(2, dayNumber(ranges[i]!.from));
        stmt.bindInteger(3, dayNumber(ranges[i]!.to));
        const t = process.hrtime.bigint();
        (await stmt.runAndReadAll()).getRows();
        ms.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
      duckdb = stats(ms);
      conn.closeSync();
      instance.closeSync();
      progress.log(
        `history ${sizeLabel(size)}: DuckDB 180 days p50 ${duckdb.p50.toFixed(2)} p99 ${duckdb.p99.toFixed(2)} ms`,
      );
    }
    const load2 = loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
    index.close();
    const result = {
      influencers: size,
      retained: `${meta.firstDay} … ${meta.lastDay}`,
      records: meta.records,
      seriesBytes: meta.seriesBytes,
      keysBytes: (meta.influencers + 1) * HISTORY_KEY_BYTES,
      bytesPerInfluencerDay: meta.seriesBytes / meta.records,
      bytesPerInfluencerDayAll:
        (meta.seriesBytes + (meta.influencers + 1) * HISTORY_KEY_BYTES) / meta.records,
      sampleSeed: SAMPLE_SEED,
      kolscope180: days180,
      kolscope180Again: days180Again,
      kolscope30: days30,
      duckdb180: duckdb,
      loadAverage: { before: load1, after: load2 },
      datasetBuiltSeconds: builtSeconds,
      duckdbNote: duckdb ? null : `DuckDB not run: ${size} influencers > HISTORY_DUCKDB_MAX ${DUCKDB_MAX}`,
    };
    const fmt = (s: Stats | null) =>
      s
        ? `| ${s.n} | ${s.p50.toFixed(3)} | ${s.p99.toFixed(3)} | ${s.max.toFixed(3)} |`
        : '| — | — | — | — |';
    const md = [
      `### History at ${sizeLabel(size)} influencers`,
      '',
      `${meta.records.toLocaleString('en-US')} crawled influencer-days over ${meta.firstDay} … ${meta.lastDay}; ` +
        `series.bin ${(meta.seriesBytes / 2 ** 20).toFixed(0)} MiB (${result.bytesPerInfluencerDay.toFixed(2)} bytes per crawled influencer-day), ` +
        `keys.bin ${(result.keysBytes / 2 ** 20).toFixed(0)} MiB (24 bytes per influencer); ` +
        `${result.bytesPerInfluencerDayAll.toFixed(2)} bytes per influencer-day all in. Load average ${load1} → ${load2}.` +
        (builtSeconds === null
          ? ''
          : ` Snapshot (history) written in this run in ${builtSeconds.toFixed(0)} s.`) +
        (result.duckdbNote ? ` ${result.duckdbNote}.` : ''),
      '',
      '| query | engine | n | p50 ms | p99 ms | max ms |',
      '| --- | --- | --- | --- | --- | --- |',
      `| 180 days, random influencer and range | Kolscope (check + answer, in process) ${fmt(days180)}`,
      `| 180 days, CPU time per query | Kolscope ${fmt(days180.cpu)}`,
      `| 180 days, same queries again (blocks in the page cache) | Kolscope ${fmt(days180Again)}`,
      `| 180 days again, CPU time per query | Kolscope ${fmt(days180Again.cpu)}`,
      `| 30 days (default range), same influencers | Kolscope ${fmt(days30)}`,
      `| 180 days, same queries | DuckDB (table sorted by user_id, day; prepared) ${fmt(duckdb)}`,
      '',
    ].join('\n');
    await writeFile(join(outDir, `history-${sizeLabel(size)}.json`), JSON.stringify(result, null, 2) + '\n');
    await writeFile(join(outDir, `history-${sizeLabel(size)}.md`), md);
    process.stderr.write(md + '\n');
  }
}
