// Writes a region's keyword files (index.ts) from the snapshot's rows, read through DuckDB in user_id order
// (the row numbers of the serving index). Called by the index build.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { KeywordBuilder } from './build.ts';
import { KEYWORD_FILES, KEYWORD_HEAVY_FILES, heavyPrefixes, type KeywordArrays } from './index.ts';

const quote = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** The keyword files of region folder `dir`, relative to the index folder. */
export function keywordFileList(dir: string): string[] {
  return [...Object.values(KEYWORD_FILES), ...Object.values(KEYWORD_HEAVY_FILES)].map((f) => `${dir}/${f}`);
}

/** Builds and writes the keyword files of `region` from `source` (a table or read_parquet(...)) into `out`. */
export async function writeKeywordFiles(
  conn: DuckDBConnection,
  source: string,
  region: string,
  out: string,
): Promise<KeywordArrays> {
  const builder = new KeywordBuilder();
  const result = await conn.stream(
    `SELECT nick_name, unique_id, signature FROM ${source} WHERE region = ${quote(region)}
     ORDER BY CAST(user_id AS HUGEINT)`,
  );
  let row = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const fields = [0, 1, 2].map((i) => chunk.getColumnVector(i));
    const texts: (string | null)[] = ['', '', ''];
    for (let r = 0; r < chunk.rowCount; r++) {
      for (let i = 0; i < 3; i++) texts[i] = fields[i]!.getItem(r) as string | null;
      builder.add(row++, texts);
    }
  }
  const arrays = builder.finish();
  for (const [key, name] of Object.entries(KEYWORD_FILES)) {
    const a = arrays[key as keyof KeywordArrays];
    await writeFile(join(out, name), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  await writeHeavyFiles(arrays, row, out);
  return arrays;
}

/** Writes the heavy prefixes of a region's keyword index (decoded once here rather than at every load). */
export async function writeHeavyFiles(arrays: KeywordArrays, rows: number, out: string): Promise<void> {
  const heavy = heavyPrefixes(arrays, rows);
  const words = (rows >>> 5) + 1;
  const bits = new Int32Array(heavy.size * words);
  [...heavy.values()].forEach((b, i) => bits.set(b, i * words));
  await writeFile(join(out, KEYWORD_HEAVY_FILES.prefixes), [...heavy.keys()].join('\n'));
  await writeFile(join(out, KEYWORD_HEAVY_FILES.bits), new Uint8Array(bits.buffer));
}
