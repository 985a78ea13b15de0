// HTTP benchmark: the full Kolscope stack over HTTP against a bare Fastify server serializing the same ten rows
// per request, and a pre-serialized ceiling. autocannon, 50 connections, a realistic mix of query URLs, same
// machine, every server once per round. Writes <outDir>/http-<size>.json and http-<size>.md.
//   npm run bench -- --only http --sizes 100k      (default size: 1m)
// Environment: HTTP_BENCH_SECONDS (default 10) per server and round, HTTP_BENCH_CONNECTIONS (default 50),
// HTTP_BENCH_ROUNDS (default 3).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { INFLUENCER_LIST_PATH } from '../src/api/endpoints/influencer-list.ts';
import { RANGE_FIELDS, type InfluencerQuery } from '../src/index/query.ts';
import { stderrProgress } from '../src/progress.ts';
import { activeSnapshot } from '../src/snapshot/store.ts';
import type { ServerJob, ServerMode } from './http-server.ts';
import { realisticMix } from './queries.ts';
import { writeSyntheticSnapshot } from '../src/service/index.ts';

const SECONDS = Number(process.env.HTTP_BENCH_SECONDS || 10);
const CONNECTIONS = Number(process.env.HTTP_BENCH_CONNECTIONS || 50);
const ROUNDS = Math.max(1, Number(process.env.HTTP_BENCH_ROUNDS || 3));
const BENCH_DATA = fileURLToPath(new URL('./data/', import.meta.url));
const SERVER = fileURLToPath(new URL('./http-server.ts', import.meta.url));
const MODES: readonly ServerMode[] = [
  'bare',
  'bare-stringify',
  'kolscope',
  'kolscope-nocache',
  'kolscope-logged',
  'ceiling',
];
const progress = stderrProgress(5000);
/** USER_HZ of /proc/<pid>/stat: 100 on Linux. */
const CLOCK_TICKS_PER_SECOND = 100;

const sizeLabel = (n: number) =>
  n % 1_000_000 === 0 ? `${n / 1_000_000}m` : n % 1000 === 0 ? `${n / 1000}k` : `${n}`;

/** The URL of a query: what a client of the public contract sends. */
export function queryPath(q: InfluencerQuery): string {
  const p = new URLSearchParams({
    region: q.region,
    page_num: String(q.pageNum),
    page_size: String(q.pageSize),
  });
  if (q.sortField !== 0) p.set('influencer_sort_field_v2', String(q.sortField));
  if (q.descending) p.set('sort_type', '1');
  for (const field of RANGE_FIELDS) {
    const r = q.ranges[field];
    if (r?.min !== undefined) p.set(`min_${field}`, String(r.min));
    if (r?.max !== undefined) p.set(`max_${field}`, String(r.max));
  }
  if (q.productCategoryIds?.length) p.set('product_category_id', q.productCategoryIds.join(','));
  if (q.category !== undefined) p.set('influencer_category_name', q.category);
  if (q.language !== undefined) p.set('influencer_language', q.language);
  if (q.gender !== undefined) p.set('gender', q.gender);
  if (q.showCaseFlag !== undefined) p.set('show_case_flag', String(q.showCaseFlag));
  if (q.salesFlag !== undefined) p.set('sales_flag', String(q.salesFlag));
  return `${INFLUENCER_LIST_PATH}?${p}`;
}

/** A synthetic snapshot of `size` influencers: the engines benchmark's if it made one, else our own. */
async function dataset(size: number): Promise<string> {
  for (const name of [`engines-${sizeLabel(size)}`, `http-${sizeLabel(size)}`]) {
    const existing = await activeSnapshot(join(BENCH_DATA, name)).catch(() => null);
    if (existing && existing.manifest.rows === size) return existing.dir;
  }
  const dataDir = join(BENCH_DATA, `http-${sizeLabel(size)}`);
  progress.log(`http: creating the ${sizeLabel(size)} synthetic snapshot in ${dataDir}`);
  return (await writeSyntheticSnapshot({ dataDir, influencers: size, seed: 1, activate: true }, progress))
    .dir;
}

interface Started {
  readonly child: ChildProcess;
  readonly url: string;
  readonly key: string;
  /** The server's CPU time so far, in µs. */
  cpuMicros(): Promise<number>;
}

async function startServer(job: ServerJob): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER], {
    env: { ...process.env, KOLSCOPE_BENCH_SERVER: JSON.stringify(job) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`bench server ${job.mode} exited with ${code}`)));
  });
  const { url, key } = JSON.parse(line) as { url: string; key: string };
  return { child, url, key, cpuMicros: () => processCpuMicros(child.pid!) };
}

/** User + system CPU time of a process so far, in µs, from /proc (Linux); NaN elsewhere. */
async function processCpuMicros(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces): utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1e6) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

async function stopServer(server: Started): Promise<void> {
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
}

export interface HttpResult {
  readonly server: ServerMode;
  readonly requestsPerSecond: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly requests: number;
  /** Server CPU time (user + system) per request, µs. */
  readonly cpuMicrosPerRequest: number;
  readonly non2xx: number;
  readonly errors: number;
  /** Server CPU time over wall time of the measured run: below 100 % the server waited (commits, clients). */
  readonly serverUtilization: number;
  /** Mean latency of a 16 KiB write + fsync in the server's work directory just before the run, ms. */
  readonly fsyncMs: number;
}

/**
 * What a durable commit waits for on this disk right now: the mean of 50 (16 KiB write + fsync) in `dir`.
 * The machine is shared; other jobs' writes can make an fsync 10× slower, and every debit waits for one.
 */
async function fsyncLatency(dir: string): Promise<number> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'fsync-probe');
  const handle = await open(file, 'w');
  try {
    const block = Buffer.alloc(16 * 1024, 1);
    const started = performance.now();
    for (let i = 0; i < 50; i++) {
      await handle.write(block, 0, block.length, (i % 8) * block.length);
      await handle.sync();
    }
    return (performance.now() - started) / 50;
  } finally {
    await handle.close();
    await rm(file, { force: true });
  }
}

async function load(
  server: Started,
  mode: ServerMode,
  paths: readonly string[],
  seconds: number,
  fsyncMs = NaN,
): Promise<HttpResult> {
  const headers: Record<string, string> = server.key ? { authorization: `Bearer ${server.key}` } : {};
  const cpuBefore = await server.cpuMicros();
  const started = performance.now();
  const result = await autocannon({
    url: server.url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: paths.map((path) => ({ method: 'GET', path, headers })),
  });
  const cpu = (await server.cpuMicros()) - cpuBefore;
  const wallMicros = (performance.now() - started) * 1000;
  return {
    server: mode,
    requestsPerSecond: Math.round(result.requests.average),
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    requests: result.requests.total,
    cpuMicrosPerRequest: Math.round(cpu / Math.max(1, result.requests.total)), // NaN off Linux
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    serverUtilization: cpu / wallMicros,
    fsyncMs,
  };
}

/** Both servers return the same rows for every path of the mix (a benchmark of wrong answers is worthless). */
async function checkSameRows(kolscope: Started, bare: Started, paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    const [a, b] = await Promise.all([
      fetch(kolscope.url + path, { headers: { authorization: `Bearer ${kolscope.key}` } }).then((r) =>
        r.json(),
      ),
      fetch(bare.url + path).then((r) => r.json()),
    ]);
    const rowsA = JSON.stringify((a as { data: unknown }).data);
    const rowsB = JSON.stringify((b as { data: unknown }).data);
    if (rowsA !== rowsB) throw new Error(`http bench: kolscope and bare differ on ${path}`);
  }
}

interface SizeReport {
  readonly size: number;
  readonly seconds: number;
  readonly connections: number;
  readonly urls: number;
  readonly rounds: number;
  /** 1-minute load average before and after the measurements. */
  readonly loadAverage: readonly [number, number];
  /** Every measurement, round by round. */
  readonly results: HttpResult[][];
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export async function run({ sizes, outDir }: { sizes: number[]; outDir: string }): Promise<void> {
  for (const size of sizes) {
    const snapshotDir = await dataset(size);
    const paths = realisticMix(20261124, 200).map((b) => queryPath(b.query));
    const workDir = await mkdtemp(join(tmpdir(), 'kolscope-http-bench-'));
    const results: HttpResult[][] = [];
    const loadBefore = loadavg()[0]!;
    try {
      const bare = await startServer({ mode: 'bare', snapshotDir, workDir, paths });
      const full = await startServer({ mode: 'kolscope', snapshotDir, workDir: join(workDir, 'a'), paths });
      await checkSameRows(full, bare, paths);
      await Promise.all([stopServer(bare), stopServer(full)]);
      progress.log(
        `http ${sizeLabel(size)}: the ${paths.length} URLs of the mix return the same rows from both`,
      );
      // Rounds run every server once, in turn: the load of other work on the machine drifts, so each round's
      // ratios compare servers measured minutes apart at most, and medians over rounds damp the drift.
      for (let round = 1; round <= ROUNDS; round++) {
        const roundResults: HttpResult[] = [];
        for (const mode of MODES) {
          const dir = join(workDir, `${mode}-${round}`);
          const server = await startServer({ mode, snapshotDir, workDir: dir, paths });
          try {
            await load(server, mode, paths, Math.min(2, SECONDS)); // warm-up: JIT, page cache, SQLite pages
            const r = await load(server, mode, paths, SECONDS, await fsyncLatency(dir));
            progress.log(
              `http ${sizeLabel(size)} round ${round} ${mode}: ${r.requestsPerSecond} req/s, ${r.cpuMicrosPerRequest} µs CPU/request, server busy ${(100 * r.serverUtilization).toFixed(0)} %, p50 ${r.latencyP50Ms} ms, p99 ${r.latencyP99Ms} ms, non-2xx ${r.non2xx}, errors ${r.errors}, fsync ${r.fsyncMs.toFixed(2)} ms, load ${loadavg()[0]!.toFixed(1)}`,
            );
            roundResults.push(r);
          } finally {
            await stopServer(server);
          }
        }
        results.push(roundResults);
      }
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
    const report: SizeReport = {
      size,
      seconds: SECONDS,
      connections: CONNECTIONS,
      urls: paths.length,
      rounds: ROUNDS,
      loadAverage: [loadBefore, loadavg()[0]!],
      results,
    };
    const base = join(outDir, `http-${sizeLabel(size)}`);
    await writeFile(`${base}.json`, JSON.stringify(report, null, 2) + '\n');
    await writeFile(`${base}.md`, markdown(report));
  }
}

function markdown(r: SizeReport): string {
  const lines = [
    `# HTTP: Kolscope full stack vs bare Fastify, ${sizeLabel(r.size)} influencers`,
    '',
    'autocannon on the same machine, servers in their own process, a realistic mix of query URLs',
    '(bench/queries.ts realisticMix). **kolscope**: Bearer auth, QPS check, durable group-committed debit',
    '(SQLite), parameter validation, index search, envelope, page cache on; **kolscope-nocache**: the same with',
    'every request searching the index; **kolscope-logged**: kolscope with the production request log (one JSON',
    'line per request, batched writes, to /dev/null); **bare**: Fastify serializing the same rows (objects,',
    'response schema);',
    '**bare-stringify**: the same with JSON.stringify;',
    '**ceiling**: Fastify sending one pre-serialized body. Logging off elsewhere. Server CPU per request is',
    "the server process's user + system time over the measured run divided by its requests (the machine is",
    'shared, so requests/s moves with the load of other work; CPU per request much less).',
    `Each of ${r.rounds} rounds runs every server once; figures are medians over rounds, and "vs bare" is the`,
    "median of each round's ratio to that round's bare server. **server busy**: server CPU time / wall time",
    '(below 100 % of a core the server waited: for commits or for clients). **fsync**: mean time of a 16 KiB',
    "write + fsync in the server's directory just before its run; every debit waits for one such commit",
    '(group-committed: ~25 debits per fsync with 50 connections).',
    '',
    `${r.connections} connections, ${r.seconds} s per server and round, ${r.urls} URLs; 1-minute load average ${r.loadAverage[0].toFixed(1)} before, ${r.loadAverage[1].toFixed(1)} after.`,
    '',
    '| server | requests/s | vs bare | server CPU µs/request | server busy | p50 ms | p99 ms | fsync ms | non-2xx | errors | requests/s per round |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const mode of MODES) {
    const runs = r.results.map((round) => round.find((x) => x.server === mode)!).filter(Boolean);
    const ratios = r.results.map((round) => {
      const bare = round.find((x) => x.server === 'bare');
      const x = round.find((y) => y.server === mode);
      return bare && x ? x.requestsPerSecond / bare.requestsPerSecond : NaN;
    });
    const sum = (f: (x: HttpResult) => number) => runs.reduce((a, x) => a + f(x), 0);
    lines.push(
      `| ${mode} | ${Math.round(median(runs.map((x) => x.requestsPerSecond)))} | ${(100 * median(ratios)).toFixed(0)} % | ${Math.round(median(runs.map((x) => x.cpuMicrosPerRequest)))} | ${(100 * median(runs.map((x) => x.serverUtilization))).toFixed(0)} % | ${median(runs.map((x) => x.latencyP50Ms))} | ${median(runs.map((x) => x.latencyP99Ms))} | ${median(runs.map((x) => x.fsyncMs)).toFixed(2)} | ${sum((x) => x.non2xx)} | ${sum((x) => x.errors)} | ${runs.map((x) => x.requestsPerSecond).join(', ')} |`,
    );
  }
  lines.push('', 'Target: kolscope ≥ 80 % of bare.', '');
  return lines.join('\n');
}
