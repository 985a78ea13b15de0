// `kolscope ingest DIR`: load new raw batches into the warehouse, compute the snapshot for the as-of date,
// build its serving index and activate it. A failure at any step leaves the active snapshot as it was.
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { buildServingIndex } from '../../index/build.ts';
import {
  DEFAULT_MAX_REJECTS,
  IngestError,
  loadBatches,
  RejectLimitError,
  type LoadReport,
} from '../../pipeline/load.ts';
import { writeSnapshotRows } from '../../pipeline/metrics.ts';
import { loadedDays, openWarehouse, WarehouseError } from '../../pipeline/warehouse.ts';
import { stderrProgress, type Progress } from '../../progress.ts';
import { SNAPSHOT_ROWS_FILE } from '../../snapshot/schema.ts';
import { activateSnapshot, activeSnapshot, beginSnapshot, type SnapshotInfo } from '../../snapshot/store.ts';
import { dataDirOption, parseCount } from '../options.ts';

export interface IngestOptions {
  readonly rawDir: string;
  readonly dataDir: string;
  /** Snapshot date, YYYY-MM-DD (default: the last loaded batch). */
  readonly asOf?: string;
  /** Rejected rows tolerated over the run before it is refused (default DEFAULT_MAX_REJECTS). */
  readonly maxRejects?: number;
}

export interface IngestReport {
  readonly load: LoadReport;
  /** The snapshot made active by this run, or null when the active one was already up to date. */
  readonly snapshot: SnapshotInfo | null;
  readonly elapsedMs: number;
}

function usageError(message: string): Error {
  const err = new Error(message);
  err.name = 'UsageError';
  return err;
}

/**
 * Loads the new batches of rawDir and activates a snapshot for the as-of date. A snapshot is built when
 * batches were loaded, when asOf is given, or when the active snapshot is not of the last loaded day.
 */
export async function ingestToActiveSnapshot(
  options: IngestOptions,
  progress: Progress,
): Promise<IngestReport> {
  const started = Date.now();
  const dataDir = resolve(options.dataDir);
  const warehouse = await openWarehouse(dataDir);
  try {
    const load = await loadBatches(warehouse.connection, {
      rawDir: resolve(options.rawDir),
      dataDir,
      maxRejects: options.maxRejects ?? DEFAULT_MAX_REJECTS,
      progress,
    });
    const days = await loadedDays(warehouse.connection);
    const lastDay = days.at(-1);
    if (lastDay === undefined)
      throw new IngestError(`no batches found in ${options.rawDir} and none loaded before`);
    const asOf = options.asOf ?? lastDay;
    if (asOf < days[0]! || asOf > lastDay)
      throw new IngestError(`--as-of ${asOf} is outside the loaded days ${days[0]} … ${lastDay}`);
    const active = await activeSnapshot(dataDir);
    if (load.loaded.length === 0 && options.asOf === undefined && active?.manifest.asOf === lastDay) {
      progress.log(`no new batches; active snapshot ${active.manifest.version} is up to date`);
      return { load, snapshot: null, elapsedMs: Date.now() - started };
    }

    const draft = await beginSnapshot(dataDir, asOf);
    try {
      // The incremental state describes the last loaded day; an earlier date is recomputed from history.
      const source = asOf === lastDay ? 'state' : 'history';
      progress.log(
        `computing metrics as of ${asOf} (${source === 'state' ? 'incremental state' : 'full recompute'})`,
      );
      const { rows, regions } = await writeSnapshotRows(warehouse.connection, {
        asOf,
        source,
        parquetPath: `${draft.dir}/${SNAPSHOT_ROWS_FILE}`,
      });
      progress.log(`snapshot rows: ${rows.toLocaleString('en-US')}; building the serving index`);
      await buildServingIndex(draft.dir, progress);
      const info = await draft.commit({
        rows,
        regions,
        source: {
          rawDir: resolve(options.rawDir),
          loadedDays: { first: days[0], last: lastDay, count: days.length },
          batchesLoadedNow: load.loaded.map((b) => b.day),
          rowsRejectedNow: load.rejected,
          metrics: source,
        },
      });
      await activateSnapshot(dataDir, info.manifest.version);
      return { load, snapshot: { ...info, active: true }, elapsedMs: Date.now() - started };
    } finally {
      await draft.abandon();
    }
  } finally {
    warehouse.close();
  }
}

const n = (x: number) => x.toLocaleString('en-US');

export function formatLoadReport(load: LoadReport): string[] {
  const lines: string[] = [];
  lines.push(
    load.loaded.length === 0
      ? 'batches loaded: none'
      : `batches loaded: ${load.loaded.length} (${load.loaded[0]!.day} … ${load.loaded.at(-1)!.day})`,
  );
  if (load.skipped.length > 0) lines.push(`batches already loaded, skipped: ${load.skipped.length}`);
  lines.push('rows per table:');
  for (const [table, rows] of Object.entries(load.rowsByTable))
    lines.push(`  ${table.padEnd(14)} ${n(rows)}`);
  lines.push(`rows rejected: ${n(load.rejected)} (limit --max-rejects ${n(load.maxRejects)})`);
  for (const r of load.rejects) {
    lines.push(`  ${r.reason}: ${n(r.count)}`);
    for (const example of r.examples) lines.push(`    ${example}`);
  }
  if (load.quarantineDir) lines.push(`quarantine: ${load.quarantineDir}/<batch>/<table>.ndjson`);
  return lines;
}

export function register(program: Command): void {
  program
    .command('ingest')
    .description('load new raw batches from DIR, compute the snapshot and activate it')
    .argument('<dir>', 'raw directory holding YYYY-MM-DD/<table>.<ndjson|csv|parquet> batches')
    .option('--as-of <date>', 'snapshot date YYYY-MM-DD (default: the last loaded batch)')
    .option(
      '--max-rejects <n>',
      `refuse the whole ingest when more rows are rejected (default ${DEFAULT_MAX_REJECTS})`,
      parseCount('--max-rejects'),
    )
    .addOption(dataDirOption())
    .action(async (dir: string, opts: { asOf?: string; maxRejects?: number; dataDir: string }) => {
      if (opts.asOf !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(opts.asOf))
        throw usageError(`--as-of must be YYYY-MM-DD, got "${opts.asOf}"`);
      const progress = stderrProgress();
      let report: IngestReport;
      try {
        report = await ingestToActiveSnapshot(
          { rawDir: dir, dataDir: opts.dataDir, asOf: opts.asOf, maxRejects: opts.maxRejects },
          progress,
        );
      } catch (err) {
        if (err instanceof IngestError || err instanceof WarehouseError) {
          if (err instanceof RejectLimitError)
            for (const line of formatLoadReport(err.report)) process.stdout.write(line + '\n');
          process.stderr.write(`kolscope ingest: ${err.message}\n`);
          process.exitCode = 1;
          return;
        }
        throw err;
      }
      const lines = formatLoadReport(report.load);
      const snap = report.snapshot;
      if (snap) {
        lines.push(
          `snapshot: ${snap.manifest.version} (as of ${snap.manifest.asOf}), active, in ${snap.dir}`,
        );
        lines.push(`rows per region (${n(snap.manifest.rows)} in all):`);
        for (const [region, rows] of Object.entries(snap.manifest.regions))
          lines.push(`  ${region.padEnd(4)} ${n(rows)}`);
      } else {
        lines.push('snapshot: unchanged (no new batches)');
      }
      lines.push(`elapsed: ${(report.elapsedMs / 1000).toFixed(1)} s`);
      for (const line of lines) process.stdout.write(line + '\n');
    });
}
