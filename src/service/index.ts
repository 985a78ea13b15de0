// The use cases of Kolscope, one file each; what the command line, the tests and the benchmarks call.
// Depends on raw, pipeline, snapshot, index, accounts, api and config; only src/cli (and tests, bench) import it.
export {
  DEFAULT_MAX_REJECTS,
  IngestError,
  ingestToActiveSnapshot,
  RejectLimitError,
  WarehouseError,
  type IngestOptions,
  type IngestReport,
  type LoadReport,
} from './ingest.ts';
export { EXPORT_FORMATS, ExportError, exportRegion, type ExportFormat } from './export.ts';
export { LiveSnapshot } from './live-snapshot.ts';
export { createFirstKey, DEMO_DAYS, DEMO_INFLUENCERS, FIRST_KEY, makeDemoSnapshot } from './first-start.ts';
export { serve, type RunningServer, type ServeOptions } from './server.ts';
export {
  writeSyntheticHistorySnapshot,
  writeSyntheticSnapshot,
  type SyntheticHistoryOptions,
  type SyntheticSnapshotOptions,
} from './synthetic-snapshot.ts';
