// Export: the active snapshot's rows of one region, as the API serves them (same field names, order and JSON
// types) plus the filter-only fields, ordered by user_id as a number, to an NDJSON, CSV or Parquet file.
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { SNAPSHOT_FIELDS, SNAPSHOT_ROWS_FILE } from '../snapshot/schema.ts';
import { activeSnapshot } from '../snapshot/store.ts';

export const EXPORT_FORMATS = ['ndjson', 'csv', 'parquet'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export class ExportError extends Error {}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Writes one region of the active snapshot to `out`; returns the number of rows written. */
export async function exportRegion(args: {
  dataDir: string;
  region: string;
  format: ExportFormat;
  out: string;
}): Promise<{ rows: number; version: string; out: string }> {
  const snapshot = await activeSnapshot(resolve(args.dataDir));
  if (!snapshot)
    throw new ExportError(`no active snapshot in ${resolve(args.dataDir)} (run \`kolscope ingest DIR\`)`);
  const region = args.region.toUpperCase();
  const rows = snapshot.manifest.regions[region];
  if (rows === undefined)
    throw new ExportError(
      `region ${region} is not in snapshot ${snapshot.manifest.version} (regions: ${Object.keys(snapshot.manifest.regions).join(', ')})`,
    );
  const out = resolve(args.out);
  await mkdir(dirname(out), { recursive: true });
  // CSV has no lists: product_category_ids is written ';'-separated, as in the raw CSV format.
  const columns = SNAPSHOT_FIELDS.map((f) =>
    args.format === 'csv' && f.type === 'string_list'
      ? `array_to_string(${f.name}, ';') AS ${f.name}`
      : f.name,
  ).join(', ');
  const copyOptions = { ndjson: 'FORMAT json', csv: 'FORMAT csv, HEADER true', parquet: 'FORMAT parquet' }[
    args.format
  ];
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const connection = await instance.connect();
  try {
    await connection.run(
      `COPY (SELECT ${columns} FROM read_parquet(${quote(join(snapshot.dir, SNAPSHOT_ROWS_FILE))})
             WHERE region = ${quote(region)} ORDER BY CAST(user_id AS HUGEINT))
       TO ${quote(out)} (${copyOptions})`,
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return { rows, version: snapshot.manifest.version, out };
}
