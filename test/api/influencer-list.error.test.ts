// The list endpoint's failures: every 400 names its parameter, random invalid queries never reach a 500,
// 503 before the first snapshot, 500 without internals (and refunded), 404 in the envelope, and the
// error catalogue documented in docs/api.md and the OpenAPI document.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { API_ERRORS } from '../../src/api/errors.ts';
import { openApiDocument } from '../../src/api/openapi.ts';
import { INFLUENCER_LIST_PARAMETERS } from '../../src/api/endpoints/influencer-list.ts';
import { SERVED_FIELDS } from '../../src/snapshot/schema.ts';
import type { ServingIndex } from '../../src/index/types.ts';
import {
  LIST,
  SQLITE_BACKEND,
  UUID,
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
let key: string;
let keyId: string;
let served: ServingIndex | null;
const logLines: string[] = [];

before(async () => {
  snapshot = await testSnapshot(1000, 3);
  accounts = await SQLITE_BACKEND.open();
  served = snapshot.index;
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  server = await listen({
    index: () => served,
    accounts: accounts.store,
    limiter: accounts.limiter,
    logger: { level: 'info', stream },
  });
  const created = await accounts.store.createKey({ name: 'errors', credits: 1000, qps: 1_000_000 });
  key = created.key;
  keyId = created.id;
});

after(async () => {
  await server?.close();
  await accounts?.cleanup();
  await snapshot?.remove();
});

const credits = async () => (await accounts.store.listKeys()).find((k) => k.id === keyId)!.credits;

async function inject(qs: string): Promise<{ status: number; body: Envelope }> {
  const res = await server.app.inject({ url: `${LIST}?${qs}`, headers: { authorization: `Bearer ${key}` } });
  return { status: res.statusCode, body: res.json<Envelope>() };
}

/** Query string → the exact message of its 400. */
const BAD_REQUESTS: [string, string][] = [
  ['', 'Missing required parameter: region'],
  ['region=', 'Missing required parameter: region'],
  ['region=USA', 'region must be a two-letter region code such as US, got "USA"'],
  ['region=ZZ', 'region ZZ is not served by this replica; it serves only: '],
  ['region=US&page_size=11', 'page_size must be an integer between 1 and 10, got "11"'],
  ['region=US&page_size=0', 'page_size must be an integer between 1 and 10, got "0"'],
  ['region=US&page_size=1.5', 'page_size must be an integer between 1 and 10, got "1.5"'],
  ['region=US&page_num=10001', 'page_num must be an integer between 1 and 10000, got "10001"'],
  ['region=US&page_num=1e3', 'page_num must be an integer between 1 and 10000, got "1e3"'],
  ['region=US&page_num=%201', 'page_num must be an integer between 1 and 10000, got " 1"'],
  ['region=US&page_num=abc', 'page_num must be an integer between 1 and 10000, got "abc"'],
  [
    'region=US&influencer_sort_field_v2=12',
    'influencer_sort_field_v2 must be an integer between 0 and 11, got "12"',
  ],
  ['region=US&sort_type=-1', 'sort_type must be 0 (ascending) or 1 (descending), got "-1"'],
  [
    'region=US&min_total_followers_cnt=-1',
    'min_total_followers_cnt must be a non-negative integer (0 to 9007199254740991), got "-1"',
  ],
  [
    'region=US&max_total_digg_cnt=99999999999999999999',
    'max_total_digg_cnt must be a non-negative integer (0 to 9007199254740991), got "99999999999999999999"',
  ],
  [
    'region=US&min_interaction_rate=5%25',
    'min_interaction_rate must be a non-negative decimal number, a fraction (0.05 = 5 %), got "5%"',
  ],
  [
    'region=US&min_total_views_cnt=10&max_total_views_cnt=9',
    'min_total_views_cnt must not be greater than max_total_views_cnt',
  ],
  [
    'region=US&max_interaction_rate=5',
    'max_interaction_rate must be a fraction from 0 to 1 (0.05 = 5 %), not a percentage, got "5"',
  ],
  [
    'region=US&min_interaction_rate=1.01',
    'min_interaction_rate must be a fraction from 0 to 1 (0.05 = 5 %), not a percentage, got "1.01"',
  ],
  [
    'region=US&min_total_followers_30d_cnt=1.5',
    'min_total_followers_30d_cnt must be an integer, optionally signed (-500), without decimals or exponent, got "1.5"',
  ],
  [
    'region=US&min_total_followers_30d_cnt=--5',
    'min_total_followers_30d_cnt must be an integer, optionally signed (-500), without decimals or exponent, got "--5"',
  ],
  [
    'region=US&min_total_sale_gmv_30d_amt=-1',
    'min_total_sale_gmv_30d_amt must be a non-negative decimal number, got "-1"',
  ],
  ['region=US&min_ec_score=3&max_ec_score=2', 'min_ec_score must not be greater than max_ec_score'],
  ['region=US&has_contact_email=2', 'has_contact_email must be 0 or 1, got "2"'],
  ['region=GB&gender=male', 'gender is only available for region US, not GB'],
  ['region=US&gender=x', 'gender must be male or female, got "x"'],
  [
    'region=US&product_category_id=1;2',
    'product_category_id must be one decimal id or a comma-separated list of decimal ids, got "1;2"',
  ],
  ['region=US&show_case_flag=yes', 'show_case_flag must be 0 or 1, got "yes"'],
  ['region=US&sales_flag=9', 'sales_flag must be an integer between 0 and 4, got "9"'],
  ['region=US&apiKey=abc', 'Unknown parameter: apiKey'],
  ['region=US&page_num=1&page_num=2', 'Parameter given more than once: page_num'],
];

test('every invalid parameter is a 400 envelope naming it, over real HTTP, and costs nothing', async () => {
  const start = await credits();
  for (const [qs, message] of BAD_REQUESTS) {
    const res = await get(`${server.url}${LIST}?${qs}`, key);
    assert.equal(res.status, 400, qs);
    assert.deepEqual(Object.keys(res.body).sort(), ['code', 'data', 'message', 'requestId']);
    assert.equal(res.body.code, 400);
    assert.equal(res.body.data, null);
    assert.match(res.body.requestId, UUID);
    assert.equal(res.headers.get('x-request-id'), res.body.requestId);
    if (message.endsWith(': ')) assert.ok(res.body.message.startsWith(message), `${qs}: ${res.body.message}`);
    else assert.equal(res.body.message, message, qs);
  }
  assert.equal(await credits(), start);
  assert.deepEqual(
    (await accounts.ledger(keyId)).filter((r) => r.reason === 'debit'),
    [],
    'no debit for a 400',
  );
});

const PARAMETER_NAMES = INFLUENCER_LIST_PARAMETERS.map((p) => p.name);
const junk = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '-1',
    '1.5',
    '1e3',
    'abc',
    '0x1',
    '99999999999999999999',
    '%',
    '\u0000',
    'NaN',
    ',',
  ),
  fc.string({ maxLength: 12 }),
  fc.integer({ min: -5, max: 20_000 }).map(String),
);
const invalidRequest = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom(...PARAMETER_NAMES), fc.constantFrom('page', 'limit', 'q', 'Region')),
      junk,
    ),
    { minLength: 1, maxLength: 5 },
  )
  .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'));

test('random invalid queries get a 400 naming a parameter, never a 500', async () => {
  let rejected = 0;
  await fc.assert(
    fc.asyncProperty(invalidRequest, async (qs) => {
      const { status, body } = await inject(qs);
      assert.ok(status === 200 || status === 400, `${qs} → ${status} ${body.message}`);
      if (status === 400) {
        rejected++;
        const named = [...PARAMETER_NAMES, 'page', 'limit', 'q', 'Region'].some((p) =>
          body.message.includes(p),
        );
        assert.ok(named, `${qs}: "${body.message}" names no parameter`);
      }
    }),
    { numRuns: 300, seed: 42 },
  );
  assert.ok(rejected > 220, `${rejected} of 300 rejected`);
});

test('malformed URLs and bodies get a 400 envelope', async () => {
  const res = await server.app.inject({ url: `/v1/%E0%A4%A`, headers: { authorization: `Bearer ${key}` } });
  assert.ok([400, 404].includes(res.statusCode));
  assert.equal(res.json<Envelope>().code, res.statusCode);
  const withBody = await server.app.inject({
    method: 'POST',
    url: `${LIST}?region=US`,
    payload: 'x'.repeat(10),
    headers: { authorization: `Bearer ${key}`, 'content-type': 'text/plain' },
  });
  assert.equal(withBody.statusCode, 404, 'only GET is routed');
  assert.equal(withBody.json<Envelope>().message, `Not found: POST ${LIST}`);
});

test('unknown routes are a 404 envelope with a request id', async () => {
  const res = await get(`${server.url}/v1/tiktok/nope?x=1`, key);
  assert.equal(res.status, 404);
  assert.equal(res.body.code, 404);
  assert.equal(res.body.data, null);
  assert.equal(res.body.message, 'Not found: GET /v1/tiktok/nope');
  assert.match(res.body.requestId, UUID);
  const head = await fetch(`${server.url}${LIST}?region=US`, {
    method: 'HEAD',
    headers: { authorization: `Bearer ${key}` },
  });
  assert.equal(head.status, 404, 'HEAD is not routed: it would cost a credit for nothing');
});

test('503 before the first snapshot, on the endpoint and /healthz, and nothing charged', async () => {
  const start = await credits();
  served = null;
  try {
    const res = await get(`${server.url}${LIST}?region=US`, key);
    assert.equal(res.status, 503);
    assert.deepEqual(
      { code: res.body.code, data: res.body.data, message: res.body.message },
      { code: 503, data: null, message: API_ERRORS.not_ready.message },
    );
    const health = await get(`${server.url}/healthz`);
    assert.equal(health.status, 503);
    assert.equal(health.body.code, 503);
    // Parameters are still checked first (order: 401 → 429 → 400 → 503 → 402).
    assert.equal((await get(`${server.url}${LIST}?region=US&page_size=99`, key)).status, 400);
  } finally {
    served = snapshot.index;
  }
  assert.equal(await credits(), start);
});

test('a failure after the debit is a 500 without internals, logged with its cause, and refunded', async () => {
  // A closed index throws on search: a real failure of a real dependency, after the debit was taken.
  const broken = await (await import('../../src/index/index.ts')).loadServingIndex(snapshot.info.dir);
  broken.close();
  const start = await credits();
  served = broken;
  let res;
  try {
    res = await get(`${server.url}${LIST}?region=US&influencer_sort_field_v2=3`, key);
  } finally {
    served = snapshot.index;
  }
  assert.equal(res.status, 500);
  assert.deepEqual(
    { code: res.body.code, data: res.body.data, message: res.body.message },
    { code: 500, data: null, message: 'Internal server error' },
  );
  assert.doesNotMatch(res.text, /stack|\bat\s|TypeError|closed|\.ts\b/);
  assert.equal(await credits(), start, 'balance restored');
  const ledger = (await accounts.ledger(keyId)).filter((r) => r.requestId === res.body.requestId);
  assert.deepEqual(
    ledger.map((r) => [r.reason, r.delta]),
    [
      ['debit', -1],
      ['refund', 1],
    ],
  );
  const logged = logLines
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.requestId === res.body.requestId);
  const failure = logged.find((l) => l.msg === 'request failed');
  assert.ok(failure, 'the failure is logged under the request id');
  assert.ok((failure.err as { stack?: string }).stack, 'with its cause');
  const line = logged.find((l) => l.msg === 'request')!;
  assert.equal(line.status, 500);
  assert.equal(line.keyId, keyId);
  assert.equal(line.credits, 0);
  assert.equal(typeof line.latencyMs, 'number');
});

test('docs/api.md lists every error code with its status and message', async () => {
  const doc = await readFile(new URL('../../docs/api.md', import.meta.url), 'utf8');
  for (const [code, { status, message }] of Object.entries(API_ERRORS)) {
    const row = doc.split('\n').find((line) => line.includes(`\`${code}\``));
    assert.ok(row, `docs/api.md has a row for ${code}`);
    assert.ok(row.includes(String(status)), `${code}: status ${status}`);
    if (code !== 'invalid_parameter' && code !== 'bad_request' && code !== 'not_found')
      assert.ok(row.includes(message), `${code}: message "${message}"`);
  }
});

test("the OpenAPI document: the route's parameters, the served fields, error envelopes with request ids", () => {
  const doc = JSON.parse(JSON.stringify(openApiDocument('http://127.0.0.1:8080'))) as {
    servers: { url: string }[];
    paths: Record<
      string,
      {
        get: {
          parameters: { name: string; required: boolean; schema: { type: string } }[];
          responses: Record<string, { content: Record<string, { example: Record<string, unknown> }> }>;
        };
      }
    >;
    components: {
      schemas: Record<string, { properties: Record<string, { type: string }>; required: string[] }>;
    };
  };
  assert.deepEqual(doc.servers, [{ url: 'http://127.0.0.1:8080', description: 'This Kolscope server' }]);
  const op = doc.paths[LIST]!.get;
  // The parameter list itself is checked against the seed contract in contract.test.ts.
  assert.equal(op.parameters.find((p) => p.name === 'min_interaction_rate')!.schema.type, 'number');
  const item = doc.components.schemas.Influencer!;
  assert.deepEqual(
    Object.keys(item.properties),
    SERVED_FIELDS.map((f) => f.name),
  );
  assert.deepEqual(
    item.required,
    SERVED_FIELDS.map((f) => f.name),
  );
  assert.equal(item.properties.interaction_rate!.type, 'number');
  assert.equal(item.properties.total_likes_cnt!.type, 'integer');
  const example = op.responses['200']!.content['application/json']!.example as {
    data: Record<string, unknown>[];
    requestId: string;
  };
  assert.deepEqual(
    Object.keys(example.data[0]!),
    SERVED_FIELDS.map((f) => f.name),
  );
  assert.equal(example.data[0]!.seller_id, '');
  assert.match(example.requestId, UUID);
  for (const status of ['400', '401', '402', '429', '500', '503']) {
    const ex = op.responses[status]!.content['application/json']!.example;
    assert.equal(ex.code, Number(status));
    assert.equal(ex.data, null);
    assert.match(ex.requestId as string, UUID);
  }
  const badRequest = op.responses['400']!.content['application/json']!.example.message as string;
  assert.ok(
    INFLUENCER_LIST_PARAMETERS.some((p) => badRequest.includes(p.name)),
    badRequest,
  );
});

test('every documented parameter is accepted by the server, and an undocumented one is not', async () => {
  const doc = openApiDocument('http://x') as {
    paths: Record<string, { get: { parameters: { name: string }[] } }>;
  };
  for (const { name } of doc.paths[LIST]!.get.parameters) {
    const { body } = await inject(`region=US&${name}=`);
    assert.ok(!body.message.startsWith('Unknown parameter'), `${name}: ${body.message}`);
  }
  assert.equal((await inject('region=US&min_followers=1')).body.message, 'Unknown parameter: min_followers');
});
