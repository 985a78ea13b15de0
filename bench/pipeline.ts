// Pipeline benchmark: generate N influencers × 91 days, ingest the first 90 days in one run, then the 91st
// day incrementally, and compare the incremental metrics with a full recompute from the raw history.
// Peak memory is the process RSS sampled every 100 ms (DuckDB runs in process, so it is included) plus
// DuckDB's own accounting (duckdb_memory()) after each step.
//   npm run bench -- --only pipeline --sizes 100k
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
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
  readonly peakRssMb: number;
  readonly duckdbMb?: number;
}

interface SizeResult {
  readonly influencers: number;
  readonly rawRows: Record<string, number>;
  readonly rawMb: number;
  readonly snapshotRows: number;
  readonly steps: Step[];
  /** Rows that differ between the incremental and the recomputed metrics (both directions); 0 expected. */
  readonly metricsDiffRows: number;
}

/** Runs `work`, sampling RSS; returns seconds and the peak RSS in MB. */
async function measure<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number; peakRssMb: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 100);
  const started = performance.now();
  try {
    const value = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, seconds: (performance.now() - started) / 1000, peakRssMb: Math.round(peak / 2 ** 20) };
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

async function benchSize(influencers: number, workDir: string): Promise<SizeResult> {
  const progress = stderrProgress(10_000);
  const allDays = join(workDir, 'raw-91');
  const rawDir = join(workDir, 'raw');
  const dataDir = join(workDir, 'data');
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true });
  const steps: Step[] = [];

  const gen = await measure(() =>
    generateRaw(
      { influencers, days: DAYS + 1, seed: 42, outDir: allDays, end: END, format: 'parquet' },
      progress,
    ),
  );
  steps.push({ step: `generate ${DAYS + 1} days (parquet)`, seconds: gen.seconds, peakRssMb: gen.peakRssMb });
  // Hold the last day back: ingest 90 days, then add it.
  await rename(allDays, rawDir);
  const extra = join(workDir, 'day-91');
  await rename(join(rawDir, gen.value.lastDay), extra);

  const full = await measure(() => ingestToActiveSnapshot({ rawDir, dataDir }, progress));
  steps.push({
    step: `ingest ${DAYS} days + snapshot + index (one run)`,
    seconds: full.seconds,
    peakRssMb: full.peakRssMb,
  });

  await rename(extra, join(rawDir, gen.value.lastDay));
  const inc = await measure(() => ingestToActiveSnapshot({ rawDir, dataDir }, progress));
  const mem = await duckdbMemoryMb(dataDir);
  steps.push({
    step: 'ingest 1 more day + snapshot + index (incremental)',
    seconds: inc.seconds,
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
      '| step | seconds | peak RSS (MB) | DuckDB memory after (MB) |',
      '| --- | ---: | ---: | ---: |',
      ...r.steps.map((s) => `| ${s.step} | ${s.seconds.toFixed(1)} | ${s.peakRssMb} | ${s.duckdbMb ?? ''} |`),
      '',
      `Incremental vs recomputed metrics: ${
        r.metricsDiffRows === 0 ? 'identical rows' : `**${r.metricsDiffRows} rows differ**`
      }.`,
      '',
    );
  }
  await writeFile(join(outDir, 'pipeline.md'), lines.join('\n'));
}
