// Builds the serving index of a snapshot from its influencers.parquet: per region, numeric columns as typed
// arrays, a presorted order per sortable/filterable field, dictionary codes, posting lists and the served rows
// pre-serialized as JSON. DuckDB does the sorting and reads the parquet in chunks; no per-row JS objects.
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import {
  SERVED_FIELDS,
  SNAPSHOT_FIELDS,
  SNAPSHOT_INDEX_DIR,
  SNAPSHOT_ROWS_FILE,
  sqlType,
} from '../snapshot/schema.ts';
import { silentProgress, type Progress } from '../progress.ts';
import {
  CODED_FIELDS,
  FLAG_GROUPS,
  INDEX_FORMAT_VERSION,
  INDEX_MANIFEST_FILE,
  NUMERIC_COLUMNS,
  ORDERED_FIELDS,
  codeWidth,
  columnSql,
  regionFiles,
  type CodedField,
  type AttributeLayout,
  type ColumnType,
  type IndexManifest,
  type RegionManifest,
} from './layout.ts';
import { ATTRIBUTE_ORDERS, attributeLayout, writeAttributeFiles } from './attributes.ts';
import { RANK_ORDERS, writeRankFiles } from './ranks.ts';
import { PRODUCT_ORDERS, writeProductFiles } from './products.ts';
import { diskFiles } from './files.ts';
import { LOOKUP_KEYS, lookupFiles, writeLookupFiles } from './lookup.ts';
import { keywordFileList, writeKeywordFiles } from './keyword/write.ts';

export class IndexBuildError extends Error {}

const quote = (s: string): string => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string): string => `"${s.replace(/"/g, '""')}"`;
const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

/** Streams a query's chunks, calling `onChunk` with a column reader per chunk. */
async function eachChunk(
  conn: DuckDBConnection,
  sql: string,
  onChunk: (rowCount: number, column: (i: number) => (row: number) => DuckDBValue) => void,
): Promise<void> {
  const result = await conn.stream(sql);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    onChunk(chunk.rowCount, (i) => {
      const vector = chunk.getColumnVector(i);
      return (row) => vector.getItem(row);
    });
  }
}

async function scalarRows(conn: DuckDBConnection, sql: string): Promise<DuckDBValue[][]> {
  return (await conn.runAndReadAll(sql)).getRows();
}

function fieldType(name: string) {
  if (name === 'has_contact_email') return 'int';
  const field = SNAPSHOT_FIELDS.find((f) => f.name === name);
  if (!field) throw new IndexBuildError(`unknown snapshot field ${name}`);
  return field.type;
}

/** Checks the values the index relies on and decides each numeric column's width. */
async function inspect(conn: DuckDBConnection, source: string): Promise<Record<string, ColumnType>> {
  const checks: string[] = [
    'count(*)',
    'count(DISTINCT user_id)',
    "count(*) FILTER (WHERE NOT regexp_full_match(user_id, '[1-9][0-9]{0,37}|0'))",
  ];
  for (const field of NUMERIC_COLUMNS) {
    const c = columnSql(field);
    if (fieldType(field) === 'number')
      checks.push(`count(*) FILTER (WHERE isnan(${c}) OR isinf(${c}) OR ${c} IS NULL)`);
    else checks.push(`min(${c})::DOUBLE`, `max(${c})::DOUBLE`, `count(*) FILTER (WHERE ${c} IS NULL)`);
  }
  const [row] = await scalarRows(conn, `SELECT ${checks.join(', ')} FROM ${source}`);
  const values = row!.map((v) => (v === null ? null : Number(v)));
  const [rows, distinctIds, badIds] = values;
  if (distinctIds !== rows)
    throw new IndexBuildError(
      `${SNAPSHOT_ROWS_FILE}: user_id is not unique (${rows} rows, ${distinctIds} ids)`,
    );
  if (badIds !== 0)
    throw new IndexBuildError(
      `${SNAPSHOT_ROWS_FILE}: ${badIds} rows have a user_id that is not a decimal number`,
    );
  const columns: Record<string, ColumnType> = {};
  let i = 3;
  for (const field of NUMERIC_COLUMNS) {
    if (fieldType(field) === 'number') {
      const bad = values[i++];
      if (bad !== 0)
        throw new IndexBuildError(`${SNAPSHOT_ROWS_FILE}: ${bad} rows have a NaN, infinite or null ${field}`);
      columns[field] = 'float64';
    } else {
      const min = values[i++];
      const max = values[i++];
      const nulls = values[i++];
      if (nulls !== 0) throw new IndexBuildError(`${SNAPSHOT_ROWS_FILE}: ${nulls} rows have a null ${field}`);
      const fits = min == null || max == null || (min >= INT32_MIN && max <= INT32_MAX);
      const short = min != null && max != null && min >= -0x8000 && max <= 0x7fff;
      columns[field] = short ? 'int16' : fits ? 'int32' : 'float64';
    }
  }
  return columns;
}

async function distinctValues(conn: DuckDBConnection, sql: string): Promise<string[]> {
  return (await scalarRows(conn, sql)).map((r) => String(r[0]));
}

function newColumn(type: ColumnType, rows: number): Int16Array | Int32Array | Float64Array {
  return type === 'int16'
    ? new Int16Array(rows)
    : type === 'int32'
      ? new Int32Array(rows)
      : new Float64Array(rows);
}

function newCodes(dictionarySize: number, rows: number): Uint8Array | Uint16Array | Uint32Array {
  const width = codeWidth(dictionarySize);
  return width === 'uint8'
    ? new Uint8Array(rows)
    : width === 'uint16'
      ? new Uint16Array(rows)
      : new Uint32Array(rows);
}

/** Posting lists from per-row codes (counting sort): rows ascending within each code. */
function postingsFromCodes(
  codes: ArrayLike<number>,
  groups: number,
): { starts: Uint32Array; rows: Uint32Array } {
  const starts = new Uint32Array(groups + 1);
  for (let r = 0; r < codes.length; r++) starts[codes[r]! + 1]!++;
  for (let g = 0; g < groups; g++) starts[g + 1]! += starts[g]!;
  const cursor = starts.slice(0, groups);
  const rows = new Uint32Array(codes.length);
  for (let r = 0; r < codes.length; r++) rows[cursor[codes[r]!]!++] = r;
  return { starts, rows };
}

async function writeArray(path: string, array: ArrayBufferView): Promise<void> {
  await writeFile(path, new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
}

/** The served row as JSON, in SERVED_FIELDS order with the schema's JSON types. */
function servedJsonSql(): string {
  const parts = SERVED_FIELDS.map((f) => `${quote(f.name)}, CAST(${ident(f.name)} AS ${sqlType(f.type)})`);
  return `CAST(json_object(${parts.join(', ')}) AS VARCHAR)`;
}

const NON_ASCII = /[\u0080-\uffff]/g;

/** The same JSON with every non-ASCII character as a \u escape: an ASCII page decodes to a string about eight
 *  times faster than one holding a single emoji (V8's two-byte strings), on every search. */
function asciiJson(text: string): string {
  NON_ASCII.lastIndex = 0;
  if (!NON_ASCII.test(text)) return text;
  return text.replace(NON_ASCII, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

interface BuildContext {
  readonly conn: DuckDBConnection;
  readonly source: string;
  readonly outDir: string;
  readonly columns: Record<string, ColumnType>;
  readonly dictionaries: Record<CodedField, string[]>;
  readonly productCategoryIds: string[];
  readonly productCategoryWords: number;
  readonly attributes: AttributeLayout;
  readonly progress: Progress;
  readonly totalRows: number;
  doneRows: number;
}

async function buildRegion(
  ctx: BuildContext,
  region: string,
  rows: number,
  dir: string,
): Promise<RegionManifest> {
  const { conn, columns, dictionaries } = ctx;
  const out = join(ctx.outDir, dir);
  await mkdir(out, { recursive: true });
  const stage = `index ${region}`;
  const numeric = NUMERIC_COLUMNS.map((f) => `CAST(${columnSql(f)} AS DOUBLE) AS ${ident(f)}`);
  const coded = CODED_FIELDS.map((f) => `lower(CAST(${ident(f)} AS VARCHAR)) AS ${ident(f)}`);
  // rn = position in user_id numeric order, the tie-break of every sort.
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE region_rows AS
     SELECT (row_number() OVER (ORDER BY CAST(user_id AS HUGEINT)) - 1)::UINTEGER AS rn, ${numeric.join(', ')},
            ${coded.join(', ')}, product_category_ids
     FROM ${ctx.source} WHERE region = ${quote(region)}`,
  );

  // Numeric columns and dictionary codes, row order.
  const arrays = NUMERIC_COLUMNS.map((f) => newColumn(columns[f]!, rows));
  const codeMaps = CODED_FIELDS.map((f) => new Map(dictionaries[f].map((v, i) => [v, i])));
  const codes = CODED_FIELDS.map((f) => newCodes(dictionaries[f].length, rows));
  let at = 0;
  await eachChunk(
    conn,
    `SELECT ${[...NUMERIC_COLUMNS, ...CODED_FIELDS].map(ident).join(', ')} FROM region_rows ORDER BY rn`,
    (count, column) => {
      for (let c = 0; c < arrays.length; c++) {
        const get = column(c);
        const target = arrays[c]!;
        for (let r = 0; r < count; r++) target[at + r] = get(r) as number;
      }
      for (let c = 0; c < CODED_FIELDS.length; c++) {
        const get = column(arrays.length + c);
        const map = codeMaps[c]!;
        const target = codes[c]!;
        for (let r = 0; r < count; r++) target[at + r] = map.get(get(r) as string)!;
      }
      at += count;
    },
  );
  if (at !== rows) throw new IndexBuildError(`region ${region}: read ${at} rows, expected ${rows}`);
  for (let c = 0; c < arrays.length; c++)
    await writeArray(join(out, regionFiles.column(NUMERIC_COLUMNS[c]!)), arrays[c]!);
  for (let c = 0; c < CODED_FIELDS.length; c++)
    await writeArray(join(out, regionFiles.codes(CODED_FIELDS[c]!)), codes[c]!);
  ctx.progress.update(stage, 1, 4);

  // Posting lists: category and language codes; sales/showcase flag groups.
  for (const field of ['category', 'language'] as const) {
    const { starts, rows: list } = postingsFromCodes(
      codes[CODED_FIELDS.indexOf(field)]!,
      dictionaries[field].length,
    );
    await writeArray(join(out, regionFiles.postingStarts(field)), starts);
    await writeArray(join(out, regionFiles.postings(field)), list);
  }
  const salesFlag = arrays[NUMERIC_COLUMNS.indexOf('sales_flag')]!;
  const showCase = arrays[NUMERIC_COLUMNS.indexOf('show_case_flag')]!;
  const flagTests: ((r: number) => boolean)[] = [
    (r) => salesFlag[r] === 1 || salesFlag[r] === 3,
    (r) => salesFlag[r] === 2 || salesFlag[r] === 3,
    (r) => salesFlag[r] === 3,
    (r) => showCase[r] === 1,
  ];
  const flagStarts = new Uint32Array(FLAG_GROUPS.length + 1);
  const flagRows: number[] = [];
  flagTests.forEach((test, g) => {
    for (let r = 0; r < rows; r++) if (test(r)) flagRows.push(r);
    flagStarts[g + 1] = flagRows.length;
  });
  await writeArray(join(out, regionFiles.postingStarts('flags')), flagStarts);
  await writeArray(join(out, regionFiles.postings('flags')), Uint32Array.from(flagRows));
  arrays.length = 0; // let the columns go before the sorts
  codes.length = 0;

  // Product categories: a bitmask per row and a posting list per id.
  const words = ctx.productCategoryWords;
  const mask = new Uint32Array(rows * words);
  const pcStarts = new Uint32Array(ctx.productCategoryIds.length + 1);
  const pcRows: number[] = [];
  await eachChunk(
    conn,
    `SELECT DISTINCT u.rn, d.pos FROM (SELECT rn, unnest(product_category_ids) AS id FROM region_rows) u
     JOIN product_category_dictionary d USING (id) ORDER BY d.pos, u.rn`,
    (count, column) => {
      const rn = column(0);
      const pos = column(1);
      for (let r = 0; r < count; r++) {
        const row = rn(r) as number;
        const p = pos(r) as number;
        mask[row * words + (p >>> 5)]! |= 1 << (p & 31);
        pcStarts[p + 1]!++;
        pcRows.push(row);
      }
    },
  );
  for (let p = 0; p < ctx.productCategoryIds.length; p++) pcStarts[p + 1]! += pcStarts[p]!;
  await writeArray(join(out, regionFiles.productCategoryMask), mask);
  await writeArray(join(out, regionFiles.postingStarts('product_category')), pcStarts);
  await writeArray(join(out, regionFiles.postings('product_category')), Uint32Array.from(pcRows));
  ctx.progress.update(stage, 2, 4);

  // One presorted order per field: ascending value, ties by user_id (= rn).
  const order = new Uint32Array(rows);
  for (const field of ORDERED_FIELDS) {
    let n = 0;
    await eachChunk(conn, `SELECT rn FROM region_rows ORDER BY ${ident(field)}, rn`, (count, column) => {
      const rn = column(0);
      for (let r = 0; r < count; r++) order[n++] = rn(r) as number;
    });
    await writeArray(join(out, regionFiles.order(field)), order);
  }
  ctx.progress.update(stage, 3, 4);

  // Served rows, pre-serialized, in row order; offsets[r]..offsets[r+1] is row r.
  const offsets = new Float64Array(rows + 1);
  const fd = openSync(join(out, regionFiles.rowsJson), 'w');
  let bytes = 0;
  let row = 0;
  try {
    const buffer = Buffer.allocUnsafe(8 << 20);
    let used = 0;
    await eachChunk(
      conn,
      `SELECT ${servedJsonSql()} FROM ${ctx.source} WHERE region = ${quote(region)} ORDER BY CAST(user_id AS HUGEINT)`,
      (count, column) => {
        const json = column(0);
        for (let r = 0; r < count; r++) {
          const text = asciiJson(json(r) as string);
          const length = Buffer.byteLength(text);
          if (used + length > buffer.length) {
            writeSync(fd, buffer, 0, used);
            used = 0;
          }
          if (length > buffer.length) writeSync(fd, Buffer.from(text));
          else used += buffer.write(text, used);
          bytes += length;
          offsets[++row] = bytes;
        }
        ctx.doneRows += count;
        ctx.progress.update('index rows', ctx.doneRows, ctx.totalRows);
      },
    );
    if (used > 0) writeSync(fd, buffer, 0, used);
  } finally {
    closeSync(fd);
  }
  if (row !== rows) throw new IndexBuildError(`region ${region}: serialized ${row} rows, expected ${rows}`);
  await writeArray(join(out, regionFiles.rowOffsets), offsets);
  const files = diskFiles(out);
  // Lookup tables of the detail endpoint: user ids and handles, row order.
  const userIds: string[] = [];
  const handles: string[] = [];
  await eachChunk(
    conn,
    `SELECT CAST(user_id AS VARCHAR), CAST(unique_id AS VARCHAR) FROM ${ctx.source} WHERE region = ${quote(region)} ORDER BY CAST(user_id AS HUGEINT)`,
    (count, column) => {
      const id = column(0);
      const handle = column(1);
      for (let r = 0; r < count; r++) {
        userIds.push(String(id(r)));
        handles.push(String(handle(r) ?? ''));
      }
    },
  );
  await writeLookupFiles(files, 'user_id', userIds);
  await writeLookupFiles(files, 'unique_id', handles);
  const genderCounts = await writeAttributeFiles(files, rows, ctx, ctx.attributes);
  await writeRankFiles(files, rows);
  await writeProductFiles(files, rows, ctx.productCategoryWords);
  await writeKeywordFiles(conn, ctx.source, region, out);
  ctx.progress.update(stage, 4, 4);
  return { region, rows, dir, jsonBytes: bytes, genderCounts };
}

function regionFileList(dir: string): string[] {
  const names = [
    ...NUMERIC_COLUMNS.map(regionFiles.column),
    ...ORDERED_FIELDS.map(regionFiles.order),
    ...CODED_FIELDS.map(regionFiles.codes),
    ...(['category', 'language', 'product_category', 'flags'] as const).flatMap((g) => [
      regionFiles.postings(g),
      regionFiles.postingStarts(g),
    ]),
    regionFiles.productCategoryMask,
    regionFiles.rowsJson,
    regionFiles.rowOffsets,
    regionFiles.rowAttributes,
    ...ATTRIBUTE_ORDERS.map(regionFiles.orderAttributes),
    ...RANK_ORDERS.map(regionFiles.ranks),
    regionFiles.rowRanks,
    ...PRODUCT_ORDERS.map(regionFiles.products),
    ...LOOKUP_KEYS.flatMap((k) => [lookupFiles.hashes(k), lookupFiles.rows(k)]),
  ];
  return [...names.map((n) => `${dir}/${n}`), ...keywordFileList(dir)];
}

/**
 * Writes `<snapshotDir>/index/` from `<snapshotDir>/influencers.parquet`. The index is written to a temporary
 * folder and renamed into place, so a failed build leaves no partial index behind.
 */
export async function buildServingIndex(
  snapshotDir: string,
  progress: Progress = silentProgress,
): Promise<void> {
  const parquet = join(snapshotDir, SNAPSHOT_ROWS_FILE);
  const finalDir = join(snapshotDir, SNAPSHOT_INDEX_DIR);
  const outDir = join(snapshotDir, `.${SNAPSHOT_INDEX_DIR}-build-${process.pid}`);
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:', {
    threads: '2',
    temp_directory: join(outDir, '.duckdb-tmp'),
    preserve_insertion_order: 'false',
  });
  const conn = await instance.connect();
  try {
    const source = `read_parquet(${quote(parquet)})`;
    try {
      await conn.run(`SELECT 1 FROM ${source} LIMIT 0`);
    } catch (err) {
      throw new IndexBuildError(`cannot read ${parquet}: ${(err as Error).message}`);
    }
    progress.log(`index: checking ${parquet}`);
    const columns = await inspect(conn, source);
    const regionCounts = (
      await scalarRows(conn, `SELECT region, count(*) FROM ${source} GROUP BY region ORDER BY region`)
    ).map(([region, count]) => ({ region: String(region), rows: Number(count) }));
    const dictionaries = {} as Record<CodedField, string[]>;
    for (const field of CODED_FIELDS)
      dictionaries[field] = await distinctValues(
        conn,
        `SELECT DISTINCT lower(CAST(${ident(field)} AS VARCHAR)) AS v FROM ${source} ORDER BY v`,
      );
    const productCategoryIds = await distinctValues(
      conn,
      `SELECT DISTINCT unnest(product_category_ids) AS id FROM ${source} ORDER BY id`,
    );
    await conn.run(
      `CREATE TEMP TABLE product_category_dictionary AS
       SELECT id, (row_number() OVER (ORDER BY id) - 1)::INTEGER AS pos
       FROM (SELECT DISTINCT unnest(product_category_ids) AS id FROM ${source})`,
    );
    const ctx: BuildContext = {
      conn,
      source,
      outDir,
      columns,
      dictionaries,
      productCategoryIds,
      productCategoryWords: Math.max(1, Math.ceil(productCategoryIds.length / 32)),
      attributes: attributeLayout(
        dictionaries,
        Number(
          (
            await scalarRows(
              conn,
              `SELECT count(*) FROM ${source} WHERE show_case_flag IS DISTINCT FROM 0 AND show_case_flag IS DISTINCT FROM 1`,
            )
          )[0]![0],
        ) === 0,
      ),
      progress,
      totalRows: regionCounts.reduce((s, r) => s + r.rows, 0),
      doneRows: 0,
    };
    const regions: RegionManifest[] = [];
    for (const [i, { region, rows }] of regionCounts.entries()) {
      progress.log(`index: region ${region} (${rows.toLocaleString('en-US')} influencers)`);
      regions.push(await buildRegion(ctx, region, rows, `r${i}`));
    }
    const manifest: IndexManifest = {
      formatVersion: INDEX_FORMAT_VERSION,
      rows: ctx.totalRows,
      columns,
      dictionaries,
      productCategoryIds,
      productCategoryWords: ctx.productCategoryWords,
      regions,
      attributes: ctx.attributes,
      files: regions.flatMap((r) => regionFileList(r.dir)),
    };
    await writeFile(join(outDir, INDEX_MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
  } catch (err) {
    conn.closeSync();
    instance.closeSync();
    await rm(outDir, { recursive: true, force: true });
    throw err;
  }
  conn.closeSync();
  instance.closeSync();
  await rm(join(outDir, '.duckdb-tmp'), { recursive: true, force: true });
  await rm(finalDir, { recursive: true, force: true });
  await rename(outDir, finalDir);
  progress.log(`index: written to ${finalDir}`);
}
