// Deterministic generator of a realistic raw crawl (see model.ts for the data model and docs/raw-format.md
// for the format). Writes OUT/YYYY-MM-DD/<table>.<ext> for every day, all six tables every day.
// Output goes to a staging directory renamed into place at the end, so a failed run leaves nothing that
// looks like a complete dataset.
import { mkdir, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { duckdbMemory } from '../config.ts';
import type { Progress } from '../progress.ts';
import {
  RAW_FILE_EXTENSIONS,
  RAW_PARQUET_TYPES,
  RAW_TABLES,
  type RawFileExtension,
  type RawTable,
  type RawTableName,
} from './format.ts';
import { dayEndSql, daySql, setupSql, tableSelect, type ModelParams } from './model.ts';

export interface GenerateOptions {
  readonly influencers: number;
  readonly days: number;
  readonly seed: number;
  readonly outDir: string;
  /** Last crawl day, YYYY-MM-DD (default: yesterday, UTC). */
  readonly end?: string;
  readonly format?: RawFileExtension;
}

export interface GenerateSummary {
  readonly outDir: string;
  readonly format: RawFileExtension;
  readonly firstDay: string;
  readonly lastDay: string;
  readonly days: number;
  readonly influencers: number;
  readonly seed: number;
  /** Rows written per table, over all days. */
  readonly rows: Record<RawTableName, number>;
  readonly files: number;
  readonly bytes: number;
}

/** Invalid generator options; the message names the option. Shown by the CLI as a usage error. */
export class GenerateOptionsError extends Error {
  override name = 'UsageError';
}

export const MAX_INFLUENCERS = 50_000_000;
export const MAX_DAYS = 3660;
const DAY_MS = 86_400_000;

function fail(message: string): never {
  throw new GenerateOptionsError(message);
}

/** Day number (days since 1970-01-01) of a YYYY-MM-DD date, or an error naming `option`. */
export function parseDay(value: string, option: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const ms = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : NaN;
  if (!match || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value)
    fail(`${option} must be a date YYYY-MM-DD, got "${value}"`);
  return ms / DAY_MS;
}

export function formatDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

function validate(options: GenerateOptions): ModelParams & { format: RawFileExtension } {
  const { influencers, days, seed } = options;
  if (!Number.isSafeInteger(influencers) || influencers < 1 || influencers > MAX_INFLUENCERS)
    fail(
      `influencers must be an integer from 1 to ${MAX_INFLUENCERS.toLocaleString('en-US')}, got ${influencers}`,
    );
  if (!Number.isSafeInteger(days) || days < 1 || days > MAX_DAYS)
    fail(`days must be an integer from 1 to ${MAX_DAYS}, got ${days}`);
  if (!Number.isSafeInteger(seed) || seed < 0) fail(`seed must be a non-negative integer, got ${seed}`);
  const format = options.format ?? 'parquet';
  if (!RAW_FILE_EXTENSIONS.includes(format))
    fail(`format must be one of ${RAW_FILE_EXTENSIONS.join(', ')}, got "${String(format)}"`);
  if (!options.outDir) fail('an output directory is required');
  const lastDay =
    options.end === undefined ? Math.floor(Date.now() / DAY_MS) - 1 : parseDay(options.end, 'end');
  const firstDay = lastDay - days + 1;
  if (firstDay < 0)
    fail(`the first day would fall before 1970-01-01 (end ${formatDay(lastDay)}, ${days} days)`);
  return { influencers, seed, firstDay, lastDay, format };
}

/** Refuses to overwrite: the output directory must not exist or be empty. */
async function checkOutDir(outDir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(outDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR')
      fail(`output ${outDir} exists and is not a directory`);
    throw err;
  }
  if (entries.length > 0)
    fail(`output directory ${outDir} is not empty; choose a new directory or remove it`);
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Projects a table's typed rows onto the file encoding (see docs/raw-format.md). */
function encodedSelect(table: RawTable, inner: string, format: RawFileExtension): string {
  const columns = table.columns.map((c) => {
    const name = `"${c.name}"`;
    if (c.type === 'id_list' && format === 'csv')
      return `array_to_string(CAST(${name} AS VARCHAR[]), ';') AS ${name}`;
    if (c.type === 'timestamp' && format !== 'parquet')
      return `strftime(${name}, '%Y-%m-%dT%H:%M:%SZ') AS ${name}`;
    return `CAST(${name} AS ${RAW_PARQUET_TYPES[c.type]}) AS ${name}`;
  });
  return `SELECT ${columns.join(', ')} FROM (${inner})`;
}

const COPY_OPTIONS: Record<RawFileExtension, string> = {
  parquet: `FORMAT parquet, COMPRESSION zstd`,
  ndjson: `FORMAT json, ARRAY false`,
  csv: `FORMAT csv, HEADER true`,
};

/** Generates the raw crawl described by `options`. Same options → byte-identical files. */
export async function generateRaw(options: GenerateOptions, progress: Progress): Promise<GenerateSummary> {
  const params = validate(options);
  const { format, firstDay, lastDay } = params;
  const outDir = resolve(options.outDir);
  await checkOutDir(outDir);
  await mkdir(dirname(outDir), { recursive: true });
  const staging = `${outDir}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging);

  const rows = Object.fromEntries(RAW_TABLES.map((t) => [t.name, 0])) as Record<RawTableName, number>;
  let files = 0;
  let bytes = 0;
  // Within the pipeline's memory limit (KOLSCOPE_DUCKDB_MEMORY), spilling beside the output: unbounded, 1M
  // influencers × 91 days peaked at 9.2 GB.
  const spill = `${outDir}.spill-${process.pid}`;
  const instance = await DuckDBInstance.create(':memory:', {
    threads: '2',
    memory_limit: duckdbMemory(),
    temp_directory: spill,
  });
  const db = await instance.connect();
  try {
    progress.log(
      `generating ${params.influencers.toLocaleString('en-US')} influencers × ${options.days} days ` +
        `(${formatDay(firstDay)} … ${formatDay(lastDay)}, seed ${params.seed}, ${format})`,
    );
    for (const sql of setupSql(params)) await db.run(sql);
    for (let d = firstDay; d <= lastDay; d++) {
      for (const sql of daySql(d, firstDay)) await db.run(sql);
      const dayDir = join(staging, formatDay(d));
      await mkdir(dayDir);
      for (const table of RAW_TABLES) {
        const file = join(dayDir, `${table.name}.${format}`);
        const select = encodedSelect(table, tableSelect(table.name, d), format);
        const result = await db.runAndReadAll(
          `COPY (${select}) TO ${sqlString(file)} (${COPY_OPTIONS[format]})`,
        );
        rows[table.name] += Number(result.getRows()[0]?.[0] ?? 0);
        files += 1;
        bytes += (await stat(file)).size;
      }
      for (const sql of dayEndSql(d)) await db.run(sql);
      progress.update('generate days', d - firstDay + 1, lastDay - firstDay + 1);
    }
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  } finally {
    db.closeSync();
    instance.closeSync();
    await rm(spill, { recursive: true, force: true });
  }
  await rmdir(outDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err; // rmdir only removes the empty directory checked above
  });
  await rename(staging, outDir);
  return {
    outDir,
    format,
    firstDay: formatDay(firstDay),
    lastDay: formatDay(lastDay),
    days: options.days,
    influencers: params.influencers,
    seed: params.seed,
    rows,
    files,
    bytes,
  };
}
