// Ingest to an active snapshot: load new raw batches into the warehouse, compute the snapshot for the as-of
// date, build its serving index and activate it. A failure at any step leaves the active snapshot as it was.
import { resolve } from 'node:path';
import { historyDays } from '../config.ts';
import { buildServingIndex } from '../index/build.ts';
import { extendable, writeHistory } from '../pipeline/history.ts';
import { DEFAULT_MAX_REJECTS, IngestError, loadBatches, type LoadReport } from '../pipeline/load.ts';
import { writeSnapshotRows } from '../pipeline/metrics.ts';
import { loadedDays, openWarehouse } from '../pipeline/warehouse.ts';
import { stepTimer, type Progress } from '../progress.ts';
import { SNAPSHOT_ROWS_FILE } from '../snapshot/schema.ts';
import { activateSnapshot, activeSnapshot, beginSnapshot, type SnapshotInfo } from '../snapshot/store.ts';

// What a caller of this use case handles: the refusals an operator can fix, and the default reject limit.
export { DEFAULT_MAX_REJECTS, IngestError, RejectLimitError, type LoadReport } from '../pipeline/load.ts';
export { WarehouseError } from '../pipeline/warehouse.ts';

export interface IngestOptions {
  readonly rawDir: string;
  readonly dataDir: string;
  /** Snapshot date, YYYY-MM-DD (default: the last loaded batch). */
  readonly asOf?: string;
  /** Rejected rows tolerated over the run before it is refused (default DEFAULT_MAX_REJECTS). */
  readonly maxRejects?: number;
  /** Accept batches dated after today (UTC); by default such a batch refuses the run. */
  readonly allowFutureBatches?: boolean;
  /** Days of daily history kept in the snapshot, ending on the as-of date (default: HISTORY_DAYS, else 365). */
  readonly historyDays?: number;
}

export interface IngestReport {
  readonly load: LoadReport;
  /** The snapshot made active by this run, or null when the active one was already up to date. */
  readonly snapshot: SnapshotInfo | null;
  readonly elapsedMs: number;
}

/**
 * Loads the new batches of rawDir and activates a snapshot for the as-of date. A snapshot is built when
 * batches were loaded, when asOf is given, or when the active snapshot is not of the last loaded day.
 * Throws IngestError (RejectLimitError with its report) or WarehouseError for what the operator can fix.
 */
export async function ingestToActiveSnapshot(
  options: IngestOptions,
  progress: Progress,
): Promise<IngestReport> {
  const started = Date.now();
  const dataDir = resolve(options.dataDir);
  const warehouse = await openWarehouse(dataDir);
  try {
    const loadStep = stepTimer();
    const load = await loadBatches(warehouse.connection, {
      rawDir: resolve(options.rawDir),
      dataDir,
      maxRejects: options.maxRejects ?? DEFAULT_MAX_REJECTS,
      progress,
      allowFutureBatches: options.allowFutureBatches ?? false,
    });
    if (load.loaded.length > 0) progress.log(`loaded ${load.loaded.length} batches (${loadStep()})`);
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
      const step = stepTimer();
      const { rows, regions } = await writeSnapshotRows(warehouse.connection, {
        asOf,
        source,
        parquetPath: `${draft.dir}/${SNAPSHOT_ROWS_FILE}`,
      });
      const retained = options.historyDays ?? historyDays();
      progress.log(
        `snapshot rows: ${rows.toLocaleString('en-US')} (${step()}); writing ${retained} days of daily history and the serving index`,
      );
      // The active snapshot's history of the day before (written by an ingest from this warehouse) is
      // extended by one day rather than rebuilt.
      const previous =
        active?.manifest.source?.history !== undefined && extendable(active.dir, asOf, retained)
          ? { snapshotDir: active.dir, rowsPath: `${active.dir}/${SNAPSHOT_ROWS_FILE}` }
          : undefined;
      // Both read only the rows file: the history (the warehouse's DuckDB) and the index (its own) overlap.
      const sideBySide = stepTimer();
      // Both are awaited before a failure of either is thrown (the draft is then removed).
      const [historyDone, indexDone] = await Promise.allSettled([
        writeHistory(warehouse.connection, {
          asOf,
          days: retained,
          rowsPath: `${draft.dir}/${SNAPSHOT_ROWS_FILE}`,
          snapshotDir: draft.dir,
          ...(previous && { previous }),
        }).then((meta) => {
          progress.log(
            `daily history: ${meta.records.toLocaleString('en-US')} crawled influencer-days (${sideBySide()})`,
          );
          return meta;
        }),
        buildServingIndex(draft.dir, progress).then(() =>
          progress.log(`serving index built (${sideBySide()})`),
        ),
      ]);
      if (historyDone.status === 'rejected') throw historyDone.reason;
      if (indexDone.status === 'rejected') throw indexDone.reason;
      const history = historyDone.value;
      const info = await draft.commit({
        rows,
        regions,
        source: {
          rawDir: resolve(options.rawDir),
          loadedDays: { first: days[0], last: lastDay, count: days.length },
          batchesLoadedNow: load.loaded.map((b) => b.day),
          rowsRejectedNow: load.rejected,
          metrics: source,
          history: {
            firstDay: history.firstDay,
            lastDay: history.lastDay,
            records: history.records,
            extended: previous !== undefined,
          },
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
