// The list endpoint's contract against sources that do not come from it: the seed contract
// (../shared/openapi.seed.yaml) and its documented extensions, the reference SQL, docs/api.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { FILTERS, INFLUENCER_LIST, SORTS } from '../../src/api/endpoints/influencer-list.ts';
import { PAID_ENDPOINTS } from '../../src/api/endpoints/registry.ts';
import { openApiDocument } from '../../src/api/openapi.ts';
import { RANGE_FIELDS, SORT_FIELDS } from '../../src/index/query.ts';
import { API_DOC, withParameterTables } from '../../scripts/api-docs.ts';
import { filtersWithoutSql } from '../oracle/reference-sql.ts';

const SEED = new URL('../../../shared/openapi.seed.yaml', import.meta.url);

/** Parameters Kolscope adds to the seed's list endpoint, each documented in docs/api.md. */
const LIST_EXTENSIONS: readonly { name: string; type: string }[] = [
  { name: 'min_total_sale_gmv_30d_amt', type: 'number' },
  { name: 'max_total_sale_gmv_30d_amt', type: 'number' },
  { name: 'min_total_followers_30d_cnt', type: 'integer' },
  { name: 'max_total_followers_30d_cnt', type: 'integer' },
  { name: 'min_ec_score', type: 'number' },
  { name: 'max_ec_score', type: 'number' },
  { name: 'has_contact_email', type: 'integer' },
  { name: 'keyword', type: 'string' },
];

/** Where the served type deliberately differs from the seed's (docs/api.md, "Decisions"). */
const TYPE_DECISIONS: Readonly<Record<string, string>> = { page_num: 'integer', page_size: 'integer' };

/** The seed's query parameters of one path, read line by line from its YAML: name, type, required. */
async function seedParameters(path: string): Promise<{ name: string; type: string; required: boolean }[]> {
  const lines = (await readFile(SEED, 'utf8')).split('\n');
  const start = lines.findIndex((l) => l.trim() === `${path}:`);
  assert.ok(start >= 0, `the seed has ${path}`);
  const end = lines.findIndex((l, i) => i > start && l.trim() === 'responses:');
  const found: { name: string; type: string; required: boolean }[] = [];
  for (let i = start; i < end; i++) {
    const name = /^\s+- name: (\S+)$/.exec(lines[i]!)?.[1];
    if (name === undefined) continue;
    let type = '';
    let required = false;
    for (let j = i + 1; j < end && !/^\s+- name:/.test(lines[j]!); j++) {
      type ||= /^\s+type: (\w+)$/.exec(lines[j]!)?.[1] ?? '';
      if (/^\s+required: true$/.test(lines[j]!)) required = true;
    }
    found.push({ name, type, required });
  }
  return found;
}

test("the served list parameters are the seed's 25 plus the documented extensions, with the seed's types", async () => {
  const seed = await seedParameters(INFLUENCER_LIST.path);
  assert.equal(seed.length, 25, 'the seed declares 25 parameters');
  const doc = openApiDocument('http://127.0.0.1:8080') as unknown as {
    paths: Record<
      string,
      { get: { parameters: { name: string; required: boolean; schema: { type: string } }[] } }
    >;
  };
  const served = doc.paths[INFLUENCER_LIST.path]!.get.parameters;
  const expected = [...seed.map((p) => p.name), ...LIST_EXTENSIONS.map((p) => p.name)].sort();
  assert.deepEqual(served.map((p) => p.name).sort(), expected);
  for (const p of seed) {
    const s = served.find((x) => x.name === p.name)!;
    assert.equal(s.schema.type, TYPE_DECISIONS[p.name] ?? p.type, `${p.name}: type`);
  }
  // The seed marks region, page_num and page_size required; Kolscope defaults the page (docs/api.md).
  assert.deepEqual(
    served.filter((p) => p.required).map((p) => p.name),
    ['region'],
  );
});

test('every filter of the contract has its reference SQL, every range and sort is an index capability', () => {
  assert.deepEqual(filtersWithoutSql(), []);
  for (const f of FILTERS) if (f.range) assert.ok(RANGE_FIELDS.includes(f.range), f.name);
  for (const s of SORTS) assert.ok(SORT_FIELDS.includes(s.field), s.field);
  assert.deepEqual(
    SORTS.map((s) => s.code),
    SORTS.map((_, i) => i),
    'sort codes are 0..n-1',
  );
  const names = FILTERS.map((f) => f.name);
  assert.equal(new Set(names).size, names.length, 'filter names are unique');
});

test('docs/api.md has the parameter table of every paid endpoint as the code declares it', async () => {
  const doc = await readFile(API_DOC, 'utf8');
  assert.equal(doc, withParameterTables(doc), 'docs/api.md is stale: run `npm run docs:api`');
  for (const endpoint of PAID_ENDPOINTS)
    for (const p of endpoint.parameters) {
      const stem = p.name.replace(/^(min|max)_/, '');
      assert.ok(doc.includes(`\`${p.name}\``) || doc.includes(`\`max_${stem}\``), `${p.name} in docs/api.md`);
    }
});
