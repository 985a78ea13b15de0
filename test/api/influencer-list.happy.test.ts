// The list endpoint answering valid requests: envelope, headers, every parameter, and random valid queries
// checked row for row (full rows) against DuckDB running the reference SQL over the snapshot's parquet.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FILTERS, SORTS } from '../../src/api/endpoints/influencer-list.ts';
import type { InfluencerQuery, RangeField } from '../../src/index/query.ts';
import { SERVED_FIELDS } from '../../src/snapshot/schema.ts';
import {
  LIST,
  SQLITE_BACKEND,
  UUID,
  duckdbOracle,
  get,
  listen,
  testSnapshot,
  type Envelope,
  type TestAccounts,
  type TestServer,
  type TestSnapshot,
} from './support.ts';

let snapshot: TestSnapshot;
let accounts: TestAccounts;
let server: TestServer;
let oracle: Awaited<ReturnType<typeof duckdbOracle>>;
let key: string;
let keyId: string;

before(async () => {
  snapshot = await testSnapshot(3000, 7);
  accounts = await SQLITE_BACKEND.open();
  oracle = await duckdbOracle(snapshot.info.dir);
  server = await listen({ index: () => snapshot.index, accounts: accounts.store, limiter: accounts.limiter });
  const created = await accounts.store.createKey({ name: 'happy', credits: 1_000_000, qps: 1_000_000 });
  key = created.key;
  keyId = created.id;
});

after(async () => {
  await server?.close();
  oracle?.close();
  await accounts?.cleanup();
  await snapshot?.remove();
});

async function inject(qs: string): Promise<{ status: number; body: Envelope; total: number }> {
  const res = await server.app.inject({ url: `${LIST}?${qs}`, headers: { authorization: `Bearer ${key}` } });
  return { status: res.statusCode, body: res.json<Envelope>(), total: Number(res.headers['x-total-count']) };
}

const base = (): InfluencerQuery => ({
  region: 'US',
  pageNum: 1,
  pageSize: 10,
  sortField: 0,
  descending: false,
  ranges: {},
});

test('a 200 is the seed envelope with served rows, a request id and the credit/limit headers', async () => {
  const before = (await accounts.store.listKeys()).find((k) => k.id === keyId)!.credits;
  const res = await get(`${server.url}${LIST}?region=US&page_size=3`, key);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type')!, /^application\/json/);
  assert.deepEqual(Object.keys(res.body), ['code', 'message', 'data', 'requestId']);
  assert.equal(res.body.code, 0);
  assert.equal(res.body.message, 'success');
  assert.match(res.body.requestId, UUID);
  assert.equal(res.headers.get('x-request-id'), res.body.requestId);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(res.body.data!.length, 3);
  for (const row of res.body.data!)
    assert.deepEqual(
      Object.keys(row),
      SERVED_FIELDS.map((f) => f.name),
    );
  assert.equal(Number(res.headers.get('x-credits-remaining')), before - 1);
  assert.equal(res.headers.get('x-ratelimit-limit'), '1000000');
  assert.ok(Number(res.headers.get('x-ratelimit-remaining')) >= 0, 'x-ratelimit-remaining');
  // Seconds until the one-second window resets, rounded up: never more than the window.
  assert.ok(
    ['0', '1'].includes(res.headers.get('x-ratelimit-reset')!),
    `reset ${res.headers.get('x-ratelimit-reset')}`,
  );
  // The debit is in the ledger under the request id the client received.
  const ledger = await accounts.ledger(keyId);
  assert.ok(
    ledger.some((r) => r.requestId === res.body.requestId && r.reason === 'debit' && r.delta === -1),
    `debit of ${res.body.requestId} in ${JSON.stringify(ledger)}`,
  );
});

test('served field types follow the snapshot schema (interaction_rate a fraction, seller_id never null)', async () => {
  const { body } = await inject('region=US&influencer_sort_field_v2=5&sort_type=1&page_size=10');
  for (const row of body.data!) {
    for (const f of SERVED_FIELDS) {
      const v = row[f.name];
      if (f.type === 'int') assert.ok(Number.isSafeInteger(v), `${f.name} integer`);
      else if (f.type === 'number') assert.equal(typeof v, 'number', `${f.name} number`);
      else if (f.type === 'string_list')
        assert.ok(Array.isArray(v) && v.every((id) => typeof id === 'string'), `${f.name} list`);
      else assert.equal(typeof v, 'string', `${f.name} string`);
    }
    assert.ok((row.interaction_rate as number) >= 0 && (row.interaction_rate as number) < 10);
  }
});

/** The parameters exercised one by one, each with the query the server must answer. */
const ONE_BY_ONE: [string, InfluencerQuery][] = [
  ['region=gb', { ...base(), region: 'GB' }],
  ['region=US&page_num=2&page_size=5', { ...base(), pageNum: 2, pageSize: 5 }],
  ['region=US&influencer_sort_field_v2=1&sort_type=1', { ...base(), sortField: 1, descending: true }],
  ['region=US&influencer_sort_field_v2=2', { ...base(), sortField: 2 }],
  ['region=US&influencer_sort_field_v2=3&sort_type=1', { ...base(), sortField: 3, descending: true }],
  ['region=US&influencer_sort_field_v2=4&sort_type=1', { ...base(), sortField: 4, descending: true }],
  ['region=US&influencer_sort_field_v2=5', { ...base(), sortField: 5 }],
  ['region=US&influencer_sort_field_v2=6&sort_type=1', { ...base(), sortField: 6, descending: true }],
  ['region=US&sort_type=1', { ...base(), descending: true }],
  ['region=US&product_category_id=601450,602284', { ...base(), productCategoryIds: ['601450', '602284'] }],
  ['region=US&influencer_category_name=BEAUTY', { ...base(), category: 'beauty' }],
  [
    'region=US&influencer_category_name=Home%2C%20Furniture%20%26%20Appliances',
    { ...base(), category: 'home, furniture & appliances' },
  ],
  ['region=US&influencer_language=ES', { ...base(), language: 'es' }],
  ['region=US&gender=female', { ...base(), gender: 'female' }],
  ['region=US&show_case_flag=1', { ...base(), showCaseFlag: 1 }],
  ['region=US&show_case_flag=0', { ...base(), showCaseFlag: 0 }],
  ...[0, 1, 2, 3, 4].map((f): [string, InfluencerQuery] => [
    `region=US&sales_flag=${f}`,
    { ...base(), salesFlag: f as InfluencerQuery['salesFlag'] },
  ]),
  [
    'region=US&min_total_followers_cnt=10000&max_total_followers_cnt=200000',
    { ...base(), ranges: { total_followers_cnt: { min: 10000, max: 200000 } } },
  ],
  ['region=US&min_total_digg_cnt=1000', { ...base(), ranges: { total_digg_cnt: { min: 1000 } } }],
  [
    'region=US&min_interaction_rate=0.02&max_interaction_rate=0.08',
    { ...base(), ranges: { interaction_rate: { min: 0.02, max: 0.08 } } },
  ],
  ['region=US&max_total_views_cnt=100000', { ...base(), ranges: { total_views_cnt: { max: 100000 } } }],
  ['region=US&min_total_views_7d_cnt=100', { ...base(), ranges: { total_views_7d_cnt: { min: 100 } } }],
  [
    'region=US&min_per_video_product_views_avg_cnt=1',
    { ...base(), ranges: { per_video_product_views_avg_cnt: { min: 1 } } },
  ],
  [
    'region=US&max_per_video_product_views_avg_7d_cnt=500',
    { ...base(), ranges: { per_video_product_views_avg_7d_cnt: { max: 500 } } },
  ],
  ['region=US&page_num=10000', { ...base(), pageNum: 10000 }],
  ...[7, 8, 9, 10, 11].flatMap((code): [string, InfluencerQuery][] => [
    [
      `region=US&influencer_sort_field_v2=${code}&sort_type=1`,
      { ...base(), sortField: code as 7, descending: true },
    ],
    [
      `region=GB&influencer_sort_field_v2=${code}&page_num=3`,
      { ...base(), region: 'GB', sortField: code as 7, pageNum: 3 },
    ],
  ]),
  [
    'region=US&min_total_sale_gmv_30d_amt=100.5&max_total_sale_gmv_30d_amt=50000',
    { ...base(), ranges: { total_sale_gmv_30d_amt: { min: 100.5, max: 50000 } } },
  ],
  [
    'region=US&min_total_followers_30d_cnt=-500&max_total_followers_30d_cnt=%2B2000',
    { ...base(), ranges: { total_followers_30d_cnt: { min: -500, max: 2000 } } },
  ],
  [
    'region=US&max_total_followers_30d_cnt=-1',
    { ...base(), ranges: { total_followers_30d_cnt: { max: -1 } } },
  ],
  ['region=US&min_ec_score=2.5&max_ec_score=4', { ...base(), ranges: { ec_score: { min: 2.5, max: 4 } } }],
  ['region=US&has_contact_email=1', { ...base(), hasContactEmail: 1 }],
  [
    'region=US&has_contact_email=0&influencer_sort_field_v2=7&sort_type=1',
    { ...base(), hasContactEmail: 0, sortField: 7, descending: true },
  ],
];

test('every parameter filters, sorts and pages exactly as the reference SQL', async () => {
  let nonEmpty = 0;
  for (const [qs, query] of ONE_BY_ONE) {
    const { status, body, total } = await inject(qs);
    assert.equal(status, 200, `${qs}: ${body.message}`);
    const expected = await oracle.rows(query);
    assert.deepEqual(body.data, expected, qs);
    assert.equal(total, await oracle.total(query), `X-Total-Count of ${qs}`);
    if (expected.length > 0) nonEmpty++;
  }
  // The cases must actually select rows (the synthetic snapshot has every kind of influencer).
  assert.ok(nonEmpty >= ONE_BY_ONE.length - 2, `${nonEmpty} of ${ONE_BY_ONE.length} cases returned rows`);
});

test('past the last page: an empty page, still a 200', async () => {
  const { status, body } = await inject('region=US&page_num=10000&page_size=10');
  assert.equal(status, 200);
  assert.deepEqual(body.data, []);
});

// Random valid queries over the contract's filters and sorts, with values drawn where the data is (for the
// fields listed here; others get COUNT_VALUES), so that most pages are not empty.
const COUNT_VALUES = [0, 1, 10, 100, 1000, 10000, 100000];
const RANGE_VALUES: Partial<Record<RangeField, number[]>> = {
  total_followers_cnt: [0, 500, 1000, 5000, 20000, 100000, 1000000],
  total_digg_cnt: [0, 100, 10000, 100000, 1000000],
  interaction_rate: [0, 0.01, 0.02, 0.035, 0.05, 0.08, 0.15],
  total_views_cnt: [0, 1000, 100000, 1000000, 10000000],
  total_views_7d_cnt: [0, 10, 1000, 10000],
  per_video_product_views_avg_cnt: [0, 1, 100, 1000],
  per_video_product_views_avg_7d_cnt: [0, 1, 50, 500],
  total_sale_gmv_30d_amt: [0, 0.5, 100, 2500.75, 50000],
  total_followers_30d_cnt: [-1000, -1, 0, 10, 1000, 50000],
  ec_score: [0, 0.25, 1, 2.5, 4.1],
};

const randomCase = (s: string) =>
  fc
    .array(fc.boolean(), { minLength: s.length, maxLength: s.length })
    .map((up) => [...s].map((c, i) => (up[i] ? c.toUpperCase() : c.toLowerCase())).join(''));

/** Absent three times out of four, so that combined filters still leave rows to compare. */
const sometimes = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> =>
  fc.oneof({ arbitrary: fc.constant(null), weight: 3 }, { arbitrary: arb, weight: 1 });

const validRequest = fc
  .record(
    {
      region: fc.constantFrom('US', 'us', 'GB', 'ID', 'Br', 'DE'),
      pageNum: fc.oneof(
        { arbitrary: fc.integer({ min: 1, max: 3 }), weight: 8 },
        { arbitrary: fc.integer({ min: 1, max: 10000 }), weight: 1 },
      ),
      pageSize: fc.integer({ min: 1, max: 10 }),
      sortField: fc.constantFrom(...SORTS.map((s) => s.code)),
      descending: fc.boolean(),
      ranges: fc.array(
        fc.record({
          field: fc.constantFrom(...FILTERS.flatMap((f) => (f.range ? [f.range] : []))),
          a: fc.nat(6),
          b: sometimes(fc.nat(6)),
        }),
        { maxLength: 1 },
      ),
      productCategoryIds: sometimes(
        fc.uniqueArray(fc.constantFrom('601450', '601152', '824328', '600001', '605248', '2344592'), {
          minLength: 1,
          maxLength: 3,
        }),
      ),
      category: sometimes(
        fc.constantFrom('Beauty', 'Gaming', 'Home, Furniture & Appliances', 'Pets').chain(randomCase),
      ),
      language: sometimes(fc.constantFrom('en', 'es', 'id', 'pt').chain(randomCase)),
      gender: sometimes(fc.constantFrom('male', 'female', 'FEMALE')),
      showCaseFlag: sometimes(fc.integer({ min: 0, max: 1 })),
      salesFlag: sometimes(fc.integer({ min: 0, max: 4 })),
      hasContactEmail: sometimes(fc.integer({ min: 0, max: 1 })),
    },
    { requiredKeys: ['region', 'pageNum', 'pageSize', 'sortField', 'descending', 'ranges'] },
  )
  .map((r) => {
    const params = new URLSearchParams({ region: r.region });
    const region = r.region.toUpperCase();
    const ranges: Partial<Record<RangeField, { min?: number; max?: number }>> = {};
    for (const { field, a, b } of r.ranges) {
      if (ranges[field]) continue; // each parameter at most once
      const values = RANGE_VALUES[field] ?? COUNT_VALUES;
      const lo = values[Math.min(a, values.length - 1)]!;
      const hi =
        b === null || b === undefined ? undefined : values[Math.min(Math.max(a, b), values.length - 1)]!;
      params.set(`min_${field}`, String(lo));
      if (hi !== undefined) params.set(`max_${field}`, String(hi));
      ranges[field] = hi === undefined ? { min: lo } : { min: lo, max: hi };
    }
    if (r.pageNum !== 1 || r.pageSize % 2 === 0) params.set('page_num', String(r.pageNum));
    if (r.pageSize !== 10 || r.pageNum % 2 === 0) params.set('page_size', String(r.pageSize));
    if (r.sortField !== 0) params.set('influencer_sort_field_v2', String(r.sortField));
    if (r.descending) params.set('sort_type', '1');
    let query: InfluencerQuery = {
      region,
      pageNum: r.pageNum,
      pageSize: r.pageSize,
      sortField: r.sortField as InfluencerQuery['sortField'],
      descending: r.descending,
      ranges,
    };
    if (r.productCategoryIds) {
      params.set('product_category_id', r.productCategoryIds.join(','));
      query = { ...query, productCategoryIds: r.productCategoryIds };
    }
    if (r.category) {
      params.set('influencer_category_name', r.category);
      query = { ...query, category: r.category.toLowerCase() };
    }
    if (r.language) {
      params.set('influencer_language', r.language);
      query = { ...query, language: r.language.toLowerCase() };
    }
    if (r.gender && region === 'US') {
      params.set('gender', r.gender);
      query = { ...query, gender: r.gender.toLowerCase() };
    }
    if (r.showCaseFlag !== null && r.showCaseFlag !== undefined) {
      params.set('show_case_flag', String(r.showCaseFlag));
      query = { ...query, showCaseFlag: r.showCaseFlag };
    }
    if (r.salesFlag !== null && r.salesFlag !== undefined) {
      params.set('sales_flag', String(r.salesFlag));
      query = { ...query, salesFlag: r.salesFlag as InfluencerQuery['salesFlag'] };
    }
    if (r.hasContactEmail !== null && r.hasContactEmail !== undefined) {
      params.set('has_contact_email', String(r.hasContactEmail));
      query = { ...query, hasContactEmail: r.hasContactEmail as 0 | 1 };
    }
    return { qs: params.toString(), query };
  });

test('random valid queries return exactly what DuckDB returns for the reference SQL', async () => {
  let rows = 0;
  await fc.assert(
    fc.asyncProperty(validRequest, async ({ qs, query }) => {
      const { status, body, total } = await inject(qs);
      assert.equal(status, 200, `${qs}: ${body.message}`);
      const expected = await oracle.rows(query);
      assert.deepEqual(body.data, expected, qs);
      assert.equal(total, await oracle.total(query), `X-Total-Count of ${qs}`);
      rows += expected.length;
    }),
    { numRuns: 150, seed: 20261124 },
  );
  assert.ok(rows > 150, `the random queries selected ${rows} rows in all`);
});

test('repeated queries (served from the page cache) are still charged one credit each', async () => {
  const credits = async () => (await accounts.store.listKeys()).find((k) => k.id === keyId)!.credits;
  const start = await credits();
  const first = await inject('region=US&influencer_sort_field_v2=1&sort_type=1');
  assert.ok(first.total > 10, 'X-Total-Count of a cached page');
  for (let i = 0; i < 4; i++) {
    const again = await inject('region=US&influencer_sort_field_v2=1&sort_type=1');
    assert.deepEqual(again.body.data, first.body.data);
    assert.equal(again.total, first.total);
  }
  assert.equal(await credits(), start - 5);
});

test('service routes: healthz, openapi.json, docs, metrics', async () => {
  const health = await get(`${server.url}/healthz`);
  assert.equal(health.status, 200);
  assert.deepEqual(health.body.data, {
    status: 'ok',
    snapshot: {
      version: snapshot.index.version,
      asOf: snapshot.index.asOf,
      regions: [...snapshot.index.regions],
    },
  });
  const doc = await fetch(`${server.url}/openapi.json`);
  assert.equal(doc.status, 200);
  assert.equal(((await doc.json()) as { openapi: string }).openapi, '3.0.3');
  const docs = await fetch(`${server.url}/docs`);
  assert.equal(docs.status, 200);
  assert.match(docs.headers.get('content-type')!, /^text\/html/);
  assert.match(docs.headers.get('content-security-policy')!, /default-src 'none'/);
  assert.match(await docs.text(), /<main id="reference"/); // the built page (dist/web, npm install's prepare)
  const metrics = await fetch(`${server.url}/metrics`);
  const text = await metrics.text();
  assert.match(
    text,
    /kolscope_http_requests_total\{route="\/v1\/tiktok\/influencer\/list\/analytics",status="200"\} \d+/,
  );
  assert.match(text, /kolscope_credits_debited_total \d+/);
  assert.match(
    text,
    new RegExp(`kolscope_snapshot_info\\{version="${snapshot.index.version.replace('.', '\\.')}"`),
  );
  assert.match(text, /kolscope_http_request_duration_seconds_bucket/);
});

test('with METRICS_TOKEN set, /metrics answers only requests that carry it', async () => {
  const token = 'mt_9f2c41d7e6b3';
  const guarded = await listen({
    index: () => snapshot.index,
    accounts: accounts.store,
    limiter: accounts.limiter,
    metricsToken: token,
  });
  try {
    for (const authorization of [undefined, `Bearer ${key}`, `Bearer ${token}x`, token]) {
      const res = await fetch(`${guarded.url}/metrics`, {
        ...(authorization !== undefined && { headers: { authorization } }),
      });
      assert.equal(res.status, 401, `authorization ${String(authorization)}`);
      const body = (await res.json()) as Envelope;
      assert.equal(body.code, 401);
      assert.match(body.message, /metrics token is missing or wrong/);
      assert.match(body.requestId, UUID);
    }
    const ok = await fetch(`${guarded.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /kolscope_http_requests_total/);
    // The token guards /metrics only: health and the endpoint are unchanged.
    assert.equal((await fetch(`${guarded.url}/healthz`)).status, 200);
  } finally {
    await guarded.close();
  }
});
