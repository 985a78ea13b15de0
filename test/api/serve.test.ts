// `kolscope serve` as a real process: first-start key, snapshot swap on activation, graceful SIGTERM, and a
// SIGKILL under load after which the ledger matches exactly what clients were served.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { writeSyntheticSnapshot } from '../../src/service/index.ts';
import { ACCOUNTS_DB_FILE } from '../../src/accounts/sqlite.ts';
import { activateSnapshot, beginSnapshot } from '../../src/snapshot/store.ts';
import { LIST, get, tempDir } from './support.ts';

const BIN = fileURLToPath(new URL('../../bin/kolscope.mjs', import.meta.url));

let dataDir: string;
let removeDir: () => Promise<void>;

before(async () => {
  ({ dir: dataDir, remove: removeDir } = await tempDir('serve'));
  await writeSyntheticSnapshot({ dataDir, influencers: 1500, seed: 1, activate: true, asOf: '2026-11-20' });
});

after(async () => {
  await removeDir?.();
});

interface Server {
  readonly child: ChildProcess;
  readonly url: string;
  /** stderr lines so far (human start-up output). */
  readonly lines: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `kolscope serve` on a free port and resolves once it prints its URL. */
async function startServer(): Promise<Server> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--demo-influencers', '0'], {
    env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn', DATABASE_URL: '', REDIS_URL: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const lines: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stderr! }).on('line', (line) => {
      lines.push(line);
      const m = /^Kolscope listening on (http:\/\/\S+)/.exec(line);
      if (m) resolve(m[1]!);
    });
    void exited.then(({ code }) => reject(new Error(`serve exited (${code}): ${lines.join('\n')}`)));
  });
  return { child, url, lines, exited };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function readLedger(): { requestId: string; delta: number; reason: string }[] {
  const db = new Database(join(dataDir, ACCOUNTS_DB_FILE), { readonly: true });
  try {
    return db
      .prepare<[], { requestId: string; delta: number; reason: string }>(
        `SELECT request_id AS requestId, delta, reason FROM ledger WHERE reason IN ('debit', 'refund')`,
      )
      .all();
  } finally {
    db.close();
  }
}

function readCredits(keyId: string): number {
  const db = new Database(join(dataDir, ACCOUNTS_DB_FILE), { readonly: true });
  try {
    return db.prepare<[string], { credits: number }>('SELECT credits FROM api_keys WHERE id = ?').get(keyId)!
      .credits;
  } finally {
    db.close();
  }
}

let key = '';
let keyId = '';

test('first start: creates and prints one key, serves the active snapshot, swaps on activation (not to a broken one), stops on SIGTERM', async () => {
  const server = await startServer();
  try {
    await waitFor('the printed key', async () => server.lines.some((l) => /^\s+sk_live_\w+$/.test(l)));
    const keyLine = server.lines.find((l) => l.startsWith('Created API key'));
    assert.ok(keyLine, server.lines.join('\n'));
    keyId = /Created API key (key_\w+) \(100000 credits, 50 qps\)/.exec(keyLine)![1]!;
    key = server.lines.find((l) => /^\s+sk_live_\w+$/.test(l))!.trim();

    await waitFor('healthz', async () => (await fetch(`${server.url}/healthz`)).status === 200);
    const first = await get(`${server.url}/healthz`);
    assert.equal((first.body.data as unknown as { snapshot: { asOf: string } }).snapshot.asOf, '2026-11-20');
    const res = await get(`${server.url}${LIST}?region=US&page_size=3`, key);
    assert.equal(res.status, 200);
    assert.equal(res.body.data!.length, 3);
    assert.equal(res.headers.get('x-credits-remaining'), '99999');

    // A new snapshot is activated by another process: the server picks it up without a restart.
    const next = await writeSyntheticSnapshot({
      dataDir,
      influencers: 800,
      seed: 2,
      activate: true,
      asOf: '2026-11-21',
    });
    await waitFor('the new snapshot', async () => {
      const h = await get(`${server.url}/healthz`);
      return (
        (h.body.data as unknown as { snapshot: { version: string } }).snapshot.version ===
        next.manifest.version
      );
    });
    assert.equal((await get(`${server.url}${LIST}?region=US`, key)).status, 200);

    // A snapshot that cannot be loaded (committed without its index) leaves the previous one serving.
    const broken = await beginSnapshot(dataDir, '2026-11-22');
    await broken.commit({ rows: 0, regions: {} });
    await activateSnapshot(dataDir, broken.version);
    await new Promise((r) => setTimeout(r, 2500)); // two polls of ACTIVE
    const still = await get(`${server.url}/healthz`);
    assert.equal(
      (still.body.data as unknown as { snapshot: { version: string } }).snapshot.version,
      next.manifest.version,
    );
    assert.equal((await get(`${server.url}${LIST}?region=US`, key)).status, 200);
    await activateSnapshot(dataDir, next.manifest.version);

    server.child.kill('SIGTERM');
    assert.deepEqual(await server.exited, { code: 0, signal: null });
  } finally {
    server.child.kill('SIGKILL');
  }
  // Usage was flushed on shutdown.
  const db = new Database(join(dataDir, ACCOUNTS_DB_FILE), { readonly: true });
  const used = db
    .prepare<[string], { n: number }>('SELECT count(*) AS n FROM usage WHERE key_id = ?')
    .get(keyId)!;
  db.close();
  assert.equal(used.n, 3);
});

test('killed with SIGKILL under load: credits spent equal the ledger, and every 200 received has its debit', async () => {
  assert.ok(key, 'the first test created the key');
  const server = await startServer();
  await waitFor('healthz', async () => (await fetch(`${server.url}/healthz`)).status === 200);
  assert.ok(!server.lines.some((l) => l.startsWith('Created API key')), 'no second key on a later start');
  const creditsBefore = readCredits(keyId);
  const debitsBefore = readLedger().filter((r) => r.reason === 'debit').length;
  const received = new Set<string>();
  let stop = false;
  let sent = 0;
  // 50 qps is the key's limit: the load stays around it so that most requests are paid 200s.
  const worker = async (offset: number) => {
    while (!stop) {
      try {
        sent++;
        const res = await fetch(`${server.url}${LIST}?region=US&page_num=${1 + ((sent + offset) % 50)}`, {
          headers: { authorization: `Bearer ${key}` },
        });
        const body = (await res.json()) as { requestId: string };
        if (res.status === 200) received.add(body.requestId);
        else await new Promise((r) => setTimeout(r, 50));
      } catch {
        return; // the server is gone
      }
    }
  };
  const workers = Array.from({ length: 6 }, (_, i) => worker(i * 7));
  await waitFor('some paid requests', async () => received.size >= 40);
  server.child.kill('SIGKILL');
  assert.equal((await server.exited).signal, 'SIGKILL');
  stop = true;
  await Promise.all(workers);

  // Restarted, it serves the same key from where the ledger left off.
  const again = await startServer();
  try {
    const ledger = readLedger();
    const debits = ledger.filter((r) => r.reason === 'debit');
    const refunds = ledger.filter((r) => r.reason === 'refund');
    const spent = creditsBefore - readCredits(keyId);
    assert.equal(spent, debits.length - debitsBefore - refunds.length, 'balance and ledger agree');
    const debited = new Set(debits.map((r) => r.requestId));
    for (const id of received) assert.ok(debited.has(id), `200 ${id} has its debit`);
    // At most the requests in flight at the kill were debited without their 200 reaching the client.
    assert.ok(spent - received.size <= 6, `${spent} spent, ${received.size} received`);
    const res = await get(`${again.url}${LIST}?region=US`, key);
    assert.equal(res.status, 200);
    assert.equal(Number(res.headers.get('x-credits-remaining')), readCredits(keyId));
    again.child.kill('SIGTERM');
    assert.equal((await again.exited).code, 0);
  } finally {
    again.child.kill('SIGKILL');
  }
});

test('a port already in use stops serve with exit code 2 and a message naming the port, not a stack', async () => {
  const { createServer } = await import('node:net');
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port), '--demo-influencers', '0'], {
      env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn', DATABASE_URL: '', REDIS_URL: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    assert.equal(code, 2, stderr);
    assert.match(
      stderr,
      new RegExp(`kolscope: cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use`),
    );
    assert.doesNotMatch(stderr, /^\s+at /m, 'no stack trace');
  } finally {
    blocker.close();
  }
});

test('an unreachable PostgreSQL or Redis at start stops serve with exit code 2 and one line naming it', async () => {
  const { createServer } = await import('node:net');
  // A port that refuses: listened on, then closed.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const deadPort = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const cases: [Record<string, string>, RegExp][] = [
    [
      { DATABASE_URL: `postgres://kolscope:secret@127.0.0.1:${deadPort}/db`, REDIS_URL: '' },
      /^kolscope: cannot reach PostgreSQL at postgres:\/\/kolscope:\*\*\*@127\.0\.0\.1:\d+\/db/m,
    ],
    [{ DATABASE_URL: '', REDIS_URL: `redis://127.0.0.1:${deadPort}` }, /^kolscope: cannot reach Redis at /m],
  ];
  for (const [env, message] of cases) {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--demo-influencers', '0'], {
      env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    assert.equal(code, 2, stderr);
    assert.match(stderr, message);
    assert.ok(!stderr.includes('secret'), 'the password is masked');
    assert.doesNotMatch(stderr, /^\s+at /m, 'no stack trace');
  }
});
