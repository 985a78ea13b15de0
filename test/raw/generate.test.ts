// The generator writes exactly the raw format (src/raw/format.ts) in all three encodings, and is a pure
// function of its arguments.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BATCH_DIR_PATTERN,
  RAW_PARQUET_TYPES,
  RAW_TABLES,
  type RawColumn,
  type RawFileExtension,
} from '../../src/raw/format.ts';
import { generateRaw, GenerateOptionsError } from '../../src/raw/generate.ts';
import { silentProgress } from '../../src/progress.ts';
import { generate, parseCsv, readText, scalar, tempDir, withDuckDB, type TempDir } from './support.ts';

const ID = /^[1-9]\d{0,19}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

async function fileHashes(root: string): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  for (const day of (await readdir(root)).sort())
    for (const file of (await readdir(join(root, day))).sort())
      hashes.set(
        `${day}/${file}`,
        createHash('sha256')
          .update(await readFile(join(root, day, file)))
          .digest('hex'),
      );
  return hashes;
}

let tmp: TempDir;
before(async () => {
  tmp = await tempDir('format');
});
after(async () => {
  await tmp.remove();
});

describe('determinism', () => {
  for (const format of ['parquet', 'ndjson', 'csv'] as const) {
    test(`same arguments give byte-identical ${format} files; another seed gives other data`, async () => {
      const a = await generate(tmp.dir, `det-${format}-a`, { format });
      const b = await generate(tmp.dir, `det-${format}-b`, { format });
      assert.deepEqual(a.rows, b.rows);
      const [ha, hb] = [await fileHashes(a.outDir), await fileHashes(b.outDir)];
      assert.equal(ha.size, 3 * RAW_TABLES.length);
      assert.deepEqual(ha, hb);
      if (format !== 'parquet') return;
      const c = await generate(tmp.dir, `det-${format}-c`, { format, seed: 8 });
      const hc = await fileHashes(c.outDir);
      const differing = [...ha].filter(([file, hash]) => hc.get(file) !== hash);
      assert.ok(differing.length >= 3 * 5, `expected (nearly) every file to differ, ${differing.length} did`);
    });
  }
});

describe('layout', () => {
  test('one directory per day from end - days + 1 to end, each with all six tables', async () => {
    const s = await generate(tmp.dir, 'layout', { days: 4, end: '2026-03-02' });
    assert.equal(s.firstDay, '2026-02-27');
    assert.equal(s.lastDay, '2026-03-02');
    const days = (await readdir(s.outDir)).sort();
    assert.deepEqual(days, ['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
    for (const day of days) {
      assert.match(day, BATCH_DIR_PATTERN);
      assert.deepEqual(
        (await readdir(join(s.outDir, day))).sort(),
        RAW_TABLES.map((t) => `${t.name}.parquet`).sort(),
      );
    }
    assert.equal(s.files, 4 * RAW_TABLES.length);
    assert.ok(s.bytes > 0);
    for (const t of RAW_TABLES) assert.ok(s.rows[t.name] > 0, `${t.name} has rows`);
  });

  test('works at the edges: one influencer, one day, the first days of 1970', async () => {
    const s = await generate(tmp.dir, 'epoch', { influencers: 1, days: 2, end: '1970-01-02' });
    assert.deepEqual(await readdir(s.outDir), ['1970-01-01', '1970-01-02']);
    assert.equal(s.rows.profile_stats, 2);
  });

  test('refuses a non-empty output directory and leaves it untouched', async () => {
    const out = join(tmp.dir, 'occupied');
    await mkdir(out);
    await writeFile(join(out, 'keep.txt'), 'mine');
    await assert.rejects(
      generate(tmp.dir, 'occupied', {}),
      (e: unknown) => e instanceof GenerateOptionsError && /not empty/.test(e.message),
    );
    assert.deepEqual(await readdir(out), ['keep.txt']);
  });

  test('rejects bad options with a message naming the option', async () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ influencers: 0 }, /influencers/],
      [{ influencers: 2.5 }, /influencers/],
      [{ days: 0 }, /days/],
      [{ seed: -1 }, /seed/],
      [{ end: '2026-02-30' }, /end must be a date/],
      [{ format: 'xml' }, /format must be one of/],
    ];
    for (const [options, message] of bad)
      await assert.rejects(
        generateRaw(
          { influencers: 10, days: 1, seed: 1, outDir: join(tmp.dir, 'never'), ...options } as never,
          silentProgress,
        ),
        (e: unknown) => e instanceof GenerateOptionsError && message.test(e.message),
        JSON.stringify(options),
      );
    await assert.rejects(readdir(join(tmp.dir, 'never')), /ENOENT/);
  });
});

/** Checks one decoded ndjson value against its column; returns a problem or null. */
function jsonProblem(c: RawColumn, v: unknown): string | null {
  if (v === null) return c.nullable ? null : 'null in a required column';
  if (c.values && !c.values.includes(v as string | number)) return `not one of ${c.values.join(', ')}`;
  switch (c.type) {
    case 'id':
      return typeof v === 'string' && ID.test(v) ? null : 'not a decimal id string';
    case 'string':
      return typeof v === 'string' ? null : 'not a string';
    case 'count':
      return Number.isInteger(v) && (v as number) >= 0 ? null : 'not an integer ≥ 0';
    case 'int':
      return Number.isInteger(v) ? null : 'not an integer';
    case 'money':
      return typeof v === 'number' && v >= 0 && Number.isFinite(v) ? null : 'not a number ≥ 0';
    case 'timestamp':
      return typeof v === 'string' && TIMESTAMP.test(v) ? null : 'not an ISO-8601 UTC timestamp';
    case 'id_list':
      return Array.isArray(v) && v.every((x) => typeof x === 'string' && ID.test(x))
        ? null
        : 'not a list of ids';
  }
}

/** Checks one CSV field against its column; returns a problem or null. */
function csvProblem(c: RawColumn, f: { text: string; quoted: boolean }): string | null {
  if (f.text === '' && !f.quoted)
    return c.nullable ? null : 'null (empty unquoted field) in a required column';
  if (c.values && !c.values.map(String).includes(f.text)) return `not one of ${c.values.join(', ')}`;
  switch (c.type) {
    case 'id':
      return ID.test(f.text) ? null : 'not a decimal id';
    case 'string':
      return null;
    case 'count':
      return /^\d+$/.test(f.text) ? null : 'not an integer ≥ 0';
    case 'int':
      return /^-?\d+$/.test(f.text) ? null : 'not an integer';
    case 'money':
      return /^\d+(\.\d+)?$/.test(f.text) ? null : 'not a decimal ≥ 0';
    case 'timestamp':
      return TIMESTAMP.test(f.text) ? null : 'not an ISO-8601 UTC timestamp';
    case 'id_list':
      return f.text === '' || f.text.split(';').every((x) => ID.test(x)) ? null : "not ';'-separated ids";
  }
}

describe('format conformance', () => {
  const runs = new Map<RawFileExtension, string>();
  before(async () => {
    for (const format of ['parquet', 'ndjson', 'csv'] as const)
      runs.set(
        format,
        (await generate(tmp.dir, `conform-${format}`, { format, influencers: 400, days: 3 })).outDir,
      );
  });

  test('parquet files have exactly the format columns, in order, with the documented types and values', async () => {
    const root = runs.get('parquet')!;
    await withDuckDB(async (db) => {
      for (const day of await readdir(root))
        for (const t of RAW_TABLES) {
          const file = `'${join(root, day, `${t.name}.parquet`)}'`;
          const described = (
            await db.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${file})`)
          ).getRows();
          assert.deepEqual(
            described.map((r) => [r[0], r[1]]),
            t.columns.map((c) => [c.name, RAW_PARQUET_TYPES[c.type]]),
            `${day}/${t.name}`,
          );
          for (const c of t.columns) {
            const col = `"${c.name}"`;
            const checks: string[] = [];
            if (!c.nullable) checks.push(`${col} IS NULL`);
            if (c.type === 'id') checks.push(`NOT regexp_full_match(${col}, '[1-9][0-9]{0,19}')`);
            if (c.type === 'count' || c.type === 'money') checks.push(`${col} < 0`);
            if (c.type === 'money') checks.push(`isnan(${col}) OR isinf(${col})`);
            if (c.type === 'id_list')
              checks.push(
                `len(list_filter(${col}, lambda x: NOT regexp_full_match(x, '[1-9][0-9]{0,19}'))) > 0`,
              );
            if (c.values) checks.push(`${col} NOT IN (${c.values.map((v) => `'${v}'`).join(', ')})`);
            const bad = await scalar(
              db,
              `SELECT count(*) FROM read_parquet(${file}) WHERE ${checks.map((x) => `(${x})`).join(' OR ') || 'false'}`,
            );
            assert.equal(bad, 0, `${day}/${t.name}.${c.name}: ${bad} bad values`);
          }
          const dupes = await scalar(
            db,
            `SELECT count(*) FROM (SELECT ${t.key.join(', ')} FROM read_parquet(${file}) GROUP BY ALL HAVING count(*) > 1)`,
          );
          assert.equal(dupes, 0, `${day}/${t.name}: duplicate keys`);
        }
    });
  });

  test('ndjson: one JSON object per line, keys in format order, ids as strings, lists as arrays', async () => {
    const root = runs.get('ndjson')!;
    for (const day of await readdir(root))
      for (const t of RAW_TABLES) {
        const text = await readText(join(root, day, `${t.name}.ndjson`));
        const lines = text.split('\n');
        assert.equal(lines.pop(), '', 'file ends with a newline');
        for (const [n, line] of lines.entries()) {
          const row = JSON.parse(line) as Record<string, unknown>;
          assert.deepEqual(
            Object.keys(row),
            t.columns.map((c) => c.name),
            `${day}/${t.name} line ${n + 1}`,
          );
          for (const c of t.columns) {
            const problem = jsonProblem(c, row[c.name]);
            assert.equal(
              problem,
              null,
              `${day}/${t.name} line ${n + 1} ${c.name}=${JSON.stringify(row[c.name])}`,
            );
          }
        }
      }
  });

  test('csv: header row, RFC 4180 quoting, lists separated by ";", null as an empty unquoted field', async () => {
    const root = runs.get('csv')!;
    let multiline = 0;
    for (const day of await readdir(root))
      for (const t of RAW_TABLES) {
        const records = parseCsv(await readText(join(root, day, `${t.name}.csv`)));
        assert.deepEqual(
          records[0]!.map((f) => f.text),
          t.columns.map((c) => c.name),
        );
        for (const [n, record] of records.slice(1).entries()) {
          assert.equal(record.length, t.columns.length, `${day}/${t.name} record ${n + 1}`);
          t.columns.forEach((c, k) => {
            const problem = csvProblem(c, record[k]!);
            assert.equal(
              problem,
              null,
              `${day}/${t.name} record ${n + 1} ${c.name}=${JSON.stringify(record[k])}`,
            );
            if (record[k]!.text.includes('\n')) multiline++;
          });
        }
      }
    assert.ok(multiline > 0, 'some bios span lines, so quoting is exercised');
  });

  test('the three encodings hold the same rows', async () => {
    await withDuckDB(async (db) => {
      for (const day of await readdir(runs.get('parquet')!))
        for (const t of RAW_TABLES) {
          const types = t.columns.map((c) => `'${c.name}': '${RAW_PARQUET_TYPES[c.type]}'`).join(', ');
          const path = (f: RawFileExtension) => `'${join(runs.get(f)!, day, `${t.name}.${f}`)}'`;
          const listCols = t.columns.filter((c) => c.type === 'id_list').map((c) => c.name);
          const csvSelect = listCols.length
            ? `SELECT * REPLACE (${listCols.map((n) => `CASE WHEN "${n}" = '' THEN []::VARCHAR[] ELSE string_split("${n}", ';') END AS "${n}"`).join(', ')})`
            : 'SELECT *';
          const csvTypes = t.columns
            .map((c) => `'${c.name}': '${c.type === 'id_list' ? 'VARCHAR' : RAW_PARQUET_TYPES[c.type]}'`)
            .join(', ');
          const sources = {
            parquet: `SELECT * FROM read_parquet(${path('parquet')})`,
            ndjson: `SELECT * FROM read_json(${path('ndjson')}, format = 'newline_delimited', columns = {${types}})`,
            csv: `${csvSelect} FROM read_csv(${path('csv')}, header = true, allow_quoted_nulls = false, columns = {${csvTypes}})`,
          };
          const count = await scalar(db, `SELECT count(*) FROM (${sources.parquet})`);
          for (const other of ['ndjson', 'csv'] as const) {
            assert.equal(
              await scalar(db, `SELECT count(*) FROM (${sources[other]})`),
              count,
              `${day}/${t.name}`,
            );
            const diff = await scalar(
              db,
              `SELECT count(*) FROM ((${sources.parquet}) EXCEPT ALL (${sources[other]}))`,
            );
            assert.equal(diff, 0, `${day}/${t.name}: parquet and ${other} differ in ${diff} rows`);
          }
        }
    });
  });
});
