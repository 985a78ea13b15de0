// Property-based fuzzing of every operation of the served /openapi.json (fast-check): each request sets the
// operation's declared parameters to values drawn from their schemas or to junk (malformed numbers, invalid
// percent-encoding, NUL, overlong values, unknown and repeated parameters), with a valid, a bad or no key.
// Whatever comes, the answer has a documented status, never a 5xx; a paid operation debits exactly once for a
// 200 and never otherwise (the ledger, read after each request); every 200 body is valid against the served
// response schema (Ajv, $refs resolved into the document's components). Bounded: a fixed number of runs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { MemoryRateLimiter } from '../../src/accounts/memory-limiter.ts';
import {
  SQLITE_BACKEND,
  listen,
  testSnapshot,
  type TestAccounts,
  type TestServer,
  type TestSnapshot,
} from './support.ts';

interface ParameterObject {
  readonly name: string;
  readonly in: string;
  readonly required?: boolean;
  readonly schema: Schema;
}
interface Schema {
  readonly type?: string;
  readonly enum?: readonly (string | number)[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly example?: string | number;
}
interface Operation {
  readonly parameters?: readonly ParameterObject[];
  readonly responses: Record<string, { content?: Record<string, { schema?: object }> }>;
  readonly security?: readonly object[];
  /** Credits a 200 costs (our extension; absent on free service routes). */
  readonly 'x-credits'?: number;
}
interface OpenApiDocument {
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components: object;
}

/** Runs per operation: enough to cross every parameter with valid and junk values, bounded in time. */
const RUNS = Number(process.env.FUZZ_RUNS || 250);

/** Values no schema allows and a strict parser must refuse: encodings, numbers in disguise, control bytes. */
const JUNK_RAW = [
  '%ZZ',
  '%C0%AF',
  '%ED%A0%80',
  '%FF',
  '%',
  '%00',
  '%E2%82',
  '-1',
  '1e3',
  '1.5',
  '%201',
  '0x10',
  '9007199254740993',
  'NaN',
  'Infinity',
  'null',
  '%5B%5D',
  '%C3%A9t%C3%A9',
  'a'.repeat(300),
];

/** The raw (already encoded) query value of a parameter: from its schema, or (unless `clean`) junk too. */
function valueOf(
  p: ParameterObject,
  vocabulary: Record<string, readonly string[]>,
  clean: boolean,
): fc.Arbitrary<string> {
  const s = p.schema;
  let valid: fc.Arbitrary<string | number>;
  if (s.enum) valid = fc.constantFrom(...s.enum);
  else if (s.type === 'integer')
    valid = fc.oneof(
      fc.integer({ min: s.minimum ?? 0, max: Math.min(s.maximum ?? 2 ** 31 - 1, 2 ** 31 - 1) }),
      fc.constantFrom(s.minimum ?? 0, s.maximum ?? 1000),
    );
  else if (s.type === 'number')
    valid = fc
      .double({ min: s.minimum ?? 0, max: s.maximum ?? 10, noNaN: true, noDefaultInfinity: true })
      .map((x) => Number(x.toFixed(4)));
  else if (vocabulary[p.name]?.length)
    valid = clean
      ? fc.constantFrom(...vocabulary[p.name]!)
      : fc.oneof(fc.constantFrom(...vocabulary[p.name]!), fc.string({ maxLength: s.maxLength ?? 20 }));
  else if (s.pattern) valid = fc.stringMatching(new RegExp(s.pattern));
  else valid = fc.string({ maxLength: s.maxLength ?? 20 });
  if (clean) return valid.map((v) => encodeURIComponent(String(v)));
  return fc.oneof(
    { weight: 4, arbitrary: valid.map((v) => encodeURIComponent(String(v))) },
    { weight: 1, arbitrary: fc.constantFrom(...JUNK_RAW) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }).map(encodeURIComponent) },
  );
}

/** Weights of an optional parameter's absence and presence. */
const optionalWeights = (clean: boolean): [number, number] => (clean ? [7, 1] : [1, 1]);

interface Call {
  readonly query: string;
  readonly auth: 'valid' | 'bad' | 'none';
}

/**
 * A request to an operation: some of its parameters (the required ones mostly present), maybe extras. Half
 * the requests are clean (values from the schemas only, few optional parameters, nothing extra), so that the
 * 200s are exercised as much as the refusals.
 */
function callOf(op: Operation, vocabulary: Record<string, readonly string[]>): fc.Arbitrary<Call> {
  return fc.boolean().chain((clean) => callWith(op, vocabulary, clean));
}

function callWith(
  op: Operation,
  vocabulary: Record<string, readonly string[]>,
  clean: boolean,
): fc.Arbitrary<Call> {
  const params = (op.parameters ?? []).filter((p) => p.in === 'query');
  // Clean requests: the required parameters always, each optional one in about one request of eight.
  const [absent, present] = optionalWeights(clean);
  const entries = params.map((p) => {
    const value = valueOf(p, vocabulary, clean).map((v) => `${p.name}=${v}`);
    if (p.required && clean) return value;
    return fc.oneof(
      { weight: p.required ? 1 : absent, arbitrary: fc.constant(null) },
      { weight: p.required ? 11 : present, arbitrary: value },
    );
  });
  const extras = clean
    ? fc.constant('')
    : fc.constantFrom(
        '',
        '',
        '',
        '&unknown_param=1',
        `&${params[0]?.name ?? 'x'}=1`, // repeated
        '&=',
        '&&',
      );
  return fc
    .tuple(
      fc.tuple(...entries),
      extras,
      clean
        ? fc.constant<Call['auth']>('valid')
        : fc.constantFrom<Call['auth']>('valid', 'valid', 'valid', 'bad', 'none'),
    )
    .map(([pairs, extra, auth]) => ({
      query: pairs.filter((x): x is string => x !== null).join('&') + extra,
      auth,
    }));
}

describe('every operation of /openapi.json, fuzzed', () => {
  let snapshot: TestSnapshot;
  let accounts: TestAccounts;
  let server: TestServer;
  let doc: OpenApiDocument;
  let ajv: Ajv;

  before(async () => {
    snapshot = await testSnapshot(2000, 5);
    accounts = await SQLITE_BACKEND.open();
    server = await listen({
      index: () => snapshot.index,
      accounts: accounts.store,
      limiter: new MemoryRateLimiter(),
      // The fuzzer sends keyless requests as fast as it can; the per-address limit is tested elsewhere.
      anonymousQps: 1_000_000,
    });
    doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as OpenApiDocument;
    // The document itself is the schema store: a response schema's $ref (#/components/...) resolves in it.
    ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema({ ...doc, $id: 'openapi.json' });
  });

  after(async () => {
    await server?.close();
    await accounts?.cleanup();
    await snapshot?.remove();
  });

  function responseValidator(path: string, method: string): ValidateFunction | null {
    const media = doc.paths[path]![method]!.responses['200']?.content?.['application/json'];
    if (!media?.schema) return null;
    const pointer = ['paths', path, method, 'responses', '200', 'content', 'application/json', 'schema']
      .map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1'))
      .join('/');
    return ajv.compile({ $ref: `openapi.json#/${pointer}` });
  }

  test('the document lists the paid list endpoint and /healthz', () => {
    assert.ok(Object.keys(doc.paths).length >= 2);
    assert.ok(doc.paths['/healthz']?.['get']);
  });

  test('each operation: documented statuses only, no 5xx, a debit exactly for each 200, valid 200 bodies', async (t) => {
    const vocabulary = snapshot.index.vocabulary();
    const words: Record<string, readonly string[]> = {
      region: [...vocabulary.map((v) => v.region), ...vocabulary.map((v) => v.region.toLowerCase()), 'ZZ'],
      influencer_category_name: vocabulary.flatMap((v) => v.categories.map((c) => c.value)),
      influencer_language: vocabulary.flatMap((v) => v.languages.map((c) => c.value)),
      product_category_id: vocabulary.flatMap((v) => v.productCategories.map((c) => c.value)),
    };
    const key = await accounts.store.createKey({ name: 'fuzz', credits: 1_000_000, qps: 1_000_000 });
    const debits = async () =>
      (await accounts.ledger(key.id)).reduce((n, r) => n + (r.reason === 'debit' ? 1 : 0), 0) -
      (await accounts.ledger(key.id)).reduce((n, r) => n + (r.reason === 'refund' ? r.delta : 0), 0);
    const seen = new Map<string, Map<number, number>>();
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const statuses = new Set(Object.keys(op.responses).map(Number));
        const paid = (op.security ?? []).length > 0;
        const validate = responseValidator(path, method);
        if (paid) assert.ok(validate, `${path}: the 200 response has a schema to check against`);
        const counts = new Map<number, number>();
        seen.set(`${method.toUpperCase()} ${path}`, counts);
        await fc.assert(
          fc.asyncProperty(callOf(op, words), async ({ query, auth }) => {
            const before = paid ? await debits() : 0;
            const headers: Record<string, string> =
              auth === 'valid'
                ? { authorization: `Bearer ${key.key}` }
                : auth === 'bad'
                  ? { authorization: 'Bearer sk_live_not_a_key' }
                  : {};
            const response = await fetch(`${server.url}${path}${query ? `?${query}` : ''}`, {
              method: method.toUpperCase(),
              headers,
            });
            const text = await response.text();
            const status = response.status;
            counts.set(status, (counts.get(status) ?? 0) + 1);
            const context = `${method.toUpperCase()} ${path}?${query} (${auth}) → ${status} ${text.slice(0, 300)}`;
            assert.ok(status < 500, `no 5xx: ${context}`);
            assert.ok(statuses.has(status), `documented status: ${context}`);
            const body = JSON.parse(text) as { code: number; requestId?: string };
            assert.equal(typeof body.requestId, 'string', `envelope: ${context}`);
            if (status === 200 && validate)
              assert.ok(validate(body), `200 body valid: ${ajv.errorsText(validate.errors)} ${context}`);
            if (paid) {
              const charged = (await debits()) - before;
              const cost = op['x-credits'] ?? 1;
              assert.equal(
                charged,
                status === 200 ? cost : 0,
                `its cost per 200, nothing otherwise: ${context}`,
              );
            }
          }),
          { numRuns: path === '/healthz' ? 40 : RUNS },
        );
      }
    }
    // The fuzzer must reach both answers of the paid endpoint, or it proved nothing about either.
    for (const [operation, counts] of seen)
      t.diagnostic(`${operation}: ${[...counts].map(([s, n]) => `${n} × ${s}`).join(', ')}`);
    const list = [...seen].find(([name]) => name.includes('/influencer/'))![1];
    assert.ok((list.get(200) ?? 0) > 0 && (list.get(400) ?? 0) > 0, JSON.stringify([...list]));
  });
});
