// `kolscope export --region R --out FILE`: parses the options, runs the export use case
// (src/service/export.ts: one region of the active snapshot, as the API serves it) and prints where it went.
import type { Command } from 'commander';
import { Option } from 'commander';
import { EXPORT_FORMATS, ExportError, exportRegion, type ExportFormat } from '../../service/index.ts';
import { dataDirOption } from '../options.ts';

export function register(program: Command): void {
  program
    .command('export')
    .description('write one region of the active snapshot, as the API serves it, to a file')
    .requiredOption('--region <code>', 'region code, e.g. US')
    .addOption(new Option('--format <format>', 'output format').choices(EXPORT_FORMATS).default('ndjson'))
    .requiredOption('--out <file>', 'output file')
    .addOption(dataDirOption())
    .action(async (opts: { region: string; format: ExportFormat; out: string; dataDir: string }) => {
      try {
        const result = await exportRegion(opts);
        process.stdout.write(
          `exported ${result.rows.toLocaleString('en-US')} rows of region ${opts.region.toUpperCase()} ` +
            `from snapshot ${result.version} to ${result.out} (${opts.format})\n`,
        );
      } catch (err) {
        if (err instanceof ExportError) {
          process.stderr.write(`kolscope export: ${err.message}\n`);
          process.exitCode = 1;
          return;
        }
        throw err;
      }
    });
}
