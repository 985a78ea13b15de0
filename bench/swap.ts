// Swap benchmark ("A snapshot swap never stalls requests"): request latency over HTTP while the served snapshot
// is swapped, against the same clients without swaps. The app runs in this process, as `kolscope serve` runs it
// (buildApp with an index getter, SQLite accounts, in-process limiter; page cache off, so every request searches
// the index it gets); CLIENTS keep-alive clients on loopback send the realistic mix back to back.
//   npm run bench -- --only swap --sizes 1m,10m
// Each swap loads the other of two snapshot folders with loadServingIndex and closes the one it replaces, as
// serve does: the engines benchmark's snapshot, and a twin of it in bench/data/swap-<size>/ (hard links to the
// same files, its own manifest with another version), so every load reads ~200 bytes per influencer afresh
// from the page cache, as a snapshot the pipeline has just written would be.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { MemoryRateLimiter } from '../src/accounts/memory-limiter.ts';
import { SqliteAccountStore } from '../src/accounts/sqlite.ts';
import { buildApp } from '../src/api/app.ts';
import { loadServingIndex, type LoadedServingIndex } from '../src/index/index.ts';
import { stderrProgress } from '../src/progress.ts';
import { SNAPSHOT_MANIFEST_FILE } from '../src/snapshot/schema.ts';
import { activeSnapshot } from '../src/snapshot/store.ts';
import { queryPath } from './http.ts';
import { realisticMix } from './queries.ts';
import { writeSyntheticSnapshot } from '../src/service/index.ts';

const BENCH_DATA = fileURLToPath(new URL('./data/', import.meta.url));
const SWAPS = 10;
const CLIENTS = Number(process.env.SWAP_CLIENTS || 2);
/** Requests without swaps, and the pause after each swap (so requests also run between loads). */
const BASELINE_SECONDS = 10;
const PAUSE_MS = 500;
/** No phase runs longer than this, however slow the loads. */
const PHASE_LIMIT_MS = 20 * 60_000;

const progress = stderrProgress(5000);
const sizeLabel = (n: number) =>
  n % 1_000_000 === 0 ? `${n / 1_000_000}m` : n % 1000 === 0 ? `${n / 1000}k` : `${n}`;

/** The engines benchmark's synthetic snapshot of `size` influencers (made when missing). */
async function dataset(size: number): Promise<string> {
  const dataDir = join(BENCH_DATA, `engines-${sizeLabel(size)}`);
  const existing = await activeSnapshot(dataDir).catch(() => null);
  if (existing && existing.manifest.rows === size) return existing.dir;
  progress.log(`swap: creating the ${sizeLabel(size)} synthetic snapshot in ${dataDir}`);
  return (await writeSyntheticSnapshot({ dataDir, influencers: size, seed: 1, activate: true }, progress))
    .dir;
}

/** A second snapshot folder with the same files (hard links) and its own manifest (version + "-twin"). */
async function twin(snapshotDir: string, size: number): Promise<string> {
  const dir = join(BENCH_DATA, `swap-${sizeLabel(size)}`, 'twin');
  const manifest = JSON.parse(await readFile(join(snapshotDir, SNAPSHOT_MANIFEST_FILE), 'utf8')) as {
    version: string;
  };
  const version = `${manifest.version}-twin`;
  const done = join(dir, SNAPSHOT_MANIFEST_FILE);
  if (
    existsSync(done) &&
    (JSON.parse(await readFile(done, 'utf8')) as { version: string }).version === version
  )
    return dir;
  await rm(dir, { recursive: true, force: true });
  for (const entry of await readdir(snapshotDir, { recursive: true, withFileTypes: true })) {
    const from = join(entry.parentPath, entry.name);
    const to = join(dir, from.slice(snapshotDir.length));
    if (entry.isDirectory()) await mkdir(to, { recursive: true });
    else if (entry.name !== SNAPSHOT_MANIFEST_FILE || entry.parentPath !== snapshotDir) {
      await mkdir(join(to, '..'), { recursive: true });
      await link(from, to);
    }
  }
  await writeFile(done, JSON.stringify({ ...manifest, version }, null, 2) + '\n');
  return dir;
}

interface Latencies {
  readonly requests: number;
  readonly errors: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Longest event-loop delay seen meanwhile (ms, 1 ms resolution), and the longest GC pause. */
  readonly loopDelayMax: number;
  readonly gcMax: number;
}

const quantile = (sorted: Float64Array, q: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/** Runs CLIENTS request loops over `paths` until `work` resolves; every request's latency is kept. */
async function measure(
  url: URL,
  key: string,
  paths: readonly string[],
  work: () => Promise<void>,
): Promise<Latencies> {
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  const times: number[] = [];
  let errors = 0;
  let stop = false;
  const get = (path: string) =>
    new Promise<number>((resolve) => {
      const req = request(
        { host: url.hostname, port: url.port, path, agent, headers: { authorization: `Bearer ${key}` } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', () => resolve(0));
      req.end();
    });
  const client = async (c: number) => {
    for (let i = c; !stop; i++) {
      const started = performance.now();
      const status = await get(paths[i % paths.length]!);
      times.push(performance.now() - started);
      if (status !== 200) errors++;
    }
  };
  const delay = monitorEventLoopDelay({ resolution: 1 });
  let gcMax = 0;
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMax = Math.max(gcMax, e.duration);
  });
  gc.observe({ entryTypes: ['gc'] });
  delay.enable();
  const clients = Array.from({ length: CLIENTS }, (_, c) => client(c));
  try {
    await work();
  } finally {
    stop = true;
    await Promise.all(clients);
    delay.disable();
    gc.disconnect();
    agent.destroy();
  }
  const sorted = Float64Array.from(times).sort();
  return {
    requests: times.length,
    errors,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: sorted.length ? sorted[sorted.length - 1]! : NaN,
    loopDelayMax: delay.max / 1e6,
    gcMax,
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface SizeResult {
  readonly size: number;
  readonly cpus: number;
  readonly clients: number;
  readonly baseline: Latencies;
  readonly swapping: Latencies;
  /** Wall time of each swap's loadServingIndex, ms. */
  readonly loadMs: readonly number[];
  readonly residentBytes: number;
  readonly loadAverage: { readonly baseline: number; readonly swapping: number };
}

async function runSize(size: number): Promise<SizeResult> {
  const dirs = [await dataset(size), ''];
  dirs[1] = await twin(dirs[0]!, size);
  const workDir = join(existsSync('/dev/shm') ? '/dev/shm' : BENCH_DATA, `kolscope-swap-${randomUUID()}`);
  await mkdir(workDir, { recursive: true });
  // Accounts in memory-backed storage where there is one: the benchmark measures swaps, not the disk.
  const accounts = new SqliteAccountStore({ dataDir: workDir });
  let current: LoadedServingIndex = await loadServingIndex(dirs[0]!);
  const app = buildApp({
    index: () => current,
    accounts,
    limiter: new MemoryRateLimiter(),
    pageCacheChars: 0,
  });
  try {
    const key = (await accounts.createKey({ name: 'swap', credits: 1_000_000_000, qps: 1_000_000 })).key;
    const url = new URL(await app.listen({ port: 0, host: '127.0.0.1' }));
    const paths = realisticMix(20261124, 200).map((b) => queryPath(b.query));
    const bounded = (ms: number) => sleep(Math.min(ms, PHASE_LIMIT_MS));
    await measure(url, key, paths, () => bounded(3000)); // warm-up: JIT, page cache, SQLite pages
    progress.log(`swap ${sizeLabel(size)}: ${BASELINE_SECONDS} s without swaps`);
    const baseline = await measure(url, key, paths, () => bounded(BASELINE_SECONDS * 1000));
    const baselineLoad = loadavg()[0]!;
    const loadMs: number[] = [];
    progress.log(`swap ${sizeLabel(size)}: ${SWAPS} swaps`);
    const swapping = await measure(url, key, paths, async () => {
      const deadline = performance.now() + PHASE_LIMIT_MS;
      for (let i = 1; i <= SWAPS && performance.now() < deadline; i++) {
        const started = performance.now();
        const next = await loadServingIndex(dirs[i % 2]!);
        loadMs.push(performance.now() - started);
        const previous = current;
        current = next;
        previous.close();
        await sleep(PAUSE_MS);
      }
    });
    return {
      size,
      cpus: cpus().length,
      clients: CLIENTS,
      baseline,
      swapping,
      loadMs,
      residentBytes: current.residentBytes,
      loadAverage: { baseline: baselineLoad, swapping: loadavg()[0]! },
    };
  } finally {
    await app.close();
    current.close();
    await accounts.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

const ms = (x: number) => (x >= 10 ? x.toFixed(1) : x.toFixed(2));

function markdown(results: readonly SizeResult[]): string {
  const lines = [
    `# Swap benchmark (${new Date().toISOString()})`,
    '',
    `Request latency over HTTP (loopback, ${CLIENTS} keep-alive clients back to back, realistic mix, page cache off) ` +
      `without swaps (${BASELINE_SECONDS} s) and during ${SWAPS} swaps between two snapshot folders ` +
      `(${PAUSE_MS} ms apart). Latencies in ms.`,
    '',
    '| size | phase | requests | errors | p50 | p99 | max | event-loop delay max | GC pause max | load average (1 min) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of results)
    for (const [phase, l, load] of [
      ['no swaps', r.baseline, r.loadAverage.baseline],
      [`${r.loadMs.length} swaps`, r.swapping, r.loadAverage.swapping],
    ] as const)
      lines.push(
        `| ${sizeLabel(r.size)} | ${phase} | ${l.requests} | ${l.errors} | ${ms(l.p50)} | ${ms(l.p99)} | ${ms(l.max)} | ${ms(l.loopDelayMax)} | ${ms(l.gcMax)} | ${load.toFixed(2)} |`,
      );
  lines.push('', 'Load time per swap (loadServingIndex, wall clock, ms):', '');
  for (const r of results)
    lines.push(
      `- ${sizeLabel(r.size)} (${(r.residentBytes / 1e6).toFixed(0)} MB resident): ${r.loadMs.map((x) => x.toFixed(0)).join(', ')}`,
    );
  lines.push('', 'Target: max ≤ 50 ms during swaps at 10M.', '');
  return lines.join('\n');
}

export async function run({ sizes, outDir }: { sizes: number[]; outDir: string }): Promise<void> {
  const results: SizeResult[] = [];
  for (const size of sizes) {
    const r = await runSize(size);
    results.push(r);
    progress.log(
      `swap ${sizeLabel(r.size)}: without swaps p50/p99/max ${ms(r.baseline.p50)}/${ms(r.baseline.p99)}/${ms(r.baseline.max)} ms; ` +
        `during swaps ${ms(r.swapping.p50)}/${ms(r.swapping.p99)}/${ms(r.swapping.max)} ms (load average ${r.loadAverage.swapping.toFixed(2)})`,
    );
  }
  await mkdir(outDir, { recursive: true });
  const name = `swap-${sizes.map(sizeLabel).join('-')}`;
  await writeFile(join(outDir, `${name}.json`), JSON.stringify(results, null, 2) + '\n');
  await writeFile(join(outDir, `${name}.md`), markdown(results));
  progress.log(`swap: results in ${join(outDir, name)}.json and .md`);
}
