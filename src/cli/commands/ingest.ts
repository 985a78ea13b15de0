// `kolscope ingest DIR`: parses the options, runs the ingest use case (src/service/ingest.ts) and prints what
// was loaded, rejected and activated.
import type { Command } from 'commander';
import { stderrProgress } from '../../progress.ts';
import {
  DEFAULT_MAX_REJECTS,
  ingestToActiveSnapshot,
  IngestError,
  RejectLimitError,
  WarehouseError,
  type IngestReport,
  type LoadReport,
} from '../../service/index.ts';
import { dataDirOption, parseCount } from '../options.ts';

function usageError(message: string): Error {
  const err = new Error(message);
  err.name = 'UsageError';
  return err;
}

const n = (x: number) => x.toLocaleString('en-US');

export function formatLoadReport(load: LoadReport): string[] {
  const lines: string[] = [];
  const span = (batches: LoadReport['loaded']) =>
    `${batches.length} (${batches[0]!.day} … ${batches.at(-1)!.day})`;
  lines.push(load.loaded.length === 0 ? 'batches loaded: none' : `batches loaded: ${span(load.loaded)}`);
  if (load.loaded.length === 0 && load.validated.length > 0)
    lines.push(`batches checked: ${span(load.validated)}`);
  if (load.skipped.length > 0) lines.push(`batches already loaded, skipped: ${load.skipped.length}`);
  lines.push('rows per table:');
  for (const [table, rows] of Object.entries(load.rowsByTable))
    lines.push(`  ${table.padEnd(14)} ${n(rows)}`);
  lines.push(`rows rejected: ${n(load.rejected)} (limit --max-rejects ${n(load.maxRejects)})`);
  for (const r of load.rejects) {
    lines.push(`  ${r.reason}: ${n(r.count)}`);
    for (const example of r.examples) lines.push(`    ${example}`);
  }
  if (load.quarantineFiles.length > 0) {
    lines.push(`rejected rows kept aside in ${load.quarantineFiles.length} file(s):`);
    for (const file of load.quarantineFiles) lines.push(`  ${file}`);
  }
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
    .option(
      '--allow-future-batches',
      'accept batches dated after today (UTC); by default they refuse the run',
    )
    .addOption(dataDirOption())
    .action(
      async (
        dir: string,
        opts: { asOf?: string; maxRejects?: number; allowFutureBatches?: boolean; dataDir: string },
      ) => {
        if (opts.asOf !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(opts.asOf))
          throw usageError(`--as-of must be YYYY-MM-DD, got "${opts.asOf}"`);
        const progress = stderrProgress();
        let report: IngestReport;
        try {
          report = await ingestToActiveSnapshot(
            {
              rawDir: dir,
              dataDir: opts.dataDir,
              asOf: opts.asOf,
              maxRejects: opts.maxRejects,
              allowFutureBatches: opts.allowFutureBatches === true,
            },
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
      },
    );
}
