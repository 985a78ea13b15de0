// `npm run soak`: crash and swap soak on loopback, bounded in count and time; writes bench/results/soak-*.md.
//   1. embedded default (SQLite, ACCOUNTS_DURABILITY=process): 20 cycles of `kolscope serve` under paid load,
//      killed with SIGKILL mid-load and started again;
//   2. three replicas on PostgreSQL (a fresh database, dropped after) and Redis (a redis-server of its own):
//      20 cycles, one replica killed with SIGKILL per cycle while the others keep serving;
//   3. 50 snapshot activations under load on one replica (two snapshots, activated in turn).
// After each cycle: the ledger sum equals the balance (credits granted − balance = credits spent); every 200
// the client received has exactly one debit and no refund; a debit without a received 200 and without a
// refund is possible only for a request cut by the kill (its response was never written): counted, and never
// more than the requests cut. Activations: no 5xx, every page equal to the page of one snapshot (none mixed).
//   npm run soak [-- --cycles 20 --activations 50]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { PostgresAccountStore } from '../src/accounts/postgres.ts';
import { ACCOUNTS_DB_FILE, SqliteAccountStore } from '../src/accounts/sqlite.ts';
import { INFLUENCER_LIST_PATH, parseInfluencerQuery } from '../src/api/endpoints/influencer-list.ts';
import { loadServingIndex } from '../src/index/index.ts';
import { writeSyntheticSnapshot } from '../src/service/index.ts';
import { activateSnapshot } from '../src/snapshot/store.ts';
import { startRedis } from '../test/support/servers.ts';
import { TEST_DATABASE_URL } from '../test/support/services.ts';

const { values } = parseArgs({
  options: {
    cycles: { type: 'string', default: '20' },
    activations: { type: 'string', default: '50' },
    out: { type: 'string', default: 'bench/results' },
  },
});
const CYCLES = Number(values.cycles);
const ACTIVATIONS = Number(values.activations);
/** The whole soak ends within this, or fails. */
const DEADLINE = Date.now() + 15 * 60_000;
const BIN = fileURLToPath(new URL('../bin/kolscope.mjs', import.meta.url));
const CLIENTS = 8;
const GRANT = 1_000_000;
const QUERIES = ['region=US', 'region=GB&page_size=5', 'region=us&sort_type=1', 'region=ID&page_num=2'].map(
  (q) => `${INFLUENCER_LIST_PATH}?${q}`,
);

const say = (line: string) => process.stderr.write(line + '\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function checkDeadline(): void {
  if (Date.now() > DEADLINE) throw new Error('the soak ran past its 15-minute bound');
}

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

interface Replica {
  readonly base: string;
  readonly port: number;
  child: ChildProcess;
}

async function startServe(dataDir: string, port: number, env: Record<string, string> = {}): Promise<Replica> {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--data-dir', dataDir, '--port', String(port), '--demo-influencers', '0'],
    { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`kolscope serve exited (${child.exitCode}): ${stderr}`);
    const up = await fetch(`${base}/healthz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (up) return { base, port, child };
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`kolscope serve did not become ready in 30 s: ${stderr}`);
}

async function kill9(replica: Replica): Promise<void> {
  if (replica.child.exitCode !== null || replica.child.signalCode !== null) return;
  const exited = new Promise((r) => replica.child.once('exit', r));
  replica.child.kill('SIGKILL');
  await exited;
}

/** What the clients saw. */
interface Seen {
  /** Request ids of the 200s received. */
  readonly ok: Set<string>;
  /** Other statuses received, by status. */
  readonly statuses: Map<number, number>;
  /** Requests whose connection broke after they were sent: cut by a kill, their outcome unknown. */
  cut: number;
  /** Requests refused at connect (the replica was down): never reached a server. */
  refused: number;
}

const newSeen = (): Seen => ({ ok: new Set(), statuses: new Map(), cut: 0, refused: 0 });

/** CLIENTS clients sending paid requests round-robin to `bases` until `stop()` (at most `max` requests). */
function load(
  bases: () => readonly string[],
  key: string,
  seen: Seen,
  check?: (path: string, body: string) => void,
  max = 20_000,
) {
  let stopped = false;
  let sent = 0;
  const client = async (c: number) => {
    for (let i = c; !stopped && sent < max; i += CLIENTS) {
      sent++;
      const all = bases();
      const path = QUERIES[i % QUERIES.length]!;
      try {
        const response = await fetch(`${all[i % all.length]!}${path}`, {
          headers: { authorization: `Bearer ${key}` },
        });
        const text = await response.text();
        if (response.status === 200) {
          seen.ok.add((JSON.parse(text) as { requestId: string }).requestId);
          check?.(path, text);
        } else seen.statuses.set(response.status, (seen.statuses.get(response.status) ?? 0) + 1);
      } catch (err) {
        const code = ((err as Error).cause as NodeJS.ErrnoException | undefined)?.code;
        if (code === 'ECONNREFUSED') {
          seen.refused++;
          await sleep(20);
        } else seen.cut++;
      }
    }
  };
  const running = Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
  return {
    sent: () => sent,
    async stop() {
      stopped = true;
      await running;
    },
  };
}

interface LedgerState {
  readonly granted: number;
  readonly balance: number;
  readonly debits: ReadonlySet<string>;
  readonly refunds: ReadonlySet<string>;
  /** Sum of the debit and refund deltas. */
  readonly spent: number;
}

/** The checks of one cycle; returns the debits without a received 200 (cut by a kill). */
function verify(label: string, state: LedgerState, seen: Seen): number {
  const problems: string[] = [];
  if (state.granted - state.balance !== -state.spent)
    problems.push(
      `granted ${state.granted} − balance ${state.balance} ≠ ledger debits+refunds ${-state.spent}`,
    );
  for (const id of seen.ok) {
    if (!state.debits.has(id)) problems.push(`200 ${id} has no debit`);
    if (state.refunds.has(id)) problems.push(`200 ${id} was refunded`);
  }
  let unanswered = 0;
  for (const id of state.debits) if (!seen.ok.has(id) && !state.refunds.has(id)) unanswered++;
  if (unanswered > seen.cut)
    problems.push(`${unanswered} debits without a 200 or refund, more than the ${seen.cut} requests cut`);
  if (problems.length) throw new Error(`${label}: ${problems.slice(0, 5).join('; ')}`);
  return unanswered;
}

function sqliteLedger(dataDir: string, keyId: string): LedgerState {
  const db = new Database(join(dataDir, ACCOUNTS_DB_FILE));
  try {
    const rows = db
      .prepare<[string], { request_id: string; delta: number; reason: string }>(
        'SELECT request_id, delta, reason FROM ledger WHERE key_id = ?',
      )
      .all(keyId);
    const { credits } = db
      .prepare<[string], { credits: number }>('SELECT credits FROM api_keys WHERE id = ?')
      .get(keyId)!;
    return ledgerState(rows, credits);
  } finally {
    db.close();
  }
}

function ledgerState(
  rows: { request_id: string; delta: number; reason: string }[],
  balance: number,
): LedgerState {
  let granted = 0;
  let spent = 0;
  const debits = new Set<string>();
  const refunds = new Set<string>();
  for (const r of rows) {
    if (r.reason === 'grant' || r.reason === 'topup') granted += Number(r.delta);
    else spent += Number(r.delta);
    if (r.reason === 'debit') debits.add(r.request_id);
    if (r.reason === 'refund') refunds.add(r.request_id);
  }
  return { granted, balance, debits, refunds, spent };
}

interface CrashResult {
  readonly label: string;
  readonly cycles: number;
  readonly ok: number;
  readonly cut: number;
  readonly unanswered: number;
  readonly refused: number;
  readonly statuses: string;
  readonly seconds: number;
}

const statusText = (seen: Seen) => [...seen.statuses].map(([s, n]) => `${n} × ${s}`).join(', ') || 'none';

async function snapshotData(label: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `kolscope-soak-${label}-`));
  await writeSyntheticSnapshot({ dataDir: dir, influencers: 5000, seed: 3, activate: true });
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

async function embeddedCrashes(): Promise<CrashResult> {
  const started = Date.now();
  const data = await snapshotData('embedded');
  const store = new SqliteAccountStore({ dataDir: data.dir });
  const key = await store.createKey({ name: 'soak', credits: GRANT, qps: 1_000_000 });
  await store.close();
  const seen = newSeen();
  let unanswered = 0;
  const port = await freePort();
  try {
    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      checkDeadline();
      const replica = await startServe(data.dir, port);
      const clients = load(() => [replica.base], key.key, seen);
      await sleep(300 + Math.random() * 500);
      await kill9(replica);
      await clients.stop();
      unanswered = verify(`embedded cycle ${cycle}`, sqliteLedger(data.dir, key.id), seen);
      say(
        `embedded cycle ${cycle}: ${seen.ok.size} × 200 so far, ${seen.cut} cut, ${unanswered} debits unanswered`,
      );
    }
  } finally {
    await data.remove();
  }
  return {
    label: 'embedded (SQLite, ACCOUNTS_DURABILITY=process), 1 replica',
    cycles: CYCLES,
    ok: seen.ok.size,
    cut: seen.cut,
    unanswered,
    refused: seen.refused,
    statuses: statusText(seen),
    seconds: (Date.now() - started) / 1000,
  };
}

async function scaledCrashes(): Promise<CrashResult> {
  const started = Date.now();
  const data = await snapshotData('scaled');
  const database = `kolscope_soak_${process.pid}_${Date.now()}`;
  const adminUrl = new URL(TEST_DATABASE_URL);
  const admin = new pg.Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const dbUrl = new URL(TEST_DATABASE_URL);
  dbUrl.pathname = `/${database}`;
  const redis = await startRedis();
  const env = { DATABASE_URL: dbUrl.toString(), REDIS_URL: redis.url };
  const replicas: Replica[] = [];
  const seen = newSeen();
  let unanswered = 0;
  const reader = new pg.Client({ connectionString: dbUrl.toString() });
  try {
    const store = await PostgresAccountStore.open({ connectionString: dbUrl.toString() });
    const key = await store.createKey({ name: 'soak', credits: GRANT, qps: 1_000_000 });
    await store.close();
    await reader.connect();
    for (let i = 0; i < 3; i++) replicas.push(await startServe(data.dir, await freePort(), env));
    const ledger = async (): Promise<LedgerState> => {
      const rows = (
        await reader.query<{ request_id: string; delta: string; reason: string }>(
          'SELECT request_id, delta, reason FROM kolscope.ledger WHERE key_id = $1',
          [key.id],
        )
      ).rows.map((r) => ({ ...r, delta: Number(r.delta) }));
      const balance = await reader.query<{ credits: string }>(
        'SELECT credits FROM kolscope.api_keys WHERE id = $1',
        [key.id],
      );
      return ledgerState(rows, Number(balance.rows[0]!.credits));
    };
    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      checkDeadline();
      const clients = load(() => replicas.map((r) => r.base), key.key, seen);
      await sleep(300 + Math.random() * 500);
      const victim = replicas[cycle % 3]!;
      await kill9(victim);
      // The others keep serving while the victim restarts.
      replicas[cycle % 3] = await startServe(data.dir, victim.port, env);
      // Checked with the load stopped: while replicas answer, the ledger moves as it is read.
      await clients.stop();
      unanswered = verify(`scaled cycle ${cycle}`, await ledger(), seen);
      say(
        `scaled cycle ${cycle}: replica ${cycle % 3} killed and back; ${seen.ok.size} × 200 so far, ${seen.cut} cut, ${unanswered} debits unanswered`,
      );
    }
  } finally {
    for (const r of replicas) await kill9(r);
    await reader.end().catch(() => {});
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
    await redis.cleanup();
    await data.remove();
  }
  return {
    label: '3 replicas on PostgreSQL + Redis, one killed per cycle',
    cycles: CYCLES,
    ok: seen.ok.size,
    cut: seen.cut,
    unanswered,
    refused: seen.refused,
    statuses: statusText(seen),
    seconds: (Date.now() - started) / 1000,
  };
}

async function activations() {
  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'kolscope-soak-swap-'));
  const snapshots = [
    await writeSyntheticSnapshot({ dataDir: dir, influencers: 5000, seed: 3, activate: true }),
    await writeSyntheticSnapshot({ dataDir: dir, influencers: 5000, seed: 4, activate: false }),
  ];
  // The page of every query in each snapshot: a response must be one of them, whole.
  const pages = new Map<string, Set<string>>(QUERIES.map((q) => [q, new Set<string>()]));
  for (const s of snapshots) {
    const index = await loadServingIndex(s.dir);
    for (const q of QUERIES)
      pages
        .get(q)!
        .add(JSON.stringify(JSON.parse(index.search(parseInfluencerQuery(q.split('?')[1]!)).dataJson)));
    index.close();
  }
  const store = new SqliteAccountStore({ dataDir: dir });
  const key = await store.createKey({ name: 'soak', credits: GRANT, qps: 1_000_000 });
  await store.close();
  const replica = await startServe(dir, await freePort());
  const seen = newSeen();
  let mixed = 0;
  const clients = load(
    () => [replica.base],
    key.key,
    seen,
    (path, body) => {
      const data = JSON.stringify((JSON.parse(body) as { data: unknown }).data);
      if (!pages.get(path)!.has(data)) mixed++;
    },
    200_000,
  );
  let done = 0;
  try {
    for (let i = 1; i <= ACTIVATIONS; i++) {
      checkDeadline();
      const target = snapshots[i % 2]!.manifest.version;
      await activateSnapshot(dir, target);
      // The server polls the ACTIVE pointer once a second: wait until it serves the target (at most 10 s).
      for (let t = 0; t < 100; t++) {
        const health = (await (await fetch(`${replica.base}/healthz`)).json()) as {
          data: { snapshot?: { version: string } };
        };
        if (health.data.snapshot?.version === target) break;
        if (t === 99) throw new Error(`activation ${i}: ${target} not served after 10 s`);
        await sleep(100);
      }
      done = i;
    }
  } finally {
    await clients.stop();
    await kill9(replica);
    await rm(dir, { recursive: true, force: true });
  }
  const fivexx = [...seen.statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0);
  if (fivexx > 0 || mixed > 0 || seen.cut > 0)
    throw new Error(`activations: ${fivexx} × 5xx, ${mixed} mixed pages, ${seen.cut} broken connections`);
  return {
    activations: done,
    ok: seen.ok.size,
    mixed,
    fivexx,
    statuses: statusText(seen),
    seconds: (Date.now() - started) / 1000,
  };
}

const when = new Date().toISOString();
const embedded = await embeddedCrashes();
const scaled = await scaledCrashes();
const swaps = await activations();
const row = (r: CrashResult) =>
  `| ${r.label} | ${r.cycles} | ${r.ok} | ${r.cut} | ${r.unanswered} | ${r.refused} | ${r.statuses} | ${r.seconds.toFixed(0)} |`;
const report = [
  `# Soak, ${when}`,
  '',
  `\`npm run soak\` (${CYCLES} kill -9 cycles per setup, ${ACTIVATIONS} activations, ${CLIENTS} clients on loopback). All checks passed.`,
  '',
  'Checked after every cycle: ledger sum == balance (credits granted − balance == credits spent); every 200 received',
  'has exactly one debit and no refund; debits without a received 200 or a refund ≤ requests cut by the kill.',
  '',
  '| setup | kill -9 cycles | 200s received | requests cut by a kill | debits of cut requests | refused (replica down) | other statuses | s |',
  '| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |',
  row(embedded),
  row(scaled),
  '',
  `Snapshot activations under load: ${swaps.activations} activations (two snapshots in turn), ${swaps.ok} × 200,`,
  `${swaps.fivexx} × 5xx, ${swaps.mixed} mixed pages, other statuses: ${swaps.statuses}; ${swaps.seconds.toFixed(0)} s.`,
  '',
];
await mkdir(values.out!, { recursive: true });
const file = join(values.out!, `soak-${when.slice(0, 19).replaceAll(':', '-')}.md`);
await writeFile(file, report.join('\n'));
process.stdout.write(report.join('\n') + `\nwritten to ${file}\n`);
