// Totals after a walk (X-Total-Count) against DuckDB: every way count.ts counts (a source's size, key counts, a
// ranked slice, its complement, a source's rows, a product union, a keyword bitset) on queries built to reach
// it, each total counted afresh (remembered totals forgotten first). The regions here are too small for key
// counts at their default bucket (key-counts.ts): a second load of the same index has buckets of 64 and 100
// positions (KOLSCOPE_KEY_BUCKET), so key counts serve every region; loads with buckets of 16 and 20 give US
// attribute counts too.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { writeSyntheticSnapshot } from '../../src/service/index.ts';
import {
  RANGE_FIELDS,
  loadServingIndex,
  type InfluencerQuery,
  type LoadedServingIndex,
  type SortFieldCode,
} from '../../src/index/index.ts';
import * as count from '../../src/index/search/count.ts';
import { SNAPSHOT_ROWS_FILE } from '../../src/snapshot/schema.ts';
import { referenceCountSql } from '../oracle/reference-sql.ts';

let tmp: string;
let index: LoadedServingIndex;
/** The same index with key counts of 64- and 100-position buckets. */
let keyed64: LoadedServingIndex;
let keyed100: LoadedServingIndex;
/** And of 16-position buckets: product key counts for the common categories too (product-keys' tables). */
let keyed16: LoadedServingIndex;
/** And of 20-position buckets: attribute counts for US (from 5120 rows), as keyed16's (from 4096). */
let keyed20: LoadedServingIndex;
let db: DuckDBInstance;
let conn: DuckDBConnection;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'kolscope-count-'));
  const info = await writeSyntheticSnapshot({ dataDir: tmp, influencers: 20_000, seed: 11 });
  index = await loadServingIndex(info.dir);
  // The load worker reads the bucket size from the environment when it starts.
  process.env.KOLSCOPE_KEY_BUCKET = '64';
  keyed64 = await loadServingIndex(info.dir);
  process.env.KOLSCOPE_KEY_BUCKET = '100';
  keyed100 = await loadServingIndex(info.dir);
  process.env.KOLSCOPE_KEY_BUCKET = '16';
  keyed16 = await loadServingIndex(info.dir);
  process.env.KOLSCOPE_KEY_BUCKET = '20';
  keyed20 = await loadServingIndex(info.dir);
  delete process.env.KOLSCOPE_KEY_BUCKET;
  db = await DuckDBInstance.create(':memory:', { threads: '2' });
  conn = await db.connect();
  await conn.run(`CREATE TABLE rows AS SELECT * FROM read_parquet('${join(info.dir, SNAPSHOT_ROWS_FILE)}')`);
});

after(async () => {
  index?.close();
  keyed64?.close();
  keyed100?.close();
  keyed16?.close();
  keyed20?.close();
  conn?.closeSync();
  db?.closeSync();
  await rm(tmp, { recursive: true, force: true });
});

/** An optional value of an arbitrary (undefined half the time). */
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });

async function expected(q: InfluencerQuery): Promise<number> {
  const reader = await conn.runAndReadAll(referenceCountSql(q, 'rows'));
  return Number(reader.getRows()[0]![0]);
}

type Filters = Omit<InfluencerQuery, 'region' | 'pageNum' | 'pageSize' | 'sortField' | 'descending'>;

/** Filter sets that reach each way of counting (with a walk first: small pages, dense enough matches). */
const FILTERS: Filters[] = [
  { ranges: { interaction_rate: { min: 0.03 } } },
  { ranges: { interaction_rate: { min: 0.05 } }, gender: 'female' },
  { ranges: { interaction_rate: { min: 0.01 } }, language: 'en' },
  { ranges: { total_followers_cnt: { min: 10_000 } }, salesFlag: 1 },
  { ranges: { total_followers_cnt: { min: 1000, max: 50_000 } }, showCaseFlag: 0 },
  { ranges: { total_digg_cnt: { min: 10_000 }, interaction_rate: { min: 0.02 } } },
  { ranges: { interaction_rate: { min: 0.02 }, total_followers_cnt: { min: 1000, max: 20_000 } } },
  {
    ranges: {
      interaction_rate: { min: 0.02 },
      total_views_cnt: { min: 10_000 },
      total_digg_cnt: { min: 100 },
    },
    gender: 'male',
  },
  { ranges: { ec_score: { min: 1 } }, gender: 'male' },
  { ranges: { ec_score: { min: 1 } }, hasContactEmail: 1 },
  { ranges: { total_sale_gmv_30d_amt: { min: 100 } }, language: 'en' },
  { ranges: { total_followers_cnt: { min: 5000 }, total_sale_gmv_30d_amt: { min: 10 } } },
  { ranges: {}, productCategoryIds: ['601450', '601152', '602118'] },
  { ranges: {}, productCategoryIds: ['604206', '601450', '2344592'], gender: 'male' },
  { ranges: { interaction_rate: { min: 0.02 } }, productCategoryIds: ['824328', '604206'] },
  { ranges: { total_followers_cnt: { min: 1000 } }, productCategoryIds: ['2344592', '601739'] },
  { ranges: { total_followers_cnt: { min: 1000 } }, productCategoryIds: ['601450'], language: 'en' },
  { ranges: {}, keyword: ['a'] },
  { ranges: {}, keyword: ['a'], gender: 'female' },
  { ranges: {}, keyword: ['a', 's'], language: 'en' },
  { ranges: { total_followers_cnt: { min: 1000 } }, keyword: ['b'] },
  { ranges: {}, keyword: ['beauty'], category: 'beauty' },
  { ranges: {}, category: 'beauty', showCaseFlag: 2 },
  {
    ranges: { interaction_rate: { min: 0.02 }, total_followers_cnt: { min: 1000, max: 20_000 } },
    category: 'beauty',
  },
  { ranges: { total_digg_cnt: { min: 1000 } }, gender: 'female', salesFlag: 4 },
  { ranges: {}, productCategoryIds: ['601450', '601152'], salesFlag: 1, hasContactEmail: 1 },
  { ranges: {}, productCategoryIds: ['2344592', '601739', '600024', '601450'], gender: 'female' },
  { ranges: { total_views_7d_cnt: { min: 100, max: 100_000 } }, showCaseFlag: 0, hasContactEmail: 0 },
];

/** One range of any field, bounds at quantiles of its values in the region (every bucket edge reachable),
 *  open or not, and the key conditions: the arbitraries, and the query they make. */
const oneRange = (...regions: string[]) => ({
  region: fc.constantFrom(...regions),
  sortField: fc.integer({ min: 0, max: 11 }).map((n) => n as SortFieldCode),
  descending: fc.boolean(),
  field: fc.constantFrom(...RANGE_FIELDS),
  lo: maybe(fc.double({ min: 0, max: 1, noNaN: true })),
  hi: maybe(fc.double({ min: 0, max: 1, noNaN: true })),
  gender: maybe(fc.constantFrom('male', 'female')),
  salesFlag: maybe(fc.constantFrom<1 | 2 | 3 | 4>(1, 2, 3, 4)),
  showCaseFlag: maybe(fc.constantFrom(0, 1)),
  hasContactEmail: maybe(fc.constantFrom<0 | 1>(0, 1)),
});
type OneRange = {
  [K in keyof ReturnType<typeof oneRange>]: ReturnType<typeof oneRange>[K] extends fc.Arbitrary<infer T>
    ? T
    : never;
};

async function oneRangeQuery(r: OneRange): Promise<InfluencerQuery> {
  const quantile = async (p: number) => {
    const reader = await conn.runAndReadAll(
      `SELECT quantile_disc(${r.field}, ${p}) FROM rows WHERE region = '${r.region}'`,
    );
    return Number(reader.getRows()[0]![0]);
  };
  const min = r.lo === undefined ? undefined : await quantile(r.lo);
  let max = r.hi === undefined ? undefined : await quantile(r.hi);
  if (min !== undefined && max !== undefined && max < min) max = min;
  return {
    region: r.region,
    pageNum: 1,
    pageSize: 2,
    sortField: r.sortField,
    descending: r.descending,
    ranges: { [r.field]: { ...(min !== undefined && { min }), ...(max !== undefined && { max }) } },
    ...(r.gender && { gender: r.gender }),
    ...(r.salesFlag && { salesFlag: r.salesFlag }),
    ...(r.showCaseFlag !== undefined && { showCaseFlag: r.showCaseFlag }),
    ...(r.hasContactEmail !== undefined && { hasContactEmail: r.hasContactEmail }),
  };
}

/** The snapshot's product category ids, or its `commonest` commonest. */
async function productIds(commonest?: number): Promise<string[]> {
  const sql =
    commonest === undefined
      ? `SELECT DISTINCT unnest(product_category_ids) AS id FROM rows ORDER BY id`
      : `SELECT id FROM (SELECT unnest(product_category_ids) AS id FROM rows) GROUP BY id ORDER BY count(*) DESC LIMIT ${commonest}`;
  return (await conn.runAndReadAll(sql)).getRows().map((r) => String(r[0]));
}

/** Checks a query's total against DuckDB on the loads whose US has the large-region tables (keyed16, keyed20)
 *  and on the default load (none: it never counts by `way`); adds "<region> <way counted>" to `ways`. */
async function checkLargeRegionTotal(q: InfluencerQuery, way: string, ways: Set<string>): Promise<void> {
  const want = await expected(q);
  for (const loaded of [keyed16, keyed20, index]) {
    loaded.forgetTotals();
    count.resetCountMethod();
    assert.equal(loaded.search(q).total, want, `total differs for ${JSON.stringify(q)}`);
    if (loaded !== index) ways.add(`${q.region} ${count.lastCountMethod}`);
    else assert.notEqual(count.lastCountMethod, way);
  }
}

describe('totals after a walk match DuckDB', () => {
  test('every way of counting, each sort order, both directions', async () => {
    const methods = new Set<string>();
    for (const loaded of [index, keyed64])
      for (const filters of FILTERS)
        for (const region of ['US', 'GB'])
          for (const sortField of [0, 1, 3, 5, 6, 9] as SortFieldCode[]) {
            const q: InfluencerQuery = {
              ...filters,
              region,
              pageNum: 2,
              pageSize: 5,
              sortField,
              descending: sortField % 2 === 1,
            };
            loaded.forgetTotals();
            count.resetCountMethod();
            const total = loaded.search(q).total;
            methods.add(count.lastCountMethod);
            assert.equal(total, await expected(q), `total differs for ${JSON.stringify(q)}`);
          }
    for (const method of [
      'source-size',
      'keys',
      'product-keys',
      'slice',
      'complement',
      'source',
      'union',
      'keyword-bits',
    ])
      assert.ok(methods.has(method), `no query counted by ${method}: ${[...methods].join(', ')}`);
  });

  test('random filter combinations', async () => {
    const range = (min: number, max: number) =>
      fc.oneof(
        fc.integer({ min, max }).map((v) => ({ min: v })),
        fc.integer({ min, max }).map((v) => ({ max: v })),
        fc.tuple(fc.integer({ min, max }), fc.integer({ min, max })).map(([a, b]) => ({
          min: Math.min(a, b),
          max: Math.max(a, b),
        })),
      );
    const arb = fc.record({
      region: fc.constantFrom('US', 'ID', 'GB'),
      sortField: fc.integer({ min: 0, max: 11 }).map((n) => n as SortFieldCode),
      descending: fc.boolean(),
      pageNum: fc.integer({ min: 1, max: 4 }),
      followers: maybe(range(0, 200_000)),
      rate: maybe(fc.constantFrom(0.01, 0.02, 0.05).map((min) => ({ min }))),
      views: maybe(range(0, 1_000_000)),
      ec: maybe(fc.constantFrom(0, 1, 2.5).map((min) => ({ min }))),
      gender: maybe(fc.constantFrom('male', 'female')),
      language: maybe(fc.constantFrom('en', 'id', 'es')),
      salesFlag: maybe(fc.constantFrom<1 | 2 | 3 | 4>(1, 2, 3, 4)),
      showCaseFlag: maybe(fc.constantFrom(0, 1)),
      hasContactEmail: maybe(fc.constantFrom<0 | 1>(0, 1)),
      products: maybe(fc.subarray(['601450', '601152', '824328', '604206', '2344592'], { minLength: 1 })),
      keyword: maybe(fc.constantFrom(['a'], ['b'], ['s'], ['a', 'm'])),
    });
    await fc.assert(
      fc.asyncProperty(arb, async (r) => {
        const q: InfluencerQuery = {
          region: r.region,
          pageNum: r.pageNum,
          pageSize: 3,
          sortField: r.sortField,
          descending: r.descending,
          ranges: {
            ...(r.followers && { total_followers_cnt: r.followers }),
            ...(r.rate && { interaction_rate: r.rate }),
            ...(r.views && { total_views_cnt: r.views }),
            ...(r.ec && { ec_score: r.ec }),
          },
          ...(r.gender && { gender: r.gender }),
          ...(r.language && { language: r.language }),
          ...(r.salesFlag && { salesFlag: r.salesFlag }),
          ...(r.showCaseFlag !== undefined && { showCaseFlag: r.showCaseFlag }),
          ...(r.hasContactEmail !== undefined && { hasContactEmail: r.hasContactEmail }),
          ...(r.products && { productCategoryIds: r.products }),
          ...(r.keyword && { keyword: r.keyword }),
        };
        const want = await expected(q);
        for (const loaded of [index, keyed64]) {
          loaded.forgetTotals();
          assert.equal(loaded.search(q).total, want, `total differs for ${JSON.stringify(q)}`);
        }
      }),
      { numRuns: 300, seed: 20261130 },
    );
  });

  test('key counts: one range of any field and the key conditions, any bounds', async () => {
    const arb = fc.record(oneRange('US', 'ID', 'GB', 'DE'));
    const methods = new Set<string>();
    await fc.assert(
      fc.asyncProperty(arb, async (r) => {
        const q = await oneRangeQuery(r);
        const want = await expected(q);
        for (const loaded of [keyed64, keyed100]) {
          loaded.forgetTotals();
          count.resetCountMethod();
          assert.equal(loaded.search(q).total, want, `total differs for ${JSON.stringify(q)}`);
          methods.add(count.lastCountMethod);
        }
      }),
      { numRuns: 300, seed: 20261201 },
    );
    assert.ok(methods.has('keys'), `no query counted by key counts: ${[...methods].join(', ')}`);
  });

  test('attribute counts: one range of any field and packed conditions with a category or language, any bounds', async () => {
    // keyed16 and keyed20 give US (about 8k rows) attribute counts (from 256 × 16 and 256 × 20 rows); GB and
    // the default index have none, and count the same queries otherwise.
    const arb = fc.record({
      ...oneRange('US', 'US', 'US', 'GB'),
      category: maybe(fc.constantFrom('beauty', 'music & dance', 'health & wellness', 'gaming', 'pets')),
      language: maybe(fc.constantFrom('en', 'es', 'zh')),
    });
    const methods = new Set<string>();
    await fc.assert(
      fc.asyncProperty(arb, async (r) => {
        const q: InfluencerQuery = {
          ...(await oneRangeQuery(r)),
          // A category or a language, or both: conditions beyond the key counts' bits.
          ...(r.category || !r.language ? { category: r.category ?? 'beauty' } : {}),
          ...(r.language && { language: r.language }),
        };
        await checkLargeRegionTotal(q, 'attribute-counts', methods);
      }),
      { numRuns: 300, seed: 20261202 },
    );
    assert.ok(methods.has('US attribute-counts'), `no query counted by attribute counts: ${[...methods]}`);
    assert.ok(!methods.has('GB attribute-counts'), 'GB is too small for attribute counts');
  });

  test('a range and a keyword alone: the smaller side, its rows tested on the bitset', async () => {
    let rangeSide = 0;
    for (const keyword of [['a'], ['b'], ['ma'], ['s']])
      for (const min of [1000, 10_000, 100_000])
        for (const sortField of [0, 1, 3] as SortFieldCode[]) {
          const q: InfluencerQuery = {
            region: 'US',
            pageNum: 2,
            pageSize: 5,
            sortField,
            descending: false,
            ranges: { total_followers_cnt: { min } },
            keyword,
          };
          index.forgetTotals();
          count.resetCountMethod();
          assert.equal(index.search(q).total, await expected(q), `total differs for ${JSON.stringify(q)}`);
          // Read the range's side where its rows tested at random would have cost more than the keyword's.
          const { ranges: _r, ...keywordOnly } = q;
          const inRange = await expected({ ...q, keyword: undefined });
          const inKeyword = await expected({ ...keywordOnly, ranges: {} });
          const randomCost = inRange * count.COUNT_COST.row;
          if (count.lastCountMethod === 'range-bits' && randomCost > inKeyword * count.COUNT_COST.ascending)
            rangeSide++;
        }
    assert.ok(rangeSide > 0, 'no count read the range side of a keyword and a larger range');
  });

  test('rank pairs: two ranges of any fields alone, any bounds', async () => {
    const fields = RANGE_FIELDS;
    const bounds = fc.record({
      lo: maybe(fc.double({ min: 0, max: 1, noNaN: true })),
      hi: maybe(fc.double({ min: 0, max: 1, noNaN: true })),
    });
    const arb = fc.record({
      region: fc.constantFrom('US', 'ID', 'GB'),
      sortField: fc.integer({ min: 0, max: 11 }).map((n) => n as SortFieldCode),
      descending: fc.boolean(),
      // Few pairs, so that each region keeps its counts (at most 8 per region); others are counted otherwise.
      fields: fc.constantFrom<[string, string][]>(
        ['total_followers_cnt', 'total_sale_gmv_30d_amt'],
        ['total_followers_30d_cnt', 'total_sale_gmv_30d_amt'],
        ['total_followers_30d_cnt', 'ec_score'],
        ['ec_score', 'total_sale_gmv_30d_amt'],
        ['interaction_rate', 'total_digg_cnt'],
        ...fields.map((f, k): [string, string] => [f, fields[(k + 3) % fields.length]!]),
      ),
      a: bounds,
      b: bounds,
    });
    const methods = new Set<string>();
    await fc.assert(
      fc.asyncProperty(arb, async (r) => {
        const quantile = async (field: string, p: number) => {
          const reader = await conn.runAndReadAll(
            `SELECT quantile_disc(${field}, ${p}) FROM rows WHERE region = '${r.region}'`,
          );
          return Number(reader.getRows()[0]![0]);
        };
        const range = async (field: string, b: { lo?: number; hi?: number }) => {
          const min = b.lo === undefined ? undefined : await quantile(field, b.lo);
          let max = b.hi === undefined ? undefined : await quantile(field, b.hi);
          if (min !== undefined && max !== undefined && max < min) max = min;
          return { ...(min !== undefined && { min }), ...(max !== undefined && { max }) };
        };
        const q: InfluencerQuery = {
          region: r.region,
          pageNum: 1,
          pageSize: 2,
          sortField: r.sortField,
          descending: r.descending,
          ranges: {
            [r.fields[0]]: await range(r.fields[0], r.a),
            [r.fields[1]]: await range(r.fields[1], r.b),
          },
        };
        const want = await expected(q);
        for (const loaded of [keyed64, keyed100]) {
          loaded.forgetTotals();
          count.resetCountMethod();
          assert.equal(loaded.search(q).total, want, `total differs for ${JSON.stringify(q)}`);
          methods.add(count.lastCountMethod);
        }
      }),
      { numRuns: 300, seed: 20261203 },
    );
    assert.ok(methods.has('rank-pairs'), `no query counted by rank pairs: ${[...methods].join(', ')}`);
  });

  test('product range counts: any product ids, common or not, and one range of any field, any bounds', async () => {
    const ids = await productIds();
    // The most common ids: unions large enough for the counts to be worth it in these small regions.
    const common = await productIds(8);
    // keyed16 and keyed20 give US product range counts (from 256 buckets' rows), with leftover rows (32 and
    // 40 signatures kept); GB and the default index have none.
    const arb = fc.record({
      ...oneRange('US', 'US', 'US', 'GB'),
      products: fc.oneof(
        fc.subarray(ids, { minLength: 1, maxLength: 6 }),
        fc.subarray(common, { minLength: 2, maxLength: 8 }),
      ),
      // Mostly the union and the range alone (with key conditions, other ways count).
      keys: fc.constantFrom(false, false, false, true),
    });
    const methods = new Set<string>();
    await fc.assert(
      fc.asyncProperty(arb, async (r) => {
        const { gender, salesFlag, showCaseFlag, hasContactEmail, ...alone } = await oneRangeQuery(r);
        const q: InfluencerQuery = {
          ...(r.keys ? { ...alone, gender, salesFlag, showCaseFlag, hasContactEmail } : alone),
          productCategoryIds: r.products,
        };
        await checkLargeRegionTotal(q, 'product-ranges', methods);
      }),
      { numRuns: 200, seed: 20261203 },
    );
    assert.ok(methods.has('US product-ranges'), `no query counted by product range counts: ${[...methods]}`);
    assert.ok(!methods.has('GB product-ranges'), 'GB is too small for product range counts');
  });

  test('product key counts: any product ids, common or not, the key conditions and a code', async () => {
    const ids = await productIds();
    // The most common ids (each region's product byte bits): a union of them alone needs no row read.
    const common = await productIds(5);
    const arb = fc.record({
      region: fc.constantFrom('US', 'ID', 'GB'),
      sortField: fc.integer({ min: 0, max: 11 }).map((n) => n as SortFieldCode),
      products: fc.oneof(
        fc.subarray(ids, { minLength: 1, maxLength: 6 }),
        fc.subarray(common, { minLength: 1, maxLength: 4 }),
      ),
      gender: maybe(fc.constantFrom('male', 'female')),
      salesFlag: maybe(fc.constantFrom<1 | 2 | 3 | 4>(1, 2, 3, 4)),
      showCaseFlag: maybe(fc.constantFrom(0, 1)),
      hasContactEmail: maybe(fc.constantFrom<0 | 1>(0, 1)),
      // None, a common category or language (a table of its own at these bucket sizes), a rare one, or both.
      code: fc.constantFrom<Pick<InfluencerQuery, 'language' | 'category'>>(
        {},
        {},
        { language: 'en' },
        { language: 'es' },
        { language: 'id' },
        { category: 'beauty' },
        { category: 'clothing & accessories' },
        { category: 'pets' },
        { language: 'en', category: 'beauty' },
      ),
    });
    const methods = new Set<string>();
    const withCode = new Set<string>();
    // Product key counts whose leftover rows (signatures not kept: many at these bucket sizes) were tested.
    let leftovers = 0;
    await fc.assert(
      fc.asyncProperty(arb, async (r) => {
        const q: InfluencerQuery = {
          region: r.region,
          pageNum: 1,
          pageSize: 2,
          sortField: r.sortField,
          descending: true,
          ranges: {},
          productCategoryIds: r.products,
          ...(r.gender && { gender: r.gender }),
          ...(r.salesFlag && { salesFlag: r.salesFlag }),
          ...(r.showCaseFlag !== undefined && { showCaseFlag: r.showCaseFlag }),
          ...(r.hasContactEmail !== undefined && { hasContactEmail: r.hasContactEmail }),
          ...r.code,
        };
        const want = await expected(q);
        for (const loaded of [keyed64, keyed100, keyed16]) {
          loaded.forgetTotals();
          count.resetCountMethod();
          assert.equal(loaded.search(q).total, want, `total differs for ${JSON.stringify(q)}`);
          methods.add(count.lastCountMethod);
          if (count.lastCountMethod === 'product-keys' && count.lastCountRows > 0) leftovers++;
          if (Object.keys(r.code).length === 1)
            withCode.add(`${count.lastCountMethod} ${JSON.stringify(r.code)}`);
        }
      }),
      { numRuns: 400, seed: 20261202 },
    );
    assert.ok(
      methods.has('product-keys'),
      `no query counted by product key counts: ${[...methods].join(', ')}`,
    );
    assert.ok(leftovers > 0, 'no product key count tested leftover rows');
    assert.ok(
      [...withCode].some((m) => m.startsWith('product-keys')),
      `no query with a category or language counted by product key counts: ${[...withCode].join(', ')}`,
    );
  });
});
