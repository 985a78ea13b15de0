// Validation of one raw file into a typed staging table. Every input row ends up either in the staging
// table or in the `rejects` temp table with its file, line, column and reason: nothing is dropped.
//
// NDJSON and CSV go through the same SQL: each row becomes one JSON object with its line number
// (NDJSON: the line itself, split by DuckDB with exact line numbers; CSV: converted in csv.ts). Values are
// then checked with json_type / TRY_CAST. Parquet with the documented physical types is checked on its
// typed values in one pass (line = row number); other parquet is read as text and checked like CSV.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { RAW_PARQUET_TYPES, type RawColumn, type RawFileExtension, type RawTable } from '../raw/format.ts';
import { csvToJsonLines } from './csv.ts';
import { MONEY_LIMIT, MONEY_SQL_TYPE, rawSqlType } from './warehouse.ts';

/** Why a row was rejected (stable codes, documented in docs/metrics.md). */
export const REJECT_REASONS = [
  'malformed_line',
  'missing_value',
  'wrong_type',
  'invalid_id',
  'negative_value',
  'not_in_enumeration',
  'duplicate_key',
  'owner_changed',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;

const ID_PATTERN = `'[1-9][0-9]{0,19}'`;
const SEP = '\u001f';

/** Rejected rows of the running ingest, written to the quarantine after each batch. */
export async function createRejectsTable(connection: DuckDBConnection): Promise<void> {
  await connection.run(
    `CREATE OR REPLACE TEMP TABLE rejects (batch VARCHAR, tbl VARCHAR, file VARCHAR, line BIGINT, column_name VARCHAR, reason VARCHAR, message VARCHAR, value VARCHAR, raw VARCHAR)`,
  );
}

/** Name of the staging table of a raw table (temp, one batch at a time). */
export function stagingTable(table: RawTable): string {
  return `stg_${table.name}`;
}

/** json: NDJSON/CSV values; text: values as text; typed: parquet values of the documented types. */
type Mode = 'json' | 'text' | 'typed';

const valueColumn = (c: RawColumn) => `v_${c.name}`;
const typeColumn = (c: RawColumn) => `t_${c.name}`;
const listColumn = (c: RawColumn) => `j_${c.name}`;

/**
 * Fills the temp table `lines`: one row per input row with ln, raw (input text for the quarantine, may be
 * null), malformed (why the row could not be read) and per column v_<col> (value as text, null when absent),
 * t_<col> (JSON type; json mode) and j_<col> (JSON of an id_list; json mode). Each JSON row is parsed once
 * (json_extract with a list of paths), not once per check.
 */
async function loadLines(
  connection: DuckDBConnection,
  table: RawTable,
  file: string,
  format: RawFileExtension,
  scratchDir: string,
): Promise<Mode> {
  const target = 'CREATE OR REPLACE TEMP TABLE lines AS';
  const paths = `[${table.columns.map((c) => sqlString(`$.${c.name}`)).join(', ')}]`;
  const fromVals = table.columns
    .map((c, i) => {
      const v = `vals[${i + 1}]`;
      const cols = [`json_type(${v}) AS ${typeColumn(c)}`, `${v}->>'$' AS ${valueColumn(c)}`];
      if (c.type === 'id_list') cols.push(`${v} AS ${listColumn(c)}`);
      return cols.join(', ');
    })
    .join(',\n      ');
  // obj: the row's JSON object text (null when malformed); the object is parsed once for all columns.
  const extract = (rows: string) => `${target}
    SELECT ln, raw, malformed, ${fromVals}
    FROM (
      SELECT ln, raw, malformed, CASE WHEN malformed IS NULL THEN json_extract(obj, ${paths}) END AS vals
      FROM (${rows})
    )`;
  if (format === 'ndjson') {
    await connection.run(
      extract(`
        SELECT ln, line AS raw, CASE WHEN ok THEN line END AS obj,
               CASE WHEN NOT ok THEN 'not valid JSON' WHEN json_type(line) <> 'OBJECT' THEN 'not a JSON object' END AS malformed
        FROM (
          SELECT ln, line, json_valid(line) AS ok FROM (
            SELECT rtrim(unnest(s), chr(13)) AS line, generate_subscripts(s, 1) AS ln
            FROM (SELECT string_split(content, chr(10)) AS s FROM read_text(${sqlString(file)}))
          ) WHERE trim(line) <> ''
        )`),
    );
    return 'json';
  }
  if (format === 'csv') {
    const converted = join(scratchDir, `csv-${process.pid}-${Date.now()}.jsonl`);
    try {
      await csvToJsonLines(file, converted);
      await connection.run(
        extract(`
          SELECT CAST(l->>'$[0]' AS BIGINT) AS ln,
                 coalesce(l->>'$[2]', CAST(l->'$[1]' AS VARCHAR)) AS raw,
                 CAST(l->'$[1]' AS VARCHAR) AS obj, l->>'$[3]' AS malformed
          FROM (SELECT unnest(string_split(content, chr(10))) AS l FROM read_text(${sqlString(converted)}))
          WHERE l <> ''`),
      );
    } finally {
      await rm(converted, { force: true });
    }
    return 'text';
  }
  // Parquet of other physical types: values are read as text and checked like CSV; absent columns are null.
  const fileColumns = await parquetColumns(connection, file);
  const values = table.columns.map((c) => {
    const type = fileColumns.get(c.name);
    const ident = `"${c.name.replace(/"/g, '""')}"`;
    let v = `CAST(${ident} AS VARCHAR)`;
    if (type === undefined) v = 'NULL::VARCHAR';
    else if (type.endsWith('[]')) v = `array_to_string(${ident}, ';')`;
    return `${v} AS ${valueColumn(c)}`;
  });
  await connection.run(`${target}
    SELECT file_row_number + 1 AS ln, NULL::VARCHAR AS raw, NULL::VARCHAR AS malformed, ${values.join(', ')}
    FROM read_parquet(${sqlString(file)}, file_row_number = true)`);
  return 'text';
}

/** Column name → DuckDB type of a parquet file. */
async function parquetColumns(connection: DuckDBConnection, file: string): Promise<Map<string, string>> {
  const described = await connection.runAndReadAll(
    `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(${sqlString(file)}))`,
  );
  return new Map(described.getRowsJS().map(([n, t]) => [String(n), String(t)]));
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

interface Check {
  readonly when: string;
  readonly reason: RejectReason;
  readonly message: string;
}

const INTEGER_TYPES = `('BIGINT', 'UBIGINT')`;
const NUMBER_TYPES = `('BIGINT', 'UBIGINT', 'DOUBLE')`;

function timestampText(v: string): string {
  return `TRY_CAST(regexp_replace(${v}, '(Z|[+]00(:?00)?)$', '') AS TIMESTAMP)`;
}
const TIMESTAMP_PATTERN = `'[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,9})?(Z|[+]00(:?00)?)?'`;

function moneyValue(v: string): string {
  return `coalesce(TRY_CAST(${v} AS ${MONEY_SQL_TYPE}), TRY_CAST(TRY_CAST(${v} AS DOUBLE) AS ${MONEY_SQL_TYPE}))`;
}

/** The list of ids of an id_list column, as text. */
function idListText(c: RawColumn, mode: Mode): string {
  const v = valueColumn(c);
  return mode === 'json'
    ? `CAST(${listColumn(c)} AS VARCHAR[])`
    : `CASE WHEN ${v} = '' THEN []::VARCHAR[] ELSE string_split(${v}, ';') END`;
}

const enumChecks = (c: RawColumn, v: string): Check[] =>
  c.values
    ? [
        {
          when: `${v} NOT IN (${c.values.map((x) => (typeof x === 'number' ? String(x) : sqlString(x))).join(', ')})`,
          reason: 'not_in_enumeration',
          message: `expected one of ${c.values.map((x) => JSON.stringify(x)).join(', ')}`,
        },
      ]
    : [];

/** Checks of a typed parquet column (its type is the documented one, so only values are checked). */
function typedChecks(c: RawColumn): Check[] {
  const v = valueColumn(c);
  switch (c.type) {
    case 'id':
      return [
        {
          when: `NOT regexp_full_match(${v}, ${ID_PATTERN})`,
          reason: 'invalid_id',
          message: 'id must be 1-20 decimal digits without a leading zero',
        },
      ];
    case 'string':
      return enumChecks(c, v);
    case 'count':
      return [
        { when: `${v} < 0`, reason: 'negative_value', message: 'counter must not be negative' },
        ...enumChecks(c, v),
      ];
    case 'int':
      return enumChecks(c, v);
    case 'money':
      return [
        {
          // Amounts MONEY_SQL_TYPE holds after rounding (NaN and infinities are not finite).
          when: `NOT (isfinite(${v}) AND abs(${v}) < ${MONEY_LIMIT})`,
          reason: 'wrong_type',
          message: 'expected a decimal amount (USD)',
        },
        { when: `${v} < 0`, reason: 'negative_value', message: 'amount must not be negative' },
      ];
    case 'timestamp':
      return [
        {
          when: `NOT isfinite(${v})`,
          reason: 'wrong_type',
          message: 'expected an ISO-8601 UTC timestamp like 2026-11-20T08:15:00Z',
        },
      ];
    case 'id_list':
      return [
        {
          when: `NOT list_bool_and(list_transform(${v}, x -> coalesce(regexp_full_match(x, ${ID_PATTERN}), false)))`,
          reason: 'invalid_id',
          message: 'every id in the list must be 1-20 decimal digits without a leading zero',
        },
      ];
  }
}

/** The value of a typed parquet column as stored (money goes through its text, as in the other formats). */
function typedValueOf(c: RawColumn): string {
  const v = valueColumn(c);
  switch (c.type) {
    case 'id':
      return `CAST(${v} AS HUGEINT)`;
    case 'money':
      return moneyValue(`CAST(${v} AS VARCHAR)`);
    case 'id_list':
      return `list_transform(${v}, x -> CAST(x AS HUGEINT))`;
    default:
      return v;
  }
}

/** A typed parquet value as the text the quarantine shows (lists ';'-separated, like CSV). */
function typedText(c: RawColumn): string {
  const v = valueColumn(c);
  return c.type === 'id_list' ? `array_to_string(${v}, ';')` : `CAST(${v} AS VARCHAR)`;
}

/** Checks of one column, in order; the first that holds rejects the row. */
function columnChecks(c: RawColumn, mode: Mode): { absent: string; checks: Check[] } {
  const t = typeColumn(c);
  const v = valueColumn(c);
  if (mode === 'typed') return { absent: `(${v} IS NULL)`, checks: typedChecks(c) };
  const text = mode === 'text';
  // In CSV an empty field is "no value", except for text columns where '' is a value.
  const absent = text
    ? c.type !== 'string' && c.type !== 'id_list'
      ? `(${v} IS NULL OR ${v} = '')`
      : `(${v} IS NULL)`
    : `(${t} IS NULL OR ${t} = 'NULL')`;
  const checks: Check[] = [];
  const enumList = (c.values ?? []).map((x) => (typeof x === 'number' ? String(x) : sqlString(x))).join(', ');
  const enumMessage = `expected one of ${(c.values ?? []).map((x) => JSON.stringify(x)).join(', ')}`;
  switch (c.type) {
    case 'id':
      if (!text)
        checks.push({ when: `${t} <> 'VARCHAR'`, reason: 'invalid_id', message: 'id must be a string' });
      checks.push({
        when: `NOT regexp_full_match(${v}, ${ID_PATTERN})`,
        reason: 'invalid_id',
        message: 'id must be 1-20 decimal digits without a leading zero',
      });
      break;
    case 'string':
      if (!text)
        checks.push({ when: `${t} <> 'VARCHAR'`, reason: 'wrong_type', message: 'expected a string' });
      if (c.values)
        checks.push({
          when: `${v} NOT IN (${enumList})`,
          reason: 'not_in_enumeration',
          message: enumMessage,
        });
      break;
    case 'count':
    case 'int': {
      const isInt = text
        ? `regexp_full_match(trim(${v}), '[-+]?[0-9]{1,19}') AND TRY_CAST(trim(${v}) AS BIGINT) IS NOT NULL`
        : `${t} IN ${INTEGER_TYPES} AND TRY_CAST(${v} AS BIGINT) IS NOT NULL`;
      checks.push({ when: `NOT (${isInt})`, reason: 'wrong_type', message: 'expected an integer' });
      if (c.type === 'count')
        checks.push({
          when: `TRY_CAST(trim(${v}) AS BIGINT) < 0`,
          reason: 'negative_value',
          message: 'counter must not be negative',
        });
      if (c.values)
        checks.push({
          when: `TRY_CAST(trim(${v}) AS BIGINT) NOT IN (${enumList})`,
          reason: 'not_in_enumeration',
          message: enumMessage,
        });
      break;
    }
    case 'money': {
      const isNumber = text
        ? `regexp_full_match(trim(${v}), '[-+]?[0-9]+([.][0-9]+)?') AND ${moneyValue(`trim(${v})`)} IS NOT NULL`
        : `${t} IN ${NUMBER_TYPES} AND ${moneyValue(v)} IS NOT NULL`;
      checks.push({
        when: `NOT (${isNumber})`,
        reason: 'wrong_type',
        message: 'expected a decimal amount (USD)',
      });
      checks.push({
        when: `${moneyValue(`trim(${v})`)} < 0`,
        reason: 'negative_value',
        message: 'amount must not be negative',
      });
      break;
    }
    case 'timestamp':
      if (!text)
        checks.push({ when: `${t} <> 'VARCHAR'`, reason: 'wrong_type', message: 'expected a string' });
      checks.push({
        when: `NOT regexp_full_match(trim(${v}), ${TIMESTAMP_PATTERN}) OR ${timestampText(`trim(${v})`)} IS NULL`,
        reason: 'wrong_type',
        message: 'expected an ISO-8601 UTC timestamp like 2026-11-20T08:15:00Z',
      });
      break;
    case 'id_list':
      if (!text) {
        checks.push({
          when: `${t} <> 'ARRAY'`,
          reason: 'wrong_type',
          message: 'expected a JSON array of id strings',
        });
        checks.push({
          when: `len(list_filter(json_type(${listColumn(c)}, '$[*]'), x -> x <> 'VARCHAR')) > 0`,
          reason: 'invalid_id',
          message: 'every id in the list must be a string',
        });
      }
      checks.push({
        when: `len(list_filter(${idListText(c, mode)}, x -> NOT regexp_full_match(x, ${ID_PATTERN}))) > 0`,
        reason: 'invalid_id',
        message: `every id in the list must be 1-20 decimal digits without a leading zero${text ? " (';'-separated)" : ''}`,
      });
      break;
  }
  return { absent, checks };
}

/** The typed value of a column of a row that passed its checks. */
function typedValue(c: RawColumn, mode: Mode): string {
  const v = valueColumn(c);
  const { absent } = columnChecks(c, mode);
  let value: string;
  switch (mode === 'typed' ? 'typed' : c.type) {
    case 'typed':
      value = typedValueOf(c);
      break;
    case 'id':
      value = `CAST(${v} AS HUGEINT)`;
      break;
    case 'string':
      value = v;
      break;
    case 'count':
    case 'int':
      value = `CAST(trim(${v}) AS BIGINT)`;
      break;
    case 'money':
      value = moneyValue(`trim(${v})`);
      break;
    case 'timestamp':
      value = timestampText(`trim(${v})`);
      break;
    case 'id_list':
      value = `list_transform(${idListText(c, mode)}, x -> CAST(x AS HUGEINT))`;
      break;
  }
  const empty = c.type === 'id_list' ? '[]::HUGEINT[]' : 'NULL';
  return `CAST(CASE WHEN ${absent} THEN ${empty} ELSE ${value} END AS ${rawSqlType(c.type)})`;
}

/** The reject expression: NULL for a valid row, else 'column<US>reason<US>message'. */
function rejectExpression(table: RawTable, mode: Mode): string {
  // Typed parquet rows are never malformed: the file was read.
  const branches: string[] =
    mode === 'typed'
      ? []
      : [`WHEN malformed IS NOT NULL THEN ${sqlString(`${SEP}malformed_line${SEP}`)} || malformed`];
  for (const c of table.columns) {
    const { absent, checks } = columnChecks(c, mode);
    const tag = (reason: string, message: string) => sqlString(`${c.name}${SEP}${reason}${SEP}${message}`);
    if (!c.nullable)
      branches.push(`WHEN ${absent} THEN ${tag('missing_value', 'required value is missing')}`);
    for (const check of checks) {
      const guard = c.nullable ? `NOT ${absent} AND ` : '';
      branches.push(`WHEN ${guard}(${check.when}) THEN ${tag(check.reason, check.message)}`);
    }
  }
  return `CASE ${branches.join('\n    ')} END`;
}

export interface StageResult {
  readonly rows: number;
  readonly rejected: number;
}

/**
 * Validates one raw file into the temp table stg_<table> (typed, with its line `ln` and input text `raw`),
 * appending rejected rows to `rejects`. A key repeated within the batch is kept at its first occurrence
 * and rejected after it.
 */
export async function stageRawFile(
  connection: DuckDBConnection,
  args: { batch: string; table: RawTable; file: string; format: RawFileExtension; scratchDir: string },
): Promise<StageResult> {
  const { batch, table, file, format } = args;
  if (format === 'parquet') {
    const fileColumns = await parquetColumns(connection, file);
    const native = table.columns.every((c) => {
      const type = fileColumns.get(c.name);
      return type === undefined || type === RAW_PARQUET_TYPES[c.type];
    });
    if (native) {
      await stageTypedParquet(connection, { batch, table, file, fileColumns });
      return finishStaging(connection, batch, table, file);
    }
  }
  const mode = await loadLines(connection, table, file, format, args.scratchDir);
  const stg = stagingTable(table);
  await connection.run(
    `CREATE OR REPLACE TEMP TABLE checked AS SELECT *, ${rejectExpression(table, mode)} AS err FROM lines`,
  );
  await connection.run('DROP TABLE lines');
  const meta = `${sqlString(batch)}, ${sqlString(table.name)}, ${sqlString(file)}`;
  const errColumn = `split_part(err, '${SEP}', 1)`;
  const offending = `CASE ${errColumn} ${table.columns.map((c) => `WHEN ${sqlString(c.name)} THEN ${valueColumn(c)}`).join(' ')} END`;
  // Parquet rows have no input text: the quarantine shows their values as read.
  const rowText = `json_object(${table.columns.map((c) => `${sqlString(c.name)}, ${valueColumn(c)}`).join(', ')})`;
  await connection.run(`INSERT INTO rejects
    SELECT ${meta}, ln, nullif(${errColumn}, ''), split_part(err, '${SEP}', 2), split_part(err, '${SEP}', 3),
           ${offending}, coalesce(raw, CAST(${rowText} AS VARCHAR))
    FROM checked WHERE err IS NOT NULL`);
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${stg} AS
    SELECT ln, ${table.columns.map((c) => `${typedValue(c, mode)} AS ${c.name}`).join(', ')}, raw
    FROM checked WHERE err IS NULL`);
  await connection.run('DROP TABLE checked');
  return finishStaging(connection, batch, table, file);
}

/**
 * Parquet whose columns have the documented types: one pass reads, checks and converts every row into
 * stg_<table> (no text round trip); the few rejected rows are read again for the quarantine.
 */
async function stageTypedParquet(
  connection: DuckDBConnection,
  args: { batch: string; table: RawTable; file: string; fileColumns: Map<string, string> },
): Promise<void> {
  const { batch, table, file } = args;
  const stg = stagingTable(table);
  const values = table.columns
    .map((c) => {
      const source = args.fileColumns.has(c.name) ? quoteIdent(c.name) : `NULL::${RAW_PARQUET_TYPES[c.type]}`;
      return `${source} AS ${valueColumn(c)}`;
    })
    .join(', ');
  const rows = `SELECT file_row_number + 1 AS ln, ${values} FROM read_parquet(${sqlString(file)}, file_row_number = true)`;
  // Values of rejected rows are not converted (a cast could fail on them).
  const typed = table.columns.map(
    (c) => `CASE WHEN err IS NULL THEN ${typedValue(c, 'typed')} END AS ${c.name}`,
  );
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${stg} AS
    SELECT ln, ${typed.join(', ')}, NULL::VARCHAR AS raw, err
    FROM (SELECT *, ${rejectExpression(table, 'typed')} AS err FROM (${rows}))`);
  const bad = await connection.runAndReadAll(`SELECT count(*) FROM ${stg} WHERE err IS NOT NULL`);
  if (Number(bad.getRowsJS()[0]![0]) > 0) {
    const meta = `${sqlString(batch)}, ${sqlString(table.name)}, ${sqlString(file)}`;
    const errColumn = `split_part(err, '${SEP}', 1)`;
    const offending = `CASE ${errColumn} ${table.columns.map((c) => `WHEN ${sqlString(c.name)} THEN ${typedText(c)}`).join(' ')} END`;
    const rowText = `json_object(${table.columns.map((c) => `${sqlString(c.name)}, ${typedText(c)}`).join(', ')})`;
    await connection.run(`INSERT INTO rejects
      SELECT ${meta}, ln, nullif(${errColumn}, ''), split_part(err, '${SEP}', 2), split_part(err, '${SEP}', 3),
             ${offending}, CAST(${rowText} AS VARCHAR)
      FROM (SELECT ln, err FROM ${stg} WHERE err IS NOT NULL) JOIN (${rows}) USING (ln)`);
    await connection.run(`DELETE FROM ${stg} WHERE err IS NOT NULL`);
  }
  await connection.run(`ALTER TABLE ${stg} DROP COLUMN err`);
}

/** Rejects the repeated keys of a staged table, then counts its rows and the file's rejects. */
async function finishStaging(
  connection: DuckDBConnection,
  batch: string,
  table: RawTable,
  file: string,
): Promise<StageResult> {
  const stg = stagingTable(table);
  const meta = `${sqlString(batch)}, ${sqlString(table.name)}, ${sqlString(file)}`;
  // A key seen twice in one batch: the first occurrence is kept, later ones are rejected. Checked first
  // with a grouping (cheap), the window only runs when a key is repeated.
  const key = table.key.join(', ');
  const repeated = await connection.runAndReadAll(
    `SELECT count(*) FROM (SELECT 1 FROM ${stg} GROUP BY ${key} HAVING count(*) > 1)`,
  );
  if (Number(repeated.getRowsJS()[0]![0]) > 0) {
    await connection.run(`CREATE OR REPLACE TEMP TABLE dups AS
      SELECT * FROM (SELECT *, min(ln) OVER (PARTITION BY ${key}) AS first_ln FROM ${stg} s) WHERE ln <> first_ln`);
    await connection.run(`INSERT INTO rejects
      SELECT ${meta}, ln, ${sqlString(table.key.join(','))}, 'duplicate_key',
             'key (' || ${sqlString(table.key.join(', '))} || ') already on line ' || first_ln, NULL,
             coalesce(raw, CAST(to_json(d) AS VARCHAR))
      FROM dups d`);
    await connection.run(`DELETE FROM ${stg} WHERE ln IN (SELECT ln FROM dups)`);
    await connection.run('DROP TABLE dups');
  }
  const rows = Number((await connection.runAndReadAll(`SELECT count(*) FROM ${stg}`)).getRowsJS()[0]![0]);
  const rejected = Number(
    (
      await connection.runAndReadAll(
        `SELECT count(*) FROM rejects WHERE batch = ${sqlString(batch)} AND tbl = ${sqlString(table.name)}`,
      )
    ).getRowsJS()[0]![0],
  );
  return { rows, rejected };
}

/** Rejects rows of a staging table matched by `where` (a condition on the staging table `s`). */
export async function rejectStaged(
  connection: DuckDBConnection,
  args: {
    batch: string;
    table: RawTable;
    file: string;
    where: string;
    column: string;
    reason: RejectReason;
    message: string;
  },
): Promise<number> {
  const stg = stagingTable(args.table);
  const meta = `${sqlString(args.batch)}, ${sqlString(args.table.name)}, ${sqlString(args.file)}`;
  await connection.run(
    `CREATE OR REPLACE TEMP TABLE cross_rejects AS SELECT * FROM ${stg} s WHERE ${args.where}`,
  );
  await connection.run(`INSERT INTO rejects
    SELECT ${meta}, ln, ${sqlString(args.column)}, ${sqlString(args.reason)}, ${sqlString(args.message)},
           CAST(${args.column} AS VARCHAR), coalesce(raw, CAST(to_json(c) AS VARCHAR))
    FROM cross_rejects c`);
  await connection.run(`DELETE FROM ${stg} WHERE ln IN (SELECT ln FROM cross_rejects)`);
  const n = Number((await connection.runAndReadAll(`SELECT count(*) FROM cross_rejects`)).getRowsJS()[0]![0]);
  await connection.run(`DROP TABLE cross_rejects`);
  return n;
}
