// Scale-out by region, as docs/scaling.md tells an operator to run it: two replicas, each loading only its
// REGIONS (through the service's LiveSnapshot, as `kolscope serve` does), sharing PostgreSQL (a fresh schema)
// and Redis (a key prefix), behind Debian's nginx started here on loopback with the documented routing (a
// case-insensitive `map` on $arg_region). Locally, a missing nginx skips; under CI=true it fails.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { PostgresAccountStore } from '../../src/accounts/postgres.ts';
import { RedisRateLimiter } from '../../src/accounts/redis-limiter.ts';
import { BURST_SECONDS } from '../../src/accounts/index.ts';
import { LiveSnapshot } from '../../src/service/live-snapshot.ts';
import { writeSyntheticSnapshot } from '../../src/service/index.ts';
import pg from 'pg';
import { LIST, listen, tempDir, type TestServer } from '../api/support.ts';
import { TEST_DATABASE_URL, TEST_REDIS_URL, unavailable } from '../support/services.ts';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));

function nginxMissing(): string | false {
  if (NGINX) return false;
  if (process.env.CI === 'true')
    throw new Error('nginx is not installed, and CI requires the scale-out test');
  return 'nginx not installed (apt-get install nginx)';
}

/** The two pools of docs/scaling.md. */
const POOLS = {
  us_gb: 'US,GB',
  rest: 'ID,TH,VN,PH,MX,BR,MY,DE',
} as const;
type Pool = keyof typeof POOLS;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The routing of docs/scaling.md, with this test's ports and temp paths. */
export function nginxConfig(dir: string, port: number, upstreams: Record<Pool, number>): string {
  return `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  # region is case-insensitive (us = US): the regex match is too (~*).
  map $arg_region $kolscope_pool {
    ~*^(us|gb)$ us_gb;
    default     rest;
  }
  upstream us_gb { server 127.0.0.1:${upstreams.us_gb}; keepalive 16; }
  upstream rest  { server 127.0.0.1:${upstreams.rest}; keepalive 16; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://$kolscope_pool;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      add_header X-Kolscope-Pool $kolscope_pool always;
    }
  }
}
`;
}

interface Replica {
  readonly server: TestServer;
  readonly live: LiveSnapshot;
  readonly store: PostgresAccountStore;
  readonly limiter: RedisRateLimiter;
}

const skip = NGINX ? (await unavailable('postgres')) || (await unavailable('redis')) : nginxMissing();

describe('two replicas by region behind nginx', { skip }, () => {
  const schema = `kolscope_scale_test_${process.pid}_${Date.now()}`;
  const replicas = new Map<Pool, Replica>();
  let data: Awaited<ReturnType<typeof tempDir>>;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let nginx: ChildProcess | undefined;
  let base = '';
  let admin: pg.Client;

  before(async () => {
    data = await tempDir('scale-data');
    tmp = await tempDir('scale-nginx');
    await writeSyntheticSnapshot({ dataDir: data.dir, influencers: 3000, seed: 11, activate: true });
    for (const pool of Object.keys(POOLS) as Pool[]) {
      const config = loadConfig({ DATA_DIR: data.dir, REGIONS: POOLS[pool].toLowerCase() });
      const live = new LiveSnapshot(config.dataDir, () => {}, config.regions);
      await live.refresh();
      const store = await PostgresAccountStore.open({ connectionString: TEST_DATABASE_URL, schema });
      const limiter = await RedisRateLimiter.connect({ url: TEST_REDIS_URL, keyPrefix: `${schema}:` });
      const server = await listen({ index: () => live.current, accounts: store, limiter });
      replicas.set(pool, { server, live, store, limiter });
    }
    const port = await freePort();
    const upstreams = Object.fromEntries(
      [...replicas].map(([pool, r]) => [pool, Number(new URL(r.server.url).port)]),
    ) as Record<Pool, number>;
    const conf = join(tmp.dir, 'nginx.conf');
    await writeFile(conf, nginxConfig(tmp.dir, port, upstreams));
    for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) await mkdir(join(tmp.dir, d));
    const checked = spawnSync(NGINX!, ['-t', '-p', tmp.dir, '-e', join(tmp.dir, 'error.log'), '-c', conf], {
      encoding: 'utf8',
    });
    assert.equal(checked.status, 0, `nginx -t: ${checked.stderr}`);
    nginx = spawn(NGINX!, ['-p', tmp.dir, '-e', join(tmp.dir, 'error.log'), '-c', conf], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    base = `http://127.0.0.1:${port}`;
    // Ready when it answers (bounded: 100 tries, 50 ms apart).
    for (let i = 0; ; i++) {
      const up = await fetch(`${base}/healthz`).then(
        () => true,
        () => false,
      );
      if (up) break;
      if (i >= 100) assert.fail(`nginx did not start: ${await readFile(join(tmp.dir, 'error.log'), 'utf8')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
  });

  after(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((r) => nginx!.once('exit', r));
      nginx.kill('SIGTERM');
      await exited;
    }
    for (const r of replicas.values()) {
      await r.server.close();
      await r.live.close();
      await r.store.close();
      await r.limiter.close();
    }
    await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin?.end();
    await tmp?.remove();
    await data?.remove();
  });

  async function paid(key: string, region: string) {
    const response = await fetch(`${base}${LIST}?region=${region}&page_size=1`, {
      headers: { authorization: `Bearer ${key}` },
    });
    const body = (await response.json()) as { code: number; message: string };
    return { status: response.status, pool: response.headers.get('x-kolscope-pool'), body };
  }

  test('each replica loads only its regions and serves only them', async () => {
    const us = replicas.get('us_gb')!.live.current!;
    const rest = replicas.get('rest')!.live.current!;
    assert.deepEqual([...us.regions].sort(), ['GB', 'US']);
    assert.deepEqual([...rest.regions].sort(), POOLS.rest.split(',').sort());
    const key = await replicas.get('us_gb')!.store.createKey({ name: 'routing', credits: 100, qps: 1000 });
    // A region outside a replica's REGIONS is a 400 that names what it serves (asked directly, not via nginx).
    const direct = await fetch(`${replicas.get('rest')!.server.url}${LIST}?region=US`, {
      headers: { authorization: `Bearer ${key.key}` },
    });
    const body = (await direct.json()) as { message: string };
    assert.equal(direct.status, 400);
    assert.equal(
      body.message,
      `region US is not served by this replica; it serves only: ${rest.regions.join(', ')}`,
    );
  });

  test('nginx routes by region, case-insensitively, to the pool that serves it', async () => {
    const key = await replicas.get('us_gb')!.store.createKey({ name: 'routing', credits: 100, qps: 1000 });
    const cases: [string, Pool][] = [
      ['US', 'us_gb'],
      ['us', 'us_gb'],
      ['gB', 'us_gb'],
      ['BR', 'rest'],
      ['de', 'rest'],
    ];
    for (const [region, pool] of cases) {
      const answer = await paid(key.key, region);
      assert.equal(answer.status, 200, `${region}: ${answer.body.message}`);
      assert.equal(answer.pool, pool, region);
      const health = (await (await fetch(`${base}/healthz?region=${region}`)).json()) as {
        data: { snapshot: { regions: string[] } };
      };
      assert.deepEqual([...health.data.snapshot.regions].sort(), POOLS[pool].split(',').sort(), region);
    }
  });

  test('credits are exact across both pools: N credits, 2N concurrent requests, N answered', async (t) => {
    const N = 60;
    const key = await replicas.get('rest')!.store.createKey({ name: 'credits', credits: N, qps: 100_000 });
    const regions = ['US', 'gb', 'BR', 'id'];
    const answers = await Promise.all(
      Array.from({ length: 2 * N }, (_, i) => paid(key.key, regions[i % regions.length]!)),
    );
    const ok = answers.filter((a) => a.status === 200);
    assert.equal(ok.length, N);
    assert.ok(answers.every((a) => a.status === 200 || a.status === 402));
    assert.ok(ok.some((a) => a.pool === 'us_gb') && ok.some((a) => a.pool === 'rest'));
    const { rows } = await admin.query<{ debits: string; credits: string }>(
      `SELECT (SELECT count(*) FROM ${schema}.ledger WHERE key_id = $1 AND reason = 'debit') AS debits,
              (SELECT credits FROM ${schema}.api_keys WHERE id = $1) AS credits`,
      [key.id],
    );
    assert.equal(Number(rows[0]!.debits), N);
    assert.equal(Number(rows[0]!.credits), 0);
    const pools = ok.filter((a) => a.pool === 'us_gb').length;
    t.diagnostic(`${ok.length} × 200 of ${2 * N} (${pools} via us_gb, ${N - pools} via rest), ${N} debits`);
  });

  test('QPS is global across both pools: within qps × (elapsed + burst)', async (t) => {
    const qps = 10;
    const key = await replicas.get('us_gb')!.store.createKey({ name: 'qps', credits: 10_000, qps });
    const started = performance.now();
    let ok = 0;
    const pools = new Set<string | null>();
    // Four clients, two per pool, for at most 2.5 s and 2000 requests in all.
    let sent = 0;
    const client = async (region: string) => {
      while (performance.now() - started < 2500 && sent < 2000) {
        sent++;
        const answer = await paid(key.key, region);
        assert.ok(answer.status === 200 || answer.status === 429, `${answer.status}`);
        if (answer.status === 200) {
          ok++;
          pools.add(answer.pool);
        }
      }
    };
    await Promise.all(['US', 'gb', 'BR', 'de'].map(client));
    const elapsed = (performance.now() - started) / 1000;
    t.diagnostic(
      `${ok} × 200 of ${sent} in ${elapsed.toFixed(2)} s at qps ${qps} (bound ${qps * (elapsed + BURST_SECONDS)})`,
    );
    assert.ok(sent > ok, 'the limit refused some requests');
    assert.deepEqual([...pools].sort(), ['rest', 'us_gb']);
    // Per-replica limits would let through about twice this.
    assert.ok(ok <= qps * (elapsed + BURST_SECONDS) + 1, `${ok} answered in ${elapsed.toFixed(2)} s`);
    assert.ok(ok >= qps * elapsed * 0.5, `${ok} answered in ${elapsed.toFixed(2)} s`);
  });
});
