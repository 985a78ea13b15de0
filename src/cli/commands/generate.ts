// `kolscope generate`: writes a deterministic synthetic raw crawl (docs/raw-format.md) for demos, tests and
// benchmarks. Progress per day on stderr; a summary of what was written on stdout.
import { Option, type Command } from 'commander';
import { RAW_FILE_EXTENSIONS, RAW_TABLES, type RawFileExtension } from '../../raw/format.ts';
import { generateRaw, MAX_DAYS, MAX_INFLUENCERS, parseDay } from '../../raw/generate.ts';
import { stderrProgress } from '../../progress.ts';
import { dataDirOption } from '../options.ts';

function usageError(message: string): Error {
  const err = new Error(message);
  err.name = 'UsageError';
  return err;
}

/** Parses an integer option within [min, max], naming the option in the error. */
function integerOption(name: string, min: number, max: number) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max)
      throw usageError(
        `${name} must be ${min === 1 ? 'a positive' : 'a non-negative'} integer` +
          (max < Number.MAX_SAFE_INTEGER ? ` up to ${max.toLocaleString('en-US')}` : '') +
          `, got "${raw}"`,
      );
    return n;
  };
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

interface GenerateCliOptions {
  influencers: number;
  days: number;
  seed: number;
  out: string;
  format: RawFileExtension;
  end?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('generate')
    .description('write a deterministic synthetic raw crawl: DIR/YYYY-MM-DD/<table>.<format> for every day')
    .requiredOption(
      '--influencers <n>',
      'number of influencers',
      integerOption('--influencers', 1, MAX_INFLUENCERS),
    )
    .option('--days <n>', 'number of crawl days', integerOption('--days', 1, MAX_DAYS), 90)
    .option(
      '--seed <n>',
      'random seed (same arguments → same bytes)',
      integerOption('--seed', 0, Number.MAX_SAFE_INTEGER),
      1,
    )
    .requiredOption('--out <dir>', 'output directory (must not exist or be empty)')
    .addOption(
      new Option('--format <format>', 'file format').choices([...RAW_FILE_EXTENSIONS]).default('parquet'),
    )
    .option('--end <YYYY-MM-DD>', 'last crawl day (default: yesterday, UTC)', (raw: string) => {
      parseDay(raw, '--end');
      return raw;
    })
    .option('--json', 'print the summary as JSON')
    .addOption(dataDirOption()) // accepted for uniformity with the other commands; unused
    .action(async (opts: GenerateCliOptions) => {
      const started = Date.now();
      const summary = await generateRaw(
        {
          influencers: opts.influencers,
          days: opts.days,
          seed: opts.seed,
          outDir: opts.out,
          format: opts.format,
          ...(opts.end === undefined ? {} : { end: opts.end }),
        },
        stderrProgress(),
      );
      const elapsed = (Date.now() - started) / 1000;
      if (opts.json) {
        process.stdout.write(JSON.stringify({ ...summary, elapsedSeconds: elapsed }, null, 2) + '\n');
        return;
      }
      const width = Math.max(...RAW_TABLES.map((t) => t.name.length));
      const lines = [
        `generated ${summary.influencers.toLocaleString('en-US')} influencers × ${summary.days} days ` +
          `(${summary.firstDay} … ${summary.lastDay}, seed ${summary.seed}, ${summary.format})`,
        ...RAW_TABLES.map(
          (t) =>
            `  ${t.name.padEnd(width)}  ${summary.rows[t.name].toLocaleString('en-US').padStart(14)} rows`,
        ),
        `${summary.files.toLocaleString('en-US')} files, ${formatBytes(summary.bytes)} on disk, ${elapsed.toFixed(1)} s`,
        `data in ${summary.outDir}`,
      ];
      process.stdout.write(lines.join('\n') + '\n');
    });
}
