// Credit debits per second, durable commits, with group commit vs one transaction per debit, on SQLite and
// (when reachable) PostgreSQL. Part of `npm run bench`; alone: node --import tsx bench/accounts.ts [outDir]
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import type { AccountStore } from '../src/accounts/index.ts';
import { SqliteAccountStore } from '../src/accounts/sqlite.ts';
import { PostgresAccountStore } from '../src/accounts/postgres.ts';
import { stderrProgress } from '../src/progress.ts';

const DATABASE_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const SECONDS = Number(process.env.BENCH_ACCOUNTS_SECONDS || 3);
const IN_FLIGHT = 256;

interface Result {
  store: string;
  mode: string;
  debits: number;
  seconds: number;
  debitsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** Keeps IN_FLIGHT debits outstanding for SECONDS; every debit is durable when its promise resolves. */
async function measure(store: AccountStore, label: { store: string; mode: string }): Promise<Result> {
  const { id } = await store.createKey({ name: 'bench', credits: 100_000_000, qps: 1 });
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  let n = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      const t = performance.now();
      const r = await store.debit(id, `${id}-${n++}`);
      if (!r.ok) throw new Error('bench key ran out of credits');
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number) =>
    Number(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(2));
  return {
    ...label,
    debits: latencies.length,
    seconds: Number(seconds.toFixed(2)),
    debitsPerSecond: Math.round(latencies.length / seconds),
    p50Ms: q(0.5),
    p99Ms: q(0.99),
  };
}

async function pgReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export async function run(options: { outDir: string }): Promise<void> {
  const progress = stderrProgress();
  const results: Result[] = [];
  const modes = [
    { mode: 'group commit', maxBatch: 1000 },
    { mode: 'one transaction per debit', maxBatch: 1 },
  ];

  for (const { mode, maxBatch } of modes) {
    const dataDir = await mkdtemp(join(tmpdir(), 'kolscope-bench-accounts-'));
    // The fsync per commit is what group commit saves: measured with power durability (synchronous=FULL).
    const store = new SqliteAccountStore({ dataDir, maxBatch, durability: 'power' });
    try {
      results.push(await measure(store, { store: 'SQLite (WAL, synchronous=FULL)', mode }));
      progress.log(`SQLite, ${mode}: ${results.at(-1)!.debitsPerSecond} debits/s`);
    } finally {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }

  if (await pgReachable()) {
    const schema = `kolscope_bench_${process.pid}`;
    for (const { mode, maxBatch } of modes) {
      // Per-debit transactions get the whole pool in parallel, so they are not held back by the queue.
      const store = await PostgresAccountStore.open({
        connectionString: DATABASE_URL,
        schema,
        maxBatch,
        maxInFlight: maxBatch === 1 ? 10 : 2,
      });
      try {
        results.push(await measure(store, { store: 'PostgreSQL (synchronous_commit default)', mode }));
        progress.log(`PostgreSQL, ${mode}: ${results.at(-1)!.debitsPerSecond} debits/s`);
      } finally {
        await store.close();
      }
    }
    const admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  } else {
    progress.log(`PostgreSQL not reachable at ${DATABASE_URL}: skipped`);
  }

  await mkdir(options.outDir, { recursive: true });
  await writeFile(
    join(options.outDir, 'accounts.json'),
    JSON.stringify({ inFlight: IN_FLIGHT, results }, null, 2) + '\n',
  );
  const md = [
    `# Credit debits per second (${IN_FLIGHT} in flight, ${SECONDS} s each, durable commits)`,
    '',
    '| store | mode | debits/s | p50 ms | p99 ms |',
    '| --- | --- | ---: | ---: | ---: |',
    ...results.map((r) => `| ${r.store} | ${r.mode} | ${r.debitsPerSecond} | ${r.p50Ms} | ${r.p99Ms} |`),
    '',
  ].join('\n');
  await writeFile(join(options.outDir, 'accounts.md'), md);
  process.stdout.write(md);
  progress.log(`results in ${join(options.outDir, 'accounts.json')} and accounts.md`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href)
  await run({ outDir: process.argv[2] ?? 'bench/results' });
