// Validation of one raw file into a typed staging table. Every input row ends up either in the staging
// table or in the `rejects` temp table with its file, line, column and reason: nothing is dropped.
//
// All three formats go through the same SQL: each row becomes one JSON object with its line number
// (NDJSON: the line itself, split by DuckDB with exact line numbers; CSV: converted in csv.ts;
// Parquet: the row as JSON, line = row number). Values are then checked with json_type / TRY_CAST.
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { RawColumn, RawFileExtension, RawTable } from '../raw/format.ts';
import { csvToJsonLines } from './csv.ts';
import { rawSqlType } from './warehouse.ts';

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

type Mode = 'json' | 'text';

/** Loads a raw file's rows as (ln, line JSON object text, raw text, malformed message). */
async function loadLines(
  connection: DuckDBConnection,
  file: string,
  format: RawFileExtension,
  scratchDir: string,
): Promise<Mode> {
  const target = 'CREATE OR REPLACE TEMP TABLE lines AS';
  if (format === 'ndjson') {
    await connection.run(`${target}
      SELECT ln, line, NULL::VARCHAR AS raw, NULL::VARCHAR AS malformed FROM (
        SELECT rtrim(unnest(s), chr(13)) AS line, generate_subscripts(s, 1) AS ln
        FROM (SELECT string_split(content, chr(10)) AS s FROM read_text(${sqlString(file)}))
      ) WHERE trim(line) <> ''`);
    return 'json';
  }
  if (format === 'csv') {
    const converted = join(scratchDir, `csv-${process.pid}-${Date.now()}.jsonl`);
    await csvToJsonLines(file, converted);
    await connection.run(`${target}
      SELECT CAST(l->>'$[0]' AS BIGINT) AS ln,
             CASE WHEN json_type(l, '$[1]') = 'OBJECT' THEN CAST(l->'$[1]' AS VARCHAR) END AS line,
             l->>'$[2]' AS raw, l->>'$[3]' AS malformed
      FROM (SELECT unnest(string_split(content, chr(10))) AS l FROM read_text(${sqlString(converted)}))
      WHERE l <> ''`);
    const { rm } = await import('node:fs/promises');
    await rm(converted, { force: true });
    return 'text';
  }
  await connection.run(`${target}
    SELECT file_row_number + 1 AS ln,
           CAST(json_merge_patch(to_json(p), '{"file_row_number":null}') AS VARCHAR) AS line,
           NULL::VARCHAR AS raw, NULL::VARCHAR AS malformed
    FROM read_parquet(${sqlString(file)}, file_row_number = true) p`);
  return 'json';
}

interface Check {
  readonly when: string;
  readonly reason: RejectReason;
  readonly message: string;
}

const INTEGER_TYPES = `('BIGINT', 'UBIGINT')`;
const NUMBER_TYPES = `('BIGINT', 'UBIGINT', 'DOUBLE')`;

function timestampText(v: string): string {
  return `TRY_CAST(regexp_replace(${v}, '(Z|[+]00:?00)$', '') AS TIMESTAMP)`;
}
const TIMESTAMP_PATTERN = `'[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,9})?(Z|[+]00:?00)?'`;

function moneyValue(v: string): string {
  return `coalesce(TRY_CAST(${v} AS DECIMAL(18,4)), TRY_CAST(TRY_CAST(${v} AS DOUBLE) AS DECIMAL(18,4)))`;
}

/** The list of ids of an id_list column, as text. */
function idListText(c: RawColumn, mode: Mode): string {
  const path = sqlString(`$.${c.name}`);
  return mode === 'json'
    ? `CAST(json_extract(line, ${path}) AS VARCHAR[])`
    : `CASE WHEN line->>${path} = '' THEN []::VARCHAR[] ELSE string_split(line->>${path}, ';') END`;
}

/** Checks of one column, in order; the first that holds rejects the row. */
function columnChecks(c: RawColumn, mode: Mode): { absent: string; checks: Check[] } {
  const path = sqlString(`$.${c.name}`);
  const t = `json_type(line, ${path})`;
  const v = `(line->>${path})`;
  const text = mode === 'text';
  // In CSV an empty field is "no value", except for text columns where '' is a value.
  const absent =
    text && c.type !== 'string' && c.type !== 'id_list'
      ? `(${t} IS NULL OR ${t} = 'NULL' OR ${v} = '')`
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
          when: `len(list_filter(json_type(line, ${sqlString(`$.${c.name}[*]`)}), x -> x <> 'VARCHAR')) > 0`,
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
  const path = sqlString(`$.${c.name}`);
  const v = `(line->>${path})`;
  const { absent } = columnChecks(c, mode);
  let value: string;
  switch (c.type) {
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
  return `CAST(CASE WHEN ${absent} THEN ${empty} ELSE ${value} END AS ${rawSqlType(c.type)}) AS ${c.name}`;
}

/** The reject expression: NULL for a valid row, else 'column<US>reason<US>message'. */
function rejectExpression(table: RawTable, mode: Mode): string {
  const branches: string[] = [
    `WHEN malformed IS NOT NULL THEN ${sqlString(`${SEP}malformed_line${SEP}`)} || malformed`,
    `WHEN line IS NULL OR NOT json_valid(line) THEN ${sqlString(`${SEP}malformed_line${SEP}not valid JSON`)}`,
    `WHEN json_type(line) <> 'OBJECT' THEN ${sqlString(`${SEP}malformed_line${SEP}not a JSON object`)}`,
  ];
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
 * Validates one raw file into the temp table stg_<table> (typed, with `ln`), appending rejected rows to
 * `rejects`. Keys repeated within the batch are rejected after their first occurrence; `crossBatch` SQL
 * (optional) adds checks against earlier batches.
 */
export async function stageRawFile(
  connection: DuckDBConnection,
  args: { batch: string; table: RawTable; file: string; format: RawFileExtension; scratchDir: string },
): Promise<StageResult> {
  const { batch, table, file, format } = args;
  const mode = await loadLines(connection, file, format, args.scratchDir);
  const stg = stagingTable(table);
  await connection.run(
    `CREATE OR REPLACE TEMP TABLE checked AS SELECT ln, line, raw, ${rejectExpression(table, mode)} AS err FROM lines`,
  );
  const fileSql = sqlString(file);
  const meta = `${sqlString(batch)}, ${sqlString(table.name)}, ${fileSql}`;
  await connection.run(`INSERT INTO rejects
    SELECT ${meta}, ln, nullif(split_part(err, '${SEP}', 1), ''), split_part(err, '${SEP}', 2),
           split_part(err, '${SEP}', 3),
           CASE WHEN split_part(err, '${SEP}', 1) <> '' AND json_valid(line)
                THEN CAST(json_extract(line, '$.' || split_part(err, '${SEP}', 1)) AS VARCHAR) END,
           coalesce(raw, line)
    FROM checked WHERE err IS NOT NULL`);
  const key = table.key.join(', ');
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${stg} AS
    SELECT ln, ${table.columns.map((c) => typedValue(c, mode)).join(', ')}, line
    FROM checked WHERE err IS NULL`);
  // A key seen twice in one batch: the first occurrence is kept, later ones are rejected.
  await connection.run(`CREATE OR REPLACE TEMP TABLE dups AS
    SELECT ln, line, first_ln FROM (
      SELECT ln, line, min(ln) OVER (PARTITION BY ${key}) AS first_ln FROM ${stg}
    ) WHERE ln <> first_ln`);
  await connection.run(`INSERT INTO rejects
    SELECT ${meta}, ln, ${sqlString(table.key.join(','))}, 'duplicate_key',
           'key (' || ${sqlString(table.key.join(', '))} || ') already on line ' || first_ln, NULL, line
    FROM dups`);
  await connection.run(`DELETE FROM ${stg} WHERE ln IN (SELECT ln FROM dups)`);
  const rows = Number((await connection.runAndReadAll(`SELECT count(*) FROM ${stg}`)).getRowsJS()[0]![0]);
  const rejected = Number(
    (
      await connection.runAndReadAll(
        `SELECT count(*) FROM rejects WHERE batch = ${sqlString(batch)} AND tbl = ${sqlString(table.name)}`,
      )
    ).getRowsJS()[0]![0],
  );
  await connection.run(`DROP TABLE IF EXISTS checked; DROP TABLE IF EXISTS lines; DROP TABLE IF EXISTS dups`);
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
    `CREATE OR REPLACE TEMP TABLE cross_rejects AS SELECT ln, line FROM ${stg} s WHERE ${args.where}`,
  );
  await connection.run(`INSERT INTO rejects
    SELECT ${meta}, ln, ${sqlString(args.column)}, ${sqlString(args.reason)}, ${sqlString(args.message)},
           CAST(json_extract(line, ${sqlString(`$.${args.column}`)}) AS VARCHAR), line
    FROM cross_rejects`);
  await connection.run(`DELETE FROM ${stg} WHERE ln IN (SELECT ln FROM cross_rejects)`);
  const n = Number((await connection.runAndReadAll(`SELECT count(*) FROM cross_rejects`)).getRowsJS()[0]![0]);
  await connection.run(`DROP TABLE cross_rejects`);
  return n;
}
