// The detail endpoint over real HTTP: random batches of user ids and handles (existing or not, any case,
// with or without @) answered exactly as DuckDB reads them from the snapshot's parquet, in the order asked;
// the parameter rules as 400s. Keys, credits and the envelope are the shared route suite's (route-suite.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { SERVED_FIELDS, SNAPSHOT_ROWS_FILE } from '../../src/snapshot/schema.ts';
import {
  SQLITE_BACKEND,
  get,
  listen,
  testSnapshot,
  type Envelope,
  type TestAccounts,
  type TestServer,
  type TestSnapshot,
} from './support.ts';

const DETAIL = '/v1/tiktok/influencer/detail';

let snapshot: TestSnapshot;
let accounts: TestAccounts;
let server: TestServer;
let db: DuckDBInstance;
let conn: DuckDBConnection;
let key: string;
/** Every influencer of the snapshot: user id and handle. */
let known: { userId: string; handle: string }[] = [];

before(async () => {
  snapshot = await testSnapshot(3000, 7);
  accounts = await SQLITE_BACKEND.open();
  server = await listen({ index: () => snapshot.index, accounts: accounts.store, limiter: accounts.limiter });
  key = (await accounts.store.createKey({ name: 'detail', credits: 1_000_000, qps: 1_000_000 })).key;
  db = await DuckDBInstance.create(':memory:', { threads: '1' });
  conn = await db.connect();
  const parquet = join(snapshot.info.dir, SNAPSHOT_ROWS_FILE).replace(/'/g, "''");
  await conn.run(`CREATE TABLE rows AS SELECT * FROM read_parquet('${parquet}')`);
  known = (await conn.runAndReadAll('SELECT user_id, unique_id FROM rows')).getRows().map((r) => ({
    userId: String(r[0]),
    handle: String(r[1]),
  }));
});

after(async () => {
  await server?.close();
  conn?.closeSync();
  db?.closeSync();
  await accounts?.cleanup();
  await snapshot?.remove();
});

async function inject(qs: string): Promise<{ status: number; body: Envelope }> {
  const res = await server.app.inject({
    url: `${DETAIL}?${qs}`,
    headers: { authorization: `Bearer ${key}` },
  });
  return { status: res.statusCode, body: res.json<Envelope>() };
}

/** The served items of the rows whose `column` matches each value, in the order of the values. */
async function expected(column: 'user_id' | 'unique_id', values: string[]): Promise<unknown[]> {
  const out: unknown[] = [];
  const columns = SERVED_FIELDS.map((f) => `"${f.name}"`).join(', ');
  for (const value of values) {
    const test =
      column === 'user_id' ? `user_id = '${value}'` : `lower(unique_id) = '${value.toLowerCase()}'`;
    const rows = (await conn.runAndReadAll(`SELECT ${columns} FROM rows WHERE ${test}`)).getRowObjectsJS();
    out.push(
      ...rows.map((row) =>
        Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
      ),
    );
  }
  return out;
}

const mixedCase = (s: string, flips: boolean[]) =>
  [...s].map((c, i) => (flips[i % flips.length] ? c.toUpperCase() : c)).join('');

test('random batches of user ids: the items found, in the order asked', async () => {
  let found = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.uniqueArray(
        fc.oneof(
          fc.nat(known.length - 1).map((i) => known[i]!.userId),
          fc.bigInt({ min: 1n, max: 10n ** 19n }).map(String),
        ),
        { minLength: 1, maxLength: 10 },
      ),
      async (ids) => {
        const { status, body } = await inject(`user_id=${ids.join(',')}`);
        assert.equal(status, 200, body.message);
        const want = await expected('user_id', ids);
        assert.deepEqual(body.data, want, ids.join(','));
        found += want.length;
      },
    ),
    { numRuns: 60, seed: 9 },
  );
  assert.ok(found > 60, `only ${found} influencers found in all`);
});

test('random batches of handles: case-insensitive, a leading @ accepted, in the order asked', async () => {
  let found = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.uniqueArray(
        fc.oneof(
          fc.nat(known.length - 1).map((i) => known[i]!.handle),
          fc.stringMatching(/^[a-z0-9_.]{1,20}$/),
        ),
        { minLength: 1, maxLength: 10, selector: (h) => h.toLowerCase() },
      ),
      fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
      fc.boolean(),
      async (handles, flips, at) => {
        const asked = handles.map((h, i) => `${at && i % 2 === 0 ? '@' : ''}${mixedCase(h, flips)}`);
        const { status, body } = await inject(`unique_id=${encodeURIComponent(asked.join(','))}`);
        assert.equal(status, 200, body.message);
        const want = await expected('unique_id', handles);
        assert.deepEqual(body.data, want, asked.join(','));
        found += want.length;
      },
    ),
    { numRuns: 60, seed: 11 },
  );
  assert.ok(found > 60, `only ${found} influencers found in all`);
});

test('nothing found is an empty array (a 200); items carry the list item fields', async () => {
  const none = await inject('user_id=1,2,3');
  assert.equal(none.status, 200);
  assert.deepEqual(none.body.data, []);
  const one = await get(`${server.url}${DETAIL}?user_id=${known[5]!.userId}`, key);
  assert.equal(one.status, 200);
  assert.deepEqual(
    Object.keys(one.body.data![0]!),
    SERVED_FIELDS.map((f) => f.name),
  );
});

test('parameter rules: exactly one of user_id and unique_id, at most 10 values', async () => {
  const cases: [string, string][] = [
    ['', 'Missing required parameter: user_id or unique_id'],
    ['user_id=1&unique_id=a', 'give either user_id or unique_id, not both'],
    ['user_id=1,2,3,4,5,6,7,8,9,10,11', 'user_id accepts at most 10 ids'],
    ['unique_id=a,b,c,d,e,f,g,h,i,j,k', 'unique_id accepts at most 10 handles'],
    ['user_id=abc', 'user_id must be one decimal id or a comma-separated list of decimal ids, got "abc"'],
    ['unique_id=a,,b', 'unique_id must be one handle or a comma-separated list of handles'],
  ];
  for (const [qs, message] of cases) {
    const { status, body } = await inject(qs);
    assert.equal(status, 400, qs);
    assert.ok(body.message.startsWith(message), `${qs}: ${body.message}`);
  }
});
