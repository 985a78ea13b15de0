// docs/raw-format.md documents every table and column of src/raw/format.ts with the same type,
// parquet type and nullability, so the operator's contract cannot drift from the code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { RAW_FORMAT_VERSION, RAW_PARQUET_TYPES, RAW_TABLES } from '../../src/raw/format.ts';

const doc = await readFile(new URL('../../docs/raw-format.md', import.meta.url), 'utf8');

/** The text of the section `### \`table\`` up to the next heading. */
function section(table: string): string {
  const start = doc.indexOf(`### \`${table}\``);
  assert.ok(start >= 0, `docs/raw-format.md has no section for ${table}`);
  const next = doc.slice(start + 1).search(/\n#{2,3} /);
  return next < 0 ? doc.slice(start) : doc.slice(start, start + 1 + next);
}

test('the doc states the format version', () => {
  assert.match(doc, new RegExp(`^# Raw input format, version ${RAW_FORMAT_VERSION}$`, 'm'));
});

test('every table and column is documented with its type, parquet type and nullability', () => {
  for (const t of RAW_TABLES) {
    const text = section(t.name);
    const documented = [
      ...text.matchAll(/^\| `([a-z_]+)` \| ([a-z_]+) \| ([A-Z[\]]+) \| (required|nullable) \|/gm),
    ];
    assert.deepEqual(
      documented.map((m) => [m[1], m[2], m[3], m[4]]),
      t.columns.map((c) => [c.name, c.type, RAW_PARQUET_TYPES[c.type], c.nullable ? 'nullable' : 'required']),
      `columns of ${t.name}`,
    );
    for (const k of t.key) assert.ok(text.includes(`\`${k}\``), `${t.name} key ${k}`);
  }
});

test('every value type is explained with its parquet type', () => {
  for (const [type, parquet] of Object.entries(RAW_PARQUET_TYPES))
    assert.match(
      doc,
      new RegExp(`^\\| \`${type}\` \\|.*\`${parquet.replace(/[[\]]/g, '\\$&')}\``, 'm'),
      type,
    );
});
