// The vocabulary endpoints over real HTTP against DuckDB's counts on the snapshot's own rows; freshness
// headers; and the list endpoint's 400 for a category, language or product category that matches nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { SNAPSHOT_ROWS_FILE } from '../../src/snapshot/schema.ts';
import { PRODUCT_CATEGORIES } from '../../src/snapshot/taxonomy.ts';
import {
  LIST,
  SQLITE_BACKEND,
  get,
  listen,
  testSnapshot,
  type TestAccounts,
  type TestServer,
  type TestSnapshot,
} from './support.ts';

let snapshot: TestSnapshot;
let accounts: TestAccounts;
let server: TestServer;
let key: string;
let keyId: string;
/** Rows of a query over the snapshot's parquet, as [value, count] pairs. */
let counts: (sql: string) => Promise<[string, number][]>;
let closeDb: () => void;

before(async () => {
  snapshot = await testSnapshot(2000, 8);
  accounts = await SQLITE_BACKEND.open();
  server = await listen({ index: () => snapshot.index, accounts: accounts.store, limiter: accounts.limiter });
  ({ key, id: keyId } = await accounts.store.createKey({ name: 'vocab', credits: 100, qps: 1000 }));
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const conn = await instance.connect();
  await conn.run(
    `CREATE VIEW rows AS SELECT * FROM read_parquet('${join(snapshot.info.dir, SNAPSHOT_ROWS_FILE)}')`,
  );
  counts = async (sql) =>
    (await conn.runAndReadAll(sql)).getRows().map((r) => [String(r[0]), Number(r[1])] as [string, number]);
  closeDb = () => {
    conn.closeSync();
    instance.closeSync();
  };
});

after(async () => {
  closeDb?.();
  await server?.close();
  await accounts?.cleanup();
  await snapshot?.remove();
});

const data = async <T>(path: string): Promise<T> => {
  const res = await get(`${server.url}${path}`, key);
  assert.equal(res.status, 200, res.text);
  return res.body.data as unknown as T;
};
const asMap = (pairs: [string, number][]) => new Map(pairs);

test('regions, categories, product categories and languages are the snapshot’s own counts', async () => {
  const regions = await data<{ region: string; influencers: number }[]>('/v1/tiktok/meta/regions');
  assert.deepEqual(
    new Map(regions.map((r) => [r.region, r.influencers])),
    asMap(await counts('SELECT region, count(*) FROM rows GROUP BY region')),
  );
  assert.deepEqual(
    regions.map((r) => r.influencers),
    regions.map((r) => r.influencers).sort((a, b) => b - a),
    'largest first',
  );

  const categories = await data<{ name: string; influencers: number }[]>(
    '/v1/tiktok/meta/categories?region=us',
  );
  assert.deepEqual(
    new Map(categories.map((c) => [c.name, c.influencers])),
    asMap(
      await counts(`SELECT category, count(*) FROM rows WHERE region = 'US' AND category <> '' GROUP BY 1`),
    ),
  );
  const everywhere = await data<{ name: string; influencers: number }[]>('/v1/tiktok/meta/categories');
  assert.deepEqual(
    new Map(everywhere.map((c) => [c.name, c.influencers])),
    asMap(await counts(`SELECT category, count(*) FROM rows WHERE category <> '' GROUP BY 1`)),
  );

  const products = await data<{ id: string; name: string; influencers: number }[]>(
    '/v1/tiktok/meta/product-categories',
  );
  assert.deepEqual(
    new Map(products.map((p) => [p.id, p.influencers])),
    asMap(
      await counts(
        'SELECT id, count(*) FROM (SELECT unnest(product_category_ids) AS id FROM rows) GROUP BY id',
      ),
    ),
  );
  const names = new Map(PRODUCT_CATEGORIES.map((c) => [c.id, c.name]));
  for (const p of products) assert.equal(p.name, names.get(p.id), p.id);

  const languages = await data<{ code: string; influencers: number }[]>(
    '/v1/tiktok/meta/languages?region=GB',
  );
  assert.deepEqual(
    new Map(languages.map((l) => [l.code, l.influencers])),
    asMap(
      await counts(
        `SELECT lower(language), count(*) FROM rows WHERE region = 'GB' AND language <> '' GROUP BY 1`,
      ),
    ),
  );
  // Free: nothing was charged.
  assert.equal((await accounts.store.listKeys()).find((k) => k.id === keyId)!.credits, 100);
});

test('every answer names the snapshot and the day it describes', async () => {
  const asOf = snapshot.index.asOf.replaceAll('-', '');
  for (const path of [
    `${LIST}?region=US&page_size=1`,
    '/v1/tiktok/meta/regions',
    `${LIST}?region=US&page_num=0`,
  ]) {
    const res = await get(`${server.url}${path}`, key);
    assert.equal(res.headers.get('x-snapshot-version'), snapshot.index.version, path);
    assert.equal(res.headers.get('x-data-as-of'), asOf, path);
    assert.match(asOf, /^\d{8}$/);
  }
});

test('a category, language or product category that matches nothing is a 400 naming the closest, not charged', async () => {
  const before = (await accounts.store.listKeys()).find((k) => k.id === keyId)!.credits;
  const cases: [string, RegExp][] = [
    [
      'influencer_category_name=beuty',
      /^influencer_category_name "beuty" matches no influencer in this snapshot; closest: "Beauty"/,
    ],
    [
      'influencer_language=english',
      /^influencer_language "english" matches no influencer.*GET \/v1\/tiktok\/meta\/languages\?region=US/,
    ],
    [
      'product_category_id=1,2',
      /^product_category_id "1,2" matches no influencer.*GET \/v1\/tiktok\/meta\/product-categories/,
    ],
  ];
  for (const [qs, message] of cases) {
    const res = await get(`${server.url}${LIST}?region=US&${qs}`, key);
    assert.equal(res.status, 400, qs);
    assert.match(res.body.message, message);
  }
  // A list with one existing id still searches.
  const products = await data<{ id: string }[]>('/v1/tiktok/meta/product-categories');
  assert.equal(
    (await get(`${server.url}${LIST}?region=US&product_category_id=1,${products[0]!.id}`, key)).status,
    200,
  );
  assert.equal((await accounts.store.listKeys()).find((k) => k.id === keyId)!.credits, before - 1);
});
