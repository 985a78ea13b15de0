// buildServingIndex on hand-made snapshots: more than 32 product category ids, wide values, bad input.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import {
  IndexBuildError,
  IndexLoadError,
  buildServingIndex,
  loadServingIndex,
  type InfluencerQuery,
} from '../../src/index/index.ts';
import { SERVED_FIELDS, SNAPSHOT_FIELDS, SNAPSHOT_ROWS_FILE, sqlType } from '../../src/snapshot/schema.ts';
import { beginSnapshot } from '../../src/snapshot/store.ts';
import { canonicalItems, downgradeIndex, fileHashes } from './support.ts';
import { referenceSql } from '../oracle/reference-sql.ts';

let tmp: string;
let db: DuckDBInstance;
let conn: DuckDBConnection;

const DEFAULTS: Record<string, string> = {
  string: "''",
  int: '0',
  number: '0.0',
  string_list: '[]::VARCHAR[]',
};

/** Writes a snapshot parquet from `count` rows; `exprs` override fields (SQL over i = 0..count-1). */
async function writeSnapshot(name: string, count: number, exprs: Record<string, string>): Promise<string> {
  const dir = join(tmp, name);
  await mkdir(dir, { recursive: true });
  const select = SNAPSHOT_FIELDS.map(
    (f) => `CAST(${exprs[f.name] ?? DEFAULTS[f.type]} AS ${sqlType(f.type)}) AS ${f.name}`,
  );
  await conn.run(
    `COPY (SELECT ${select.join(', ')} FROM range(${count}) t(i)) TO '${join(dir, SNAPSHOT_ROWS_FILE)}' (FORMAT parquet)`,
  );
  return dir;
}

/** A committed snapshot (manifest + parquet + index), as the pipeline would produce it. */
async function committedSnapshot(count: number, exprs: Record<string, string>): Promise<string> {
  const draft = await beginSnapshot(join(tmp, 'data'), '2026-11-24');
  const source = await writeSnapshot(`src-${draft.version}`, count, exprs);
  await conn.run(
    `COPY (SELECT * FROM read_parquet('${join(source, SNAPSHOT_ROWS_FILE)}')) TO '${join(draft.dir, SNAPSHOT_ROWS_FILE)}' (FORMAT parquet)`,
  );
  await buildServingIndex(draft.dir);
  const info = await draft.commit({ rows: count, regions: {} });
  return info.dir;
}

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'kolscope-index-build-'));
  db = await DuckDBInstance.create(':memory:', { threads: '2' });
  conn = await db.connect();
});

after(async () => {
  conn?.closeSync();
  db?.closeSync();
  await rm(tmp, { recursive: true, force: true });
});

const served = SERVED_FIELDS.map((f) => `"${f.name}"`).join(', ');

/** `upgraded`: an older format, whose items get product_category_ids from the product mask (canonical). */
async function assertMatches(dir: string, queries: InfluencerQuery[], upgraded = false): Promise<void> {
  const index = await loadServingIndex(dir);
  try {
    for (const q of queries) {
      const expected = (
        await conn.runAndReadAll(referenceSql(q, `read_parquet('${join(dir, SNAPSHOT_ROWS_FILE)}')`, served))
      )
        .getRowObjectsJS()
        .map((r) =>
          Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
        );
      const actual = JSON.parse(index.search(q).dataJson) as Record<string, unknown>[];
      if (upgraded)
        assert.deepEqual(canonicalItems(actual), canonicalItems(expected), `query ${JSON.stringify(q)}`);
      else assert.deepEqual(actual, expected, `query ${JSON.stringify(q)}`);
    }
  } finally {
    index.close();
  }
}

const assertUpgradedMatches = (dir: string, queries: InfluencerQuery[]) => assertMatches(dir, queries, true);

const q = (over: Partial<InfluencerQuery>): InfluencerQuery => ({
  region: 'US',
  pageNum: 1,
  pageSize: 10,
  sortField: 0,
  descending: false,
  ranges: {},
  ...over,
});

describe('buildServingIndex', () => {
  test('more than 32 product category ids, values beyond 2^32, short and long user ids', async () => {
    const dir = await committedSnapshot(600, {
      // ids of 1 to 19 digits, so numeric order differs from text order
      user_id: `CASE WHEN i % 3 = 0 THEN CAST(i + 1 AS VARCHAR) ELSE CAST(6800000000000000000::HUGEINT + i * 7 AS VARCHAR) END`,
      region: `CASE WHEN i % 5 = 0 THEN 'GB' ELSE 'US' END`,
      category: `['Beauty', 'BEAUTY', 'Gaming', ''][1 + i % 4]`,
      language: `CASE WHEN i % 7 = 0 THEN 'EN' ELSE 'en' END`,
      total_followers_cnt: '(i % 13) * 100000', // beyond 2^15
      total_views_cnt: '(i % 11) * 3000000000', // beyond 2^32
      total_digg_cnt: '(i % 9) * 5000000000',
      interaction_rate: '(i % 6) * 0.0125',
      total_product_cnt: '(i % 4)',
      sales_flag: 'i % 5',
      show_case_flag: '(i % 2)',
      // 45 distinct ids: two words of the per-row mask
      product_category_ids: `CASE WHEN i % 4 = 0 THEN []::VARCHAR[] ELSE [CAST(1000 + i % 45 AS VARCHAR), CAST(1000 + (i * 7) % 45 AS VARCHAR)] END`,
    });
    const manifest = JSON.parse(await readFile(join(dir, 'index', 'manifest.json'), 'utf8')) as {
      productCategoryWords: number;
      columns: Record<string, string>;
    };
    assert.equal(manifest.productCategoryWords, 2);
    assert.equal(manifest.columns.total_views_cnt, 'float64');
    assert.equal(manifest.columns.total_followers_cnt, 'int32');
    assert.equal(manifest.columns.total_product_cnt, 'int16');
    const queries: InfluencerQuery[] = [];
    for (const ids of [['1040'], ['1001', '1044'], ['1031', '1032', '1033'], ['1044', 'nope']])
      for (const sortField of [0, 1, 5, 6] as const)
        for (const descending of [false, true])
          queries.push(q({ productCategoryIds: ids, sortField, descending }));
    for (const pageNum of [1, 2, 5, 40]) {
      queries.push(q({ pageNum, sortField: 6, descending: true }));
      queries.push(q({ pageNum, sortField: 5, descending: false, category: 'beauty' }));
      queries.push(
        q({ pageNum, sortField: 1, descending: true, ranges: { total_views_cnt: { min: 6_000_000_000 } } }),
      );
      queries.push(q({ pageNum, sortField: 0, descending: true, language: 'en', salesFlag: 2 }));
      queries.push(
        q({ pageNum, region: 'GB', sortField: 5, ranges: { interaction_rate: { min: 0.025, max: 0.05 } } }),
      );
    }
    queries.push(q({ category: 'BEAUTY' })); // the query side is not lower-cased by the index: SQL finds nothing
    await assertMatches(dir, queries);
  });

  test('an empty string is a category like any other, and an empty snapshot has no regions', async () => {
    const dir = await committedSnapshot(50, { user_id: 'CAST(i + 10 AS VARCHAR)', region: `'US'` });
    await assertMatches(dir, [
      q({ category: '' }),
      q({ category: '', pageNum: 5, pageSize: 10 }),
      q({ region: 'GB' }),
    ]);
    const empty = await committedSnapshot(0, {});
    const index = await loadServingIndex(empty);
    assert.deepEqual(index.regions, []);
    assert.equal(index.search(q({})).dataJson, '[]');
    index.close();
  });

  test('non-ASCII text is served exactly, stored as ASCII JSON (\\u escapes)', async () => {
    const dir = await committedSnapshot(40, {
      user_id: 'CAST(i + 1 AS VARCHAR)',
      region: `'US'`,
      nick_name: `['Zoë ✨', '李小龙', 'plain', 'emoji 😀 and \\"quotes\\"'][i % 4 + 1]`,
      signature: `['línea\nnueva', 'ข้อความ', ''][i % 3 + 1]`,
    });
    await assertMatches(dir, [q({}), q({ pageNum: 2 }), q({ descending: true, pageSize: 7 })]);
    const rows = await readFile(join(dir, 'index', 'r0', 'rows.json'));
    assert.ok(
      rows.every((byte) => byte < 0x80),
      'rows.json holds only ASCII',
    );
    const index = await loadServingIndex(dir);
    const names = (JSON.parse(index.search(q({ pageSize: 4 })).dataJson) as { nick_name: string }[]).map(
      (r) => r.nick_name,
    );
    index.close();
    assert.deepEqual(names, ['Zoë ✨', '李小龙', 'plain', 'emoji 😀 and \\"quotes\\"']);
  });

  test('bad input: a clear error, and no partial index left behind', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ user_id: `CAST(i % 10 AS VARCHAR)`, region: `'US'` }, /user_id is not unique/],
      [{ user_id: `'u' || i`, region: `'US'` }, /not a decimal number/],
      [
        { user_id: `CAST(i + 1 AS VARCHAR)`, region: `'US'`, interaction_rate: `'NaN'::DOUBLE` },
        /NaN.*interaction_rate/,
      ],
    ];
    for (const [i, [exprs, message]] of cases.entries()) {
      const dir = await writeSnapshot(`bad-${i}`, 20, exprs);
      await assert.rejects(
        buildServingIndex(dir),
        (err: Error) => err instanceof IndexBuildError && message.test(err.message),
      );
      assert.deepEqual((await readdir(dir)).sort(), [SNAPSHOT_ROWS_FILE]);
    }
    const missing = join(tmp, 'no-such-snapshot');
    await mkdir(missing, { recursive: true });
    await assert.rejects(buildServingIndex(missing), IndexBuildError);
    await assert.rejects(loadServingIndex(missing), IndexLoadError);
  });

  test('a format-1 index (no packed attributes) is upgraded in memory when loaded, its files untouched', async () => {
    const dir = await committedSnapshot(3000, {
      user_id: `CAST(i * 7 + 1 AS VARCHAR)`,
      region: `'US'`,
      gender: `['Male', 'female', ''][i % 3 + 1]`,
      language: `['en', 'ES'][i % 2 + 1]`,
      category: `['Beauty', 'gaming', 'pets', 'baby'][i % 4 + 1]`,
      sales_flag: `i % 5`,
      show_case_flag: `i % 7 % 2`,
      total_followers_cnt: `(i * 37) % 1000`,
    });
    // Make it what an earlier build wrote: no attribute files, no layout, no gender counts.
    await downgradeIndex(dir, 1);
    const before = await fileHashes(dir);
    await assertUpgradedMatches(dir, [
      q({ gender: 'male', sortField: 1, descending: true, pageNum: 3 }),
      q({ language: 'es', salesFlag: 1, sortField: 1 }),
      q({ category: 'pets', showCaseFlag: 0, sortField: 1, descending: true, pageNum: 2 }),
      q({ salesFlag: 4, gender: '', pageNum: 5 }),
    ]);
    assert.deepEqual(await fileHashes(dir), before);
  });

  test('a format-2 index (no rank or product files) is upgraded in memory when loaded, its files untouched', async () => {
    const dir = await committedSnapshot(3000, {
      user_id: `CAST(i * 7 + 1 AS VARCHAR)`,
      region: `['US', 'GB'][i % 2 + 1]`,
      gender: `['Male', 'female', ''][i % 3 + 1]`,
      sales_flag: `i % 5`,
      total_followers_cnt: `(i * 37) % 1000`,
      total_followers_30d_cnt: `(i * 13) % 50`,
      interaction_rate: `((i * 17) % 100) / 1000.0`,
      total_views_cnt: `(i * 101) % 5000`,
      product_category_ids: `CASE WHEN i % 3 = 0 THEN ['p' || (i % 11), 'p' || (i % 4)] ELSE [] END`,
    });
    await downgradeIndex(dir, 2);
    const before = await fileHashes(dir);
    await assertUpgradedMatches(dir, [
      q({ sortField: 2, descending: true, pageNum: 20, ranges: { interaction_rate: { min: 0.05 } } }),
      q({
        sortField: 1,
        pageNum: 7,
        ranges: { total_views_cnt: { max: 2000 }, interaction_rate: { max: 0.03 } },
      }),
      q({ region: 'GB', sortField: 5, descending: true, ranges: { total_followers_cnt: { min: 500 } } }),
      q({ sortField: 2, descending: true, pageNum: 3, productCategoryIds: ['p3', 'p9'] }),
      q({
        sortField: 1,
        pageNum: 2,
        productCategoryIds: ['p1'],
        ranges: { interaction_rate: { min: 0.02 } },
      }),
    ]);
    assert.deepEqual(await fileHashes(dir), before);
  });
});
