// Pipeline benchmark: generate N influencers × 91 days, ingest the first 90 days in one run, then the 91st
// day incrementally, and compare the incremental metrics with a full recompute from the raw history.
// Peak memory is the process RSS sampled every 100 ms (DuckDB runs in process, so it is included) plus
// DuckDB's own accounting (duckdb_memory()) after each step.
//   npm run bench -- --only pipeline --sizes 100k
import { link, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { DuckDBInstance } from '@duckdb/node-api';
import { RAW_TABLES } from '../src/raw/format.ts';
import { join, resolve } from 'node:path';
import { ingestToActiveSnapshot } from '../src/service/index.ts';
import { writeSnapshotRows } from '../src/pipeline/metrics.ts';
import { openWarehouse } from '../src/pipeline/warehouse.ts';
import { generateRaw } from '../src/raw/generate.ts';
import { stderrProgress } from '../src/progress.ts';

const DAYS = 90;
const END = '2026-11-20';

interface Step {
  readonly step: string;
  readonly seconds: number;
  /** CPU seconds of the process (all threads, DuckDB's included). */
  readonly cpuSeconds: number;
  readonly peakRssMb: number;
  readonly duckdbMb?: number;
}

interface SizeResult {
  readonly influencers: number;
  readonly rawRows: Record<string, number>;
  readonly rawMb: number;
  readonly snapshotRows: number;
  readonly steps: Step[];
  /** 1/5/15-minute load averages when the size started and when it ended. */
  readonly loadBefore: string[];
  readonly loadAfter: string[];
  /** Rows that differ between the incremental and the recomputed metrics (both directions); 0 expected. */
  readonly metricsDiffRows: number;
}

/** Runs `work`, sampling RSS; returns seconds and the peak RSS in MB. */
async function measure<T>(
  work: () => Promise<T>,
): Promise<{ value: T; seconds: number; cpuSeconds: number; peakRssMb: number }> {
  let peak = process.memoryUsage().rss;
  const cpu = process.cpuUsage();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 100);
  const started = performance.now();
  try {
    const value = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    const used = process.cpuUsage(cpu);
    return {
      value,
      seconds: (performance.now() - started) / 1000,
      cpuSeconds: (used.user + used.system) / 1e6,
      peakRssMb: Math.round(peak / 2 ** 20),
    };
  } finally {
    clearInterval(timer);
  }
}

async function duckdbMemoryMb(dataDir: string): Promise<{ memory: number; temp: number }> {
  const warehouse = await openWarehouse(dataDir);
  try {
    const result = await warehouse.connection.runAndReadAll(
      `SELECT sum(memory_usage_bytes), sum(temporary_storage_bytes) FROM duckdb_memory()`,
    );
    const [memory, temp] = result.getRowsJS()[0]!;
    return { memory: Math.round(Number(memory) / 2 ** 20), temp: Math.round(Number(temp) / 2 ** 20) };
  } finally {
    warehouse.close();
  }
}

/** Hard-links a generated raw directory's files into `outDir`; its rows per table and bytes. */
async function linkRaw(
  source: string,
  outDir: string,
): Promise<{ rows: Record<string, number>; bytes: number; lastDay: string }> {
  const days = (await readdir(source)).filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d)).sort();
  if (days.length !== DAYS + 1 || days.at(-1) !== END)
    throw new Error(`${source}: expected ${DAYS + 1} days ending ${END}, found ${days.length}`);
  let bytes = 0;
  for (const day of days) {
    await mkdir(join(outDir, day), { recursive: true });
    for (const name of await readdir(join(source, day))) {
      await link(join(source, day, name), join(outDir, day, name));
      bytes += (await stat(join(source, day, name))).size;
    }
  }
  const rows: Record<string, number> = {};
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    for (const table of RAW_TABLES) {
      const result = await connection.runAndReadAll(
        `SELECT sum(num_rows) FROM parquet_file_metadata('${join(source, '*', `${table.name}.parquet`)}')`,
      );
      rows[table.name] = Number(result.getRowsJS()[0]![0] ?? 0);
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return { rows, bytes, lastDay: days.at(-1)! };
}

async function benchSize(influencers: number, workDir: string): Promise<SizeResult> {
  const progress = stderrProgress(10_000);
  const allDays = join(workDir, 'raw-91');
  const rawDir = join(workDir, 'raw');
  const dataDir = join(workDir, 'data');
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true });
  const steps: Step[] = [];
  const loadBefore = loadavg().map((l) => l.toFixed(2));

  // BENCH_PIPELINE_RAW: a directory of 91 generated days to use instead of generating (hard-linked, so
  // the bench's renames leave it as it is); `kolscope generate --days 91 --seed 42 --end 2026-11-20`.
  const reuse = process.env.BENCH_PIPELINE_RAW;
  const gen = await measure(() =>
    reuse
      ? linkRaw(resolve(reuse), allDays)
      : generateRaw(
          { influencers, days: DAYS + 1, seed: 42, outDir: allDays, end: END, format: 'parquet' },
          progress,
        ),
  );
  steps.push({
    step: reuse ? `link ${DAYS + 1} generated days (${reuse})` : `generate ${DAYS + 1} days (parquet)`,
    seconds: gen.seconds,
    cpuSeconds: gen.cpuSeconds,
    peakRssMb: gen.peakRssMb,
  });
  // Hold the last day back: ingest 90 days, then add it.
  await rename(allDays, rawDir);
  const extra = join(workDir, 'day-91');
  await rename(join(rawDir, gen.value.lastDay), extra);

  const full = await measure(() => ingestToActiveSnapshot({ rawDir, dataDir }, progress));
  steps.push({
    step: `ingest ${DAYS} days + snapshot + index (one run)`,
    seconds: full.seconds,
    cpuSeconds: full.cpuSeconds,
    peakRssMb: full.peakRssMb,
  });

  await rename(extra, join(rawDir, gen.value.lastDay));
  const inc = await measure(() => ingestToActiveSnapshot({ rawDir, dataDir }, progress));
  const mem = await duckdbMemoryMb(dataDir);
  steps.push({
    step: 'ingest 1 more day + snapshot + index (incremental)',
    seconds: inc.seconds,
    cpuSeconds: inc.cpuSeconds,
    peakRssMb: inc.peakRssMb,
    duckdbMb: mem.memory,
  });

  // Metrics only: the incremental state vs a full recompute from the raw history, same as-of date.
  let metricsDiffRows = -1;
  const warehouse = await openWarehouse(dataDir);
  try {
    for (const source of ['state', 'history'] as const) {
      const m = await measure(() =>
        writeSnapshotRows(warehouse.connection, {
          asOf: gen.value.lastDay,
          source,
          parquetPath: join(workDir, `metrics-${source}.parquet`),
        }),
      );
      steps.push({
        step: source === 'state' ? 'metrics from incremental state' : 'metrics recomputed from raw history',
        seconds: m.seconds,
        cpuSeconds: m.cpuSeconds,
        peakRssMb: m.peakRssMb,
      });
    }
    // Both outputs must be the same rows, field for field (a float summed in another order may not be).
    const [incremental, history] = ['state', 'history'].map((s) => join(workDir, `metrics-${s}.parquet`));
    const diff = await warehouse.connection.runAndReadAll(
      `SELECT (SELECT count(*) FROM (FROM '${incremental}' EXCEPT ALL FROM '${history}'))
            + (SELECT count(*) FROM (FROM '${history}' EXCEPT ALL FROM '${incremental}'))`,
    );
    metricsDiffRows = Number(diff.getRowsJS()[0]![0]);
  } finally {
    warehouse.close();
  }
  const result: SizeResult = {
    influencers,
    rawRows: gen.value.rows,
    rawMb: Math.round(gen.value.bytes / 2 ** 20),
    snapshotRows: inc.value.snapshot?.manifest.rows ?? 0,
    loadBefore,
    loadAfter: loadavg().map((l) => l.toFixed(2)),
    steps,
    metricsDiffRows,
  };
  await rm(join(workDir, 'raw'), { recursive: true, force: true });
  return result;
}

export async function run(options: { sizes: number[]; outDir: string }): Promise<void> {
  const results: SizeResult[] = [];
  for (const size of options.sizes) {
    process.stderr.write(`pipeline: ${size.toLocaleString('en-US')} influencers × ${DAYS} days\n`);
    results.push(await benchSize(size, resolve('bench/data', `pipeline-${size}`)));
    await writeReport(options.outDir, results);
  }
}

async function writeReport(outDir: string, results: SizeResult[]): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const meta = {
    days: DAYS,
    threads: 2,
    duckdbMemoryLimit: process.env.KOLSCOPE_DUCKDB_MEMORY || '4GB',
    node: process.version,
    date: new Date().toISOString(),
  };
  await writeFile(join(outDir, 'pipeline.json'), JSON.stringify({ ...meta, results }, null, 2) + '\n');
  const lines = [
    `# Pipeline benchmark`,
    '',
    `${DAYS} crawl days ingested in one run, then one more day; DuckDB threads=2, memory_limit=${meta.duckdbMemoryLimit}. ` +
      `Peak RSS = the Node process including DuckDB. ${meta.date}, Node ${meta.node}.`,
    '',
  ];
  for (const r of results) {
    lines.push(
      `## ${r.influencers.toLocaleString('en-US')} influencers`,
      '',
      `raw: ${Object.entries(r.rawRows)
        .map(([t, n]) => `${t} ${n.toLocaleString('en-US')}`)
        .join(', ')} rows (${r.rawMb} MB parquet); snapshot rows: ${r.snapshotRows.toLocaleString('en-US')}`,
      '',
      `Load average before / after: ${r.loadBefore.join(', ')} / ${r.loadAfter.join(', ')} (2 cores).`,
      '',
      '| step | seconds | CPU seconds | peak RSS (MB) | DuckDB memory after (MB) |',
      '| --- | ---: | ---: | ---: | ---: |',
      ...r.steps.map(
        (s) =>
          `| ${s.step} | ${s.seconds.toFixed(1)} | ${s.cpuSeconds.toFixed(1)} | ${s.peakRssMb} | ${s.duckdbMb ?? ''} |`,
      ),
      '',
      `Incremental vs recomputed metrics: ${
        r.metricsDiffRows === 0 ? 'identical rows' : `**${r.metricsDiffRows} rows differ**`
      }.`,
      '',
    );
  }
  await writeFile(join(outDir, 'pipeline.md'), lines.join('\n'));
}
