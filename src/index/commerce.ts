// Format 6's commerce sorts and filters (total_sale_gmv_30d_amt, total_followers_7d_cnt, ec_score,
// total_sale_gmv_amt, has_contact_email): a format-5 index lacks their columns and orders. They are derived in
// memory from the snapshot's influencers.parquet (DuckDB sorts), never written into the snapshot folder; the
// rows.json items of such an index lack the figures format 6 serves, which hydration adds from the columns;
// the detail endpoint's lookup tables (lookup.ts) are derived too.
import { dirname, join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { SNAPSHOT_FIELDS, SNAPSHOT_ROWS_FILE } from '../snapshot/schema.ts';
import { derivedFiles } from './files.ts';
import { NUMERIC_COLUMNS, ORDERED_FIELDS, columnSql, regionFiles, type IndexManifest } from './layout.ts';
import { writeRankFiles } from './ranks.ts';
import { LOOKUP_KEYS, lookupFiles, writeLookupFiles } from './lookup.ts';

const quote = (s: string): string => `'${s.replace(/'/g, "''")}'`;
const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

/** Reads a query's single numeric column into `into`, chunk by chunk. */
async function readColumn(
  conn: DuckDBConnection,
  sql: string,
  into: Int32Array | Float64Array | Uint32Array,
): Promise<number> {
  const result = await conn.stream(sql);
  let n = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const vector = chunk.getColumnVector(0);
    for (let r = 0; r < chunk.rowCount; r++) into[n++] = Number(vector.getItem(r));
  }
  return n;
}

/** Upgrades a format-5 index to format 6 in memory: the new columns, their orders, and the row-order rank
 *  buckets of every filtered field, into `derived`. */
export async function upgradeFormat5(
  indexDir: string,
  manifest: IndexManifest,
  derived: Map<string, Uint8Array>,
): Promise<IndexManifest> {
  const added = NUMERIC_COLUMNS.filter((f) => manifest.columns[f] === undefined);
  const addedOrders = ORDERED_FIELDS.filter(
    (f) => !manifest.files.some((file) => file.endsWith(`/${regionFiles.order(f)}`)),
  );
  const source = `read_parquet(${quote(join(dirname(indexDir), SNAPSHOT_ROWS_FILE))})`;
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await instance.connect();
  const files = [...manifest.files];
  const columns = { ...manifest.columns };
  try {
    // Widths as the build decides them: Int32 when every value fits.
    if (added.length > 0) {
      const stats = added.map((f) => `min(${columnSql(f)})::DOUBLE, max(${columnSql(f)})::DOUBLE`);
      const row = (await conn.runAndReadAll(`SELECT ${stats.join(', ')} FROM ${source}`)).getRows()[0]!;
      added.forEach((f, k) => {
        const min = Number(row[2 * k]);
        const max = Number(row[2 * k + 1]);
        const number = SNAPSHOT_FIELDS.find((s) => s.name === f)?.type === 'number';
        columns[f] = !number && min >= INT32_MIN && max <= INT32_MAX ? 'int32' : 'float64';
      });
    }
    for (const r of manifest.regions) {
      const out = derivedFiles(indexDir, r.dir, derived);
      await conn.run(
        `CREATE OR REPLACE TEMP TABLE region_rows AS
         SELECT (row_number() OVER (ORDER BY CAST(user_id AS HUGEINT)) - 1)::UINTEGER AS rn,
                ${added.map((f) => `CAST(${columnSql(f)} AS DOUBLE) AS "${f}"`).join(', ') || '0 AS none'}
         FROM ${source} WHERE region = ${quote(r.region)}`,
      );
      for (const f of added) {
        const column = columns[f] === 'int32' ? new Int32Array(r.rows) : new Float64Array(r.rows);
        const n = await readColumn(conn, `SELECT "${f}" FROM region_rows ORDER BY rn`, column);
        if (n !== r.rows) throw new Error(`region ${r.region}: ${n} rows in the snapshot, ${r.rows} indexed`);
        await out.write(regionFiles.column(f), column);
        files.push(`${r.dir}/${regionFiles.column(f)}`);
      }
      const order = new Uint32Array(r.rows);
      for (const f of addedOrders) {
        await readColumn(conn, `SELECT rn FROM region_rows ORDER BY "${f}", rn`, order);
        await out.write(regionFiles.order(f), order);
        files.push(`${r.dir}/${regionFiles.order(f)}`);
      }
      await writeRankFiles(out, r.rows, true);
      if (!manifest.files.includes(`${r.dir}/${lookupFiles.hashes('user_id')}`)) {
        const reader = await conn.runAndReadAll(
          `SELECT CAST(user_id AS VARCHAR), CAST(unique_id AS VARCHAR) FROM ${source}
           WHERE region = ${quote(r.region)} ORDER BY CAST(user_id AS HUGEINT)`,
        );
        const rows = reader.getRows();
        for (const [k, key] of LOOKUP_KEYS.entries()) {
          await writeLookupFiles(
            out,
            key,
            rows.map((row) => String(row[k] ?? '')),
          );
          files.push(`${r.dir}/${lookupFiles.hashes(key)}`, `${r.dir}/${lookupFiles.rows(key)}`);
        }
      }
    }
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  return { ...manifest, formatVersion: 6, columns, files, rowsWithoutFigures: true };
}
