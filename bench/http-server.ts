// One server of the HTTP benchmark, in its own process so the load generator does not share its event loop.
// Reads its job from KOLSCOPE_BENCH_SERVER (JSON), listens on a free port and prints {"url", "key"} on stdout.
//   kolscope          the full stack: auth, QPS check, durable group-committed debit (SQLite), validation,
//                     index search, envelope (page cache on)
//   kolscope-nocache  the same with the page cache off: every request searches the index
//   kolscope-logged   kolscope with the production request log on (one JSON line per request, to /dev/null)
//   bare              plain Fastify serializing the same ten row objects per request with a response schema
//   bare-stringify    the same with JSON.stringify instead of the schema's compiled serializer
//   ceiling           plain Fastify sending one pre-serialized body
import { randomUUID } from 'node:crypto';
import { openSync } from 'node:fs';
import Fastify from 'fastify';
import { MemoryRateLimiter } from '../src/accounts/memory-limiter.ts';
import { SqliteAccountStore } from '../src/accounts/sqlite.ts';
import { loadConfig } from '../src/config.ts';
import { buildApp } from '../src/api/app.ts';
import { BufferedLogStream } from '../src/api/log-stream.ts';
import { parseInfluencerQuery, INFLUENCER_LIST_PATH } from '../src/api/endpoints/influencer-list.ts';
import { loadServingIndex } from '../src/index/index.ts';
import { SERVED_FIELDS } from '../src/snapshot/schema.ts';

export type ServerMode =
  'kolscope' | 'kolscope-nocache' | 'kolscope-logged' | 'bare' | 'bare-stringify' | 'ceiling';

export interface ServerJob {
  readonly mode: ServerMode;
  readonly snapshotDir: string;
  /** Where the kolscope modes keep their accounts database. */
  readonly workDir: string;
  /** The request paths of the mix (path + query string). */
  readonly paths: readonly string[];
}

const job = JSON.parse(process.env.KOLSCOPE_BENCH_SERVER ?? 'null') as ServerJob | null;
if (!job) throw new Error('KOLSCOPE_BENCH_SERVER is not set: this file is started by bench/http.ts');

const index = await loadServingIndex(job.snapshotDir);
let url: string;
let key = '';

if (job.mode === 'kolscope' || job.mode === 'kolscope-nocache' || job.mode === 'kolscope-logged') {
  // ACCOUNTS_DURABILITY=power measures the fsync per group commit; the default (process) has none.
  const store = new SqliteAccountStore({
    dataDir: job.workDir,
    durability: loadConfig(process.env).accountsDurability,
  });
  const limiter = new MemoryRateLimiter();
  // A QPS limit high enough never to throttle: the benchmark measures the work, not the limiter's refusals.
  key = (await store.createKey({ name: 'bench', credits: 1_000_000_000, qps: 1_000_000 })).key;
  const app = buildApp({
    index: () => index,
    accounts: store,
    limiter,
    pageCacheChars: job.mode === 'kolscope-nocache' ? 0 : undefined,
    // The production request log and its destination (kolscope serve), written to /dev/null.
    logger:
      job.mode === 'kolscope-logged'
        ? { level: 'info', stream: new BufferedLogStream(openSync('/dev/null', 'w')) }
        : false,
  });
  url = await app.listen({ port: 0, host: '127.0.0.1' });
} else {
  // The same rows, as objects, per request path.
  const rows = new Map<string, unknown[]>();
  for (const path of job.paths) {
    const query = parseInfluencerQuery(path.slice(path.indexOf('?') + 1));
    rows.set(path, JSON.parse(index.search(query).dataJson) as unknown[]);
  }
  const app = Fastify({ logger: false });
  if (job.mode === 'bare') {
    // Each served field's JSON type (a string list is an array: typed as a string, it became "a,b").
    const type = (t: string) =>
      t === 'int'
        ? { type: 'integer' }
        : t === 'number'
          ? { type: 'number' }
          : t === 'string_list'
            ? { type: 'array', items: { type: 'string' } }
            : { type: 'string' };
    const item = {
      type: 'object',
      properties: Object.fromEntries(SERVED_FIELDS.map((f) => [f.name, type(f.type)])),
    };
    const schema = {
      type: 'object',
      properties: {
        code: { type: 'integer' },
        message: { type: 'string' },
        data: { type: 'array', items: item },
        requestId: { type: 'string' },
      },
    };
    app.get(INFLUENCER_LIST_PATH, { schema: { response: { 200: schema } } }, async (request) => ({
      code: 0,
      message: 'success',
      data: rows.get(request.url) ?? [],
      requestId: randomUUID(),
    }));
  } else if (job.mode === 'bare-stringify') {
    app.get(INFLUENCER_LIST_PATH, async (request, reply) =>
      reply.type('application/json; charset=utf-8').send(
        JSON.stringify({
          code: 0,
          message: 'success',
          data: rows.get(request.url) ?? [],
          requestId: randomUUID(),
        }),
      ),
    );
  } else {
    const body = JSON.stringify({
      code: 0,
      message: 'success',
      data: rows.get(job.paths[0]!),
      requestId: randomUUID(),
    });
    app.get(INFLUENCER_LIST_PATH, async (_request, reply) =>
      reply.type('application/json; charset=utf-8').send(body),
    );
  }
  url = await app.listen({ port: 0, host: '127.0.0.1' });
}

process.stdout.write(JSON.stringify({ url, key }) + '\n');
// Runs until the benchmark kills it.
// Exit through process.exit so that --cpu-prof (when profiling a server by hand) writes its profile.
process.once('SIGTERM', () => process.exit(0));
