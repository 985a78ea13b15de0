// Shared by the raw-stage tests: small generated crawls in temporary directories, read back with DuckDB
// and with plain parsers of the documented encodings (so the files are checked, not our own reader).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { silentProgress } from '../../src/progress.ts';
import type { RawFileExtension } from '../../src/raw/format.ts';
import { generateRaw, type GenerateOptions, type GenerateSummary } from '../../src/raw/generate.ts';

export interface TempDir {
  readonly dir: string;
  remove(): Promise<void>;
}

export async function tempDir(label: string): Promise<TempDir> {
  const dir = await mkdtemp(join(tmpdir(), `kolscope-raw-${label}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Generates into dir/name with a fixed end date (so tests do not depend on today's date). */
export function generate(
  dir: string,
  name: string,
  options: Partial<GenerateOptions> & { format?: RawFileExtension },
): Promise<GenerateSummary> {
  return generateRaw(
    { influencers: 300, days: 3, seed: 7, end: '2026-03-31', ...options, outDir: join(dir, name) },
    silentProgress,
  );
}

export async function withDuckDB<T>(fn: (db: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const db = await instance.connect();
  try {
    return await fn(db);
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

/** Rows of a query as plain JSON values (BIGINT as strings, as DuckDB's JSON conversion gives them). */
export async function rows(db: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return (await db.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}

/** A single number from a query (first column of the first row). */
export async function scalar(db: DuckDBConnection, sql: string): Promise<number> {
  const value = (await db.runAndReadAll(sql)).getRows()[0]?.[0];
  return Number(value);
}

export interface CsvField {
  readonly text: string;
  readonly quoted: boolean;
}

/** RFC 4180 parser that keeps whether each field was quoted ("" = empty string, nothing = null). */
export function parseCsv(text: string): CsvField[][] {
  const records: CsvField[][] = [];
  let record: CsvField[] = [];
  let i = 0;
  while (i < text.length) {
    let value = '';
    let quoted = false;
    if (text[i] === '"') {
      quoted = true;
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quoted field');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i++];
      }
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') value += text[i++];
    }
    record.push({ text: value, quoted });
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    records.push(record);
    record = [];
  }
  return records;
}

export async function readText(path: string): Promise<string> {
  return readFile(path, 'utf8');
}
