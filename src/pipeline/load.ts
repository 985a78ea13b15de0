// Loading raw batches into the warehouse: discovery, batch-level rules (order, gaps, reloads), row
// validation with quarantine (all batches of a run before any is applied), then a set-wise apply of a first
// ingest of several days (one transaction) or one transaction per batch.
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { stepTimer, type Progress } from '../progress.ts';
import {
  BATCH_DIR_PATTERN,
  RAW_FILE_EXTENSIONS,
  RAW_TABLES,
  type RawFileExtension,
  type RawTable,
} from '../raw/format.ts';
import {
  applyDay,
  applyDays,
  CROSS_BATCH_CHECKS,
  findKnownKeys,
  rememberForRun,
  RUN_TABLES_DDL,
} from './state.ts';
import { createRejectsTable, rejectStaged, sqlString, stageRawFile, stagingTable } from './validate.ts';
import { loadedDays, rawColumnsDdl } from './warehouse.ts';

/** Default of --max-rejects: rows rejected over one ingest run before the whole run is refused. */
export const DEFAULT_MAX_REJECTS = 1000;
/** Examples kept per reject reason in the report. */
const EXAMPLES_PER_REASON = 3;

export class IngestError extends Error {}

/** The run was refused because too many rows were rejected; nothing was loaded. */
export class RejectLimitError extends IngestError {
  constructor(
    message: string,
    readonly report: LoadReport,
  ) {
    super(message);
  }
}

export interface RawBatch {
  readonly day: string;
  readonly dir: string;
  readonly files: readonly { table: string; path: string; format: RawFileExtension; size: number }[];
}

export interface RejectSummary {
  readonly reason: string;
  readonly count: number;
  /** "file:line column: message" */
  readonly examples: readonly string[];
}

export interface BatchReport {
  readonly day: string;
  readonly rows: Readonly<Record<string, number>>;
  readonly rejected: number;
}

export interface LoadReport {
  /** Batches applied to the warehouse by this run (none when the run was refused). */
  readonly loaded: readonly BatchReport[];
  /** Batches validated by this run, in day order; on a refusal, up to the batch that crossed the limit. */
  readonly validated: readonly BatchReport[];
  /** Batches found in the raw directory that were already loaded with the same files. */
  readonly skipped: readonly string[];
  /** Rows loaded per table by this run (all zero when it was refused). */
  readonly rowsByTable: Readonly<Record<string, number>>;
  /** Rows rejected by this run's validation (also when it was refused). */
  readonly rejected: number;
  readonly rejects: readonly RejectSummary[];
  /** DATA_DIR/quarantine when rows were rejected, else null. */
  readonly quarantineDir: string | null;
  /** The quarantine files written by this run (DATA_DIR/quarantine/<batch>/<table>.ndjson), in order. */
  readonly quarantineFiles: readonly string[];
  /** Last loaded day after this run (null: nothing loaded yet). */
  readonly lastDay: string | null;
  readonly maxRejects: number;
}

function isValidDay(day: string): boolean {
  const d = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === day;
}

export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Lists the batch directories of a raw directory, checking each batch's file names. */
export async function discoverBatches(rawDir: string): Promise<RawBatch[]> {
  let entries;
  try {
    entries = await readdir(rawDir, { withFileTypes: true });
  } catch (err) {
    throw new IngestError(`cannot read raw directory ${rawDir}: ${(err as Error).message}`);
  }
  const batches: RawBatch[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || !BATCH_DIR_PATTERN.test(entry.name)) continue;
    if (!isValidDay(entry.name)) throw new IngestError(`${join(rawDir, entry.name)}: not a calendar date`);
    const dir = resolve(rawDir, entry.name);
    const files: RawBatch['files'][number][] = [];
    for (const name of (await readdir(dir)).sort()) {
      if (name.startsWith('.')) continue;
      const dot = name.indexOf('.');
      const table = dot < 0 ? name : name.slice(0, dot);
      const ext = dot < 0 ? '' : name.slice(dot + 1);
      if (
        !RAW_TABLES.some((t) => t.name === table) ||
        !(RAW_FILE_EXTENSIONS as readonly string[]).includes(ext)
      ) {
        throw new IngestError(
          `${join(dir, name)}: unexpected file; a batch holds <table>.<${RAW_FILE_EXTENSIONS.join('|')}> for tables ${RAW_TABLES.map((t) => t.name).join(', ')}`,
        );
      }
      const other = files.find((f) => f.table === table);
      if (other) throw new IngestError(`${dir}: table ${table} is given twice (${other.path} and ${name})`);
      const path = join(dir, name);
      files.push({ table, path, format: ext as RawFileExtension, size: (await stat(path)).size });
    }
    batches.push({ day: entry.name, dir, files });
  }
  return batches.sort((a, b) => (a.day < b.day ? -1 : 1));
}

function fingerprint(batch: RawBatch): string {
  return JSON.stringify(batch.files.map((f) => ({ file: `${f.table}.${f.format}`, size: f.size })));
}

/** A validated batch waiting to be applied: its rows per table, rejected rows and validation time. */
interface ValidatedBatch {
  readonly batch: RawBatch;
  readonly rows: Record<string, number>;
  readonly rejected: number;
  /** "N s, M s CPU" of its validation. */
  readonly took: string;
}

const rowTotal = (v: ValidatedBatch) => Object.values(v.rows).reduce((s, n) => s + n, 0);

/** The `batches` row recording an applied batch, as a VALUES tuple. */
function batchRow(v: ValidatedBatch): string {
  return `(DATE ${sqlString(v.batch.day)}, now()::TIMESTAMP, ${sqlString(fingerprint(v.batch))}, ${rowTotal(v)}, ${v.rejected})`;
}

/** A batch's progress line once applied; `applied` says how ("applied in N s, M s CPU"). */
function batchLine(v: ValidatedBatch, applied: string): string {
  return `batch ${v.batch.day}: ${rowTotal(v).toLocaleString('en-US')} rows, ${v.rejected} rejected (validated in ${v.took}; ${applied})`;
}

/** Today's date in UTC, YYYY-MM-DD: no crawl day can be later. */
export function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

/**
 * Splits the raw directory's batches into already loaded (checked unchanged) and new ones (checked
 * contiguous, and not dated after `today` unless allowed).
 */
async function planBatches(
  connection: DuckDBConnection,
  batches: RawBatch[],
  future: { today: string; allow: boolean },
) {
  const loaded = new Set(await loadedDays(connection));
  const last = [...loaded].sort().at(-1) ?? null;
  const skipped: string[] = [];
  const fresh: RawBatch[] = [];
  for (const batch of batches) {
    if (last !== null && batch.day <= last) {
      if (!loaded.has(batch.day))
        throw new IngestError(
          `batch ${batch.day} is older than the last loaded batch ${last} but was never loaded; the warehouse only moves forward`,
        );
      const result = await connection.runAndReadAll(
        `SELECT files FROM batches WHERE day = DATE ${sqlString(batch.day)}`,
      );
      if (String(result.getRowsJS()[0]![0]) !== fingerprint(batch))
        throw new IngestError(
          `batch ${batch.day} was already loaded with different files (${String(result.getRowsJS()[0]![0])}); ` +
            `a loaded batch cannot be replaced: restore its files or ingest into a new data directory`,
        );
      skipped.push(batch.day);
      continue;
    }
    // A crawl day after today is a wrong directory name or a wrong clock; loading it would move the
    // warehouse past every real day to come (it only moves forward).
    if (batch.day > future.today && !future.allow)
      throw new IngestError(
        `batch ${batch.day} is dated after today (${future.today} UTC); nothing was loaded. ` +
          `A crawl day cannot be in the future: check the directory name and the crawler's clock`,
      );
    const expected =
      fresh.length > 0 ? addDays(fresh.at(-1)!.day, 1) : last !== null ? addDays(last, 1) : null;
    if (expected !== null && batch.day !== expected)
      throw new IngestError(
        `missing batch ${expected}: the batch after ${fresh.at(-1)?.day ?? last} is ${batch.day}; ` +
          `add the missing day(s) (an empty directory is a valid batch with no rows)`,
      );
    fresh.push(batch);
  }
  return { skipped, fresh, last };
}

async function summarizeRejects(connection: DuckDBConnection): Promise<RejectSummary[]> {
  const result = await connection.runAndReadAll(`
    SELECT reason, count(*) AS n,
      list(file || ':' || line || coalesce(' ' || column_name, '') || ': ' || message ORDER BY batch, tbl, line)[1:${EXAMPLES_PER_REASON}] AS examples
    FROM rejects GROUP BY reason ORDER BY n DESC, reason`);
  return result.getRowsJS().map(([reason, n, examples]) => ({
    reason: String(reason),
    count: Number(n),
    examples: (examples as unknown[]).map(String),
  }));
}

/** Writes DATA_DIR/quarantine/<batch>/<table>.ndjson for every table of the batch with rejected rows. */
async function writeQuarantine(
  connection: DuckDBConnection,
  dataDir: string,
  day: string,
  written: string[],
): Promise<number> {
  const dir = join(dataDir, 'quarantine', day);
  await rm(dir, { recursive: true, force: true });
  const result = await connection.runAndReadAll(
    `SELECT tbl, count(*) FROM rejects WHERE batch = ${sqlString(day)} GROUP BY tbl ORDER BY tbl`,
  );
  let total = 0;
  for (const [tbl, n] of result.getRowsJS()) {
    await mkdir(dir, { recursive: true });
    const path = join(dir, `${String(tbl)}.ndjson`);
    await connection.run(`COPY (
        SELECT file, line, column_name AS "column", reason, message, value, raw FROM rejects
        WHERE batch = ${sqlString(day)} AND tbl = ${sqlString(String(tbl))} ORDER BY line
      ) TO ${sqlString(path)} (FORMAT json)`);
    written.push(path);
    total += Number(n);
  }
  return total;
}

/** Temp table keeping a validated batch's rows of one raw table until the batch is applied. */
const keptTable = (table: RawTable, day: string) => `${stagingTable(table)}_${day.replaceAll('-', '')}`;

/**
 * Loads every new batch of rawDir into the warehouse in two phases. First every batch is validated and
 * staged (temp tables only, the warehouse is not written): when more than maxRejects rows are rejected
 * over the run, the run is refused and nothing is loaded. Then the batches are applied. Several batches
 * onto an empty warehouse (a first ingest) are applied set-wise (applyDays) in one transaction: a failure
 * or an interruption leaves nothing loaded and the next run starts over. Otherwise they are applied in
 * order, one transaction per batch, so DuckDB never holds more than one day's changes uncommitted; a
 * failure or an interruption leaves the warehouse at the last applied batch (recorded in `batches`), and
 * the next run skips the applied batches and resumes with the first one that was not.
 */
export async function loadBatches(
  connection: DuckDBConnection,
  args: {
    rawDir: string;
    dataDir: string;
    maxRejects: number;
    progress: Progress;
    /** Accept batches dated after `today` (default false: such a batch refuses the run). */
    allowFutureBatches?: boolean;
    /** Today in UTC, YYYY-MM-DD (default: the clock's). */
    today?: string;
    /** Influencer-days per statement of a set-wise apply (default DAILY_ROWS_PER_PASS; tests lower it). */
    dailyRowsPerPass?: number;
  },
): Promise<LoadReport> {
  const { dataDir, maxRejects, progress } = args;
  const { skipped, fresh, last } = await planBatches(connection, await discoverBatches(args.rawDir), {
    today: args.today ?? todayUtc(),
    allow: args.allowFutureBatches ?? false,
  });
  const scratchDir = join(dataDir, 'tmp');
  await mkdir(scratchDir, { recursive: true });
  await createRejectsTable(connection);
  const checked: BatchReport[] = [];
  const loaded: BatchReport[] = [];
  const quarantineFiles: string[] = [];
  let rejected = 0;
  const report = async (lastDay: string | null): Promise<LoadReport> => {
    const rowsByTable: Record<string, number> = Object.fromEntries(RAW_TABLES.map((t) => [t.name, 0]));
    for (const b of loaded) for (const [t, n] of Object.entries(b.rows)) rowsByTable[t] = rowsByTable[t]! + n;
    return {
      loaded,
      validated: checked,
      skipped,
      rowsByTable,
      rejected,
      rejects: await summarizeRejects(connection),
      quarantineDir: rejected > 0 ? join(dataDir, 'quarantine') : null,
      quarantineFiles,
      lastDay,
      maxRejects,
    };
  };
  if (fresh.length === 0) return report(last);

  const dropTemps = async () => {
    for (const table of RAW_TABLES) {
      await connection.run(`DROP TABLE IF EXISTS ${stagingTable(table)}`);
      for (const batch of fresh) await connection.run(`DROP TABLE IF EXISTS ${keptTable(table, batch.day)}`);
    }
    await connection.run(
      'DROP TABLE IF EXISTS run_video_owner; DROP TABLE IF EXISTS run_lives; DROP TABLE IF EXISTS staged_video_owner; DROP TABLE IF EXISTS staged_live_seen',
    );
  };
  try {
    for (const ddl of RUN_TABLES_DDL) await connection.run(ddl);
    const validated: ValidatedBatch[] = [];
    for (const [i, batch] of fresh.entries()) {
      progress.update('validate batches', i, fresh.length);
      const validation = stepTimer();
      const { rows, rejected: batchRejected } = await stageBatch(
        connection,
        batch,
        dataDir,
        scratchDir,
        quarantineFiles,
      );
      rejected += batchRejected;
      checked.push({ day: batch.day, rows, rejected: batchRejected });
      if (rejected > maxRejects) {
        throw new RejectLimitError(
          `refused: ${rejected} rows rejected (limit --max-rejects ${maxRejects}) by batch ${batch.day}; ` +
            `nothing was loaded, see ${join(dataDir, 'quarantine')}`,
          await report(last),
        );
      }
      await rememberForRun(connection);
      // Keep the accepted rows (without line and input text) until the batch is applied; dropping columns
      // and renaming do not copy the rows.
      for (const table of RAW_TABLES) {
        const stg = stagingTable(table);
        await connection.run(`ALTER TABLE ${stg} DROP COLUMN raw; ALTER TABLE ${stg} DROP COLUMN ln`);
        await connection.run(`ALTER TABLE ${stg} RENAME TO ${keptTable(table, batch.day)}`);
      }
      validated.push({ batch, rows, rejected: batchRejected, took: validation() });
    }
    progress.update('validate batches', fresh.length, fresh.length);

    const setwise = last === null && validated.length > 1;
    if (setwise) {
      // A first ingest of several days: computed set-wise from all of them, in one transaction.
      progress.update('apply batches', 0, validated.length);
      const apply = stepTimer();
      await connection.run('BEGIN TRANSACTION');
      try {
        await applyDays(
          connection,
          validated.map((v) => v.batch.day),
          keptTable,
          args.dailyRowsPerPass,
        );
        await connection.run(`INSERT INTO batches VALUES ${validated.map(batchRow).join(', ')}`);
        await connection.run('COMMIT');
      } catch (err) {
        await connection.run('ROLLBACK');
        throw err;
      }
      for (const v of validated) {
        loaded.push({ day: v.batch.day, rows: v.rows, rejected: v.rejected });
        progress.log(batchLine(v, 'applied with the run'));
      }
      progress.log(`applied ${validated.length} batches set-wise in ${apply()}`);
    }

    // Later runs (or a single day): one transaction per day, in order.
    const daily = setwise ? [] : validated;
    for (const [i, v] of daily.entries()) {
      progress.update('apply batches', i, daily.length);
      const apply = stepTimer();
      for (const table of RAW_TABLES)
        await connection.run(`ALTER TABLE ${keptTable(table, v.batch.day)} RENAME TO ${stagingTable(table)}`);
      await connection.run('BEGIN TRANSACTION');
      try {
        await applyDay(connection, v.batch.day);
        await connection.run(`INSERT INTO batches VALUES ${batchRow(v)}`);
        await connection.run('COMMIT');
      } catch (err) {
        await connection.run('ROLLBACK');
        throw err;
      }
      for (const table of RAW_TABLES) await connection.run(`DROP TABLE ${stagingTable(table)}`);
      loaded.push({ day: v.batch.day, rows: v.rows, rejected: v.rejected });
      progress.log(batchLine(v, `applied in ${apply()}`));
    }
  } finally {
    await dropTemps();
  }
  progress.update('apply batches', fresh.length, fresh.length);
  return report(fresh.at(-1)!.day);
}

/** Validates one batch into the stg_* temp tables (rejected rows to `rejects` and the quarantine). */
async function stageBatch(
  connection: DuckDBConnection,
  batch: RawBatch,
  dataDir: string,
  scratchDir: string,
  quarantineFiles: string[],
): Promise<{ rows: Record<string, number>; rejected: number }> {
  const rows: Record<string, number> = {};
  for (const table of RAW_TABLES) {
    const file = batch.files.find((f) => f.table === table.name);
    if (!file) {
      await connection.run(
        `CREATE OR REPLACE TEMP TABLE ${stagingTable(table)} (ln BIGINT, ${rawColumnsDdl(table)}, raw VARCHAR)`,
      );
      rows[table.name] = 0;
      continue;
    }
    const staged = await stageRawFile(connection, {
      batch: batch.day,
      table,
      file: file.path,
      format: file.format,
      scratchDir,
    });
    rows[table.name] = staged.rows;
  }
  await findKnownKeys(connection);
  const cross = [
    {
      tableName: 'videos',
      where: CROSS_BATCH_CHECKS.videoOwner,
      column: 'user_id',
      reason: 'owner_changed' as const,
      message: 'video already loaded with another user_id',
    },
    {
      tableName: 'lives',
      where: CROSS_BATCH_CHECKS.liveOnce,
      column: 'live_id',
      reason: 'duplicate_key' as const,
      message: 'live session already loaded from an earlier batch',
    },
  ];
  for (const { tableName, ...check } of cross) {
    const file = batch.files.find((f) => f.table === tableName);
    if (!file) continue;
    const table = RAW_TABLES.find((t) => t.name === tableName)!;
    const crossRejected = await rejectStaged(connection, {
      batch: batch.day,
      table,
      file: file.path,
      ...check,
    });
    rows[tableName] = rows[tableName]! - crossRejected;
  }
  return { rows, rejected: await writeQuarantine(connection, dataDir, batch.day, quarantineFiles) };
}
