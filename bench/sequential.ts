// One sequential client over HTTP, timed per request with a microsecond clock (autocannon reports whole
// milliseconds, too coarse for a 0.3 ms target): the full Kolscope stack (bench/http-server.ts, mode
// kolscope: auth, QPS check, durable debit, search, envelope) and the bare Fastify server on the same
// requests, each in its own process, on one keep-alive connection, with two clients: node:http (what a
// Node program would use) and a minimal one on a raw socket (request bytes out, Content-Length framed
// response in), whose own cost is a few microseconds, so its figures are the server's and the loopback's.
// Writes <out>/sequential-<size>-<durability>.md.
//   node --import tsx bench/sequential.ts [--size 1m] [--requests 20000] [--out bench/results]
// ACCOUNTS_DURABILITY=power measures the fsync per group commit (default process: none).
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { activeSnapshot } from '../src/snapshot/store.ts';
import { writeSyntheticSnapshot } from '../src/service/index.ts';
import { queryPath } from './http.ts';
import type { ServerJob, ServerMode } from './http-server.ts';
import { realisticMix } from './queries.ts';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '1m' },
    requests: { type: 'string', default: '20000' },
    out: { type: 'string', default: 'bench/results' },
  },
});
const size = values.size!;
const influencers = /m$/i.test(size) ? Number(size.slice(0, -1)) * 1e6 : Number(size.replace(/k$/i, '000'));
const REQUESTS = Number(values.requests);
const SERVER = fileURLToPath(new URL('./http-server.ts', import.meta.url));
const durability = process.env.ACCOUNTS_DURABILITY || 'process';

async function dataset(): Promise<string> {
  for (const name of [`engines-${size}`, `http-${size}`]) {
    const dir = fileURLToPath(new URL(`./data/${name}/`, import.meta.url));
    const existing = await activeSnapshot(dir).catch(() => null);
    if (existing && existing.manifest.rows === influencers) return existing.dir;
  }
  const dataDir = fileURLToPath(new URL(`./data/http-${size}/`, import.meta.url));
  return (await writeSyntheticSnapshot({ dataDir, influencers, seed: 1, activate: true })).dir;
}

function get(agent: Agent, url: URL, path: string, key: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: url.hostname, port: url.port, path, headers: { authorization: `Bearer ${key}` } },
      (res) => {
        res.on('data', () => {});
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** A keep-alive connection speaking just enough HTTP/1.1 for these GETs (responses carry Content-Length). */
class RawClient {
  private buffered: Buffer = Buffer.alloc(0);
  private waiting: ((status: number) => void) | null = null;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
  }

  static async open(url: URL): Promise<RawClient> {
    const socket = connect(Number(url.port), url.hostname);
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new RawClient(socket);
  }

  get(path: string, key: string): Promise<number> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.socket.write(`GET ${path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer ${key}\r\n\r\n`);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const headEnd = this.buffered.indexOf('\r\n\r\n');
    if (headEnd < 0) return;
    const head = this.buffered.subarray(0, headEnd).toString('latin1');
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? NaN);
    if (!Number.isFinite(length)) throw new Error(`a response without Content-Length: ${head}`);
    if (this.buffered.length < headEnd + 4 + length) return;
    this.buffered = this.buffered.subarray(headEnd + 4 + length);
    const settle = this.waiting;
    this.waiting = null;
    settle?.(Number(head.slice(9, 12)));
  }
}

const quantile = (sorted: Float64Array, q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function measure(mode: ServerMode, snapshotDir: string, paths: string[]) {
  const workDir = await mkdtemp(join(tmpdir(), 'kolscope-seq-'));
  const job: ServerJob = { mode, snapshotDir, workDir, paths };
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER], {
    env: { ...process.env, KOLSCOPE_BENCH_SERVER: JSON.stringify(job) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`bench server ${mode} exited with ${code}`)));
  });
  const { url, key } = JSON.parse(line) as { url: string; key: string };
  const base = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const raw = await RawClient.open(base);
  const clients = {
    'node:http': (path: string) => get(agent, base, path, key),
    raw: (path: string) => raw.get(path, key),
  };
  const rows = [];
  for (const [client, send] of Object.entries(clients)) {
    // Warm-up: every path once (page cache, JIT), then the measured run.
    for (const path of paths) await send(path);
    const took = new Float64Array(REQUESTS);
    let non200 = 0;
    for (let i = 0; i < REQUESTS; i++) {
      const started = performance.now();
      const status = await send(paths[i % paths.length]!);
      took[i] = performance.now() - started;
      if (status !== 200) non200++;
    }
    took.sort();
    rows.push({
      mode,
      client,
      p50: quantile(took, 0.5),
      p90: quantile(took, 0.9),
      p99: quantile(took, 0.99),
      non200,
    });
  }
  raw.close();
  agent.destroy();
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
  await rm(workDir, { recursive: true, force: true });
  return rows;
}

const snapshotDir = await dataset();
const paths = realisticMix(20261124, 200).map((b) => queryPath(b.query));
const load = loadavg()[0]!;
const results = [];
for (const mode of ['kolscope', 'bare'] as const) results.push(...(await measure(mode, snapshotDir, paths)));
const lines = [
  `# One sequential client over HTTP, ${size} influencers, ACCOUNTS_DURABILITY=${durability}`,
  '',
  `${REQUESTS} requests per client on one keep-alive connection, the realistic mix of bench/http.ts,`,
  `client-side wall time per request; 1-minute load average ${load.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after.`,
  '',
  '| server | client | p50 ms | p90 ms | p99 ms | non-200 |',
  '| --- | --- | ---: | ---: | ---: | ---: |',
  ...results.map(
    (r) =>
      `| ${r.mode} | ${r.client} | ${r.p50.toFixed(3)} | ${r.p90.toFixed(3)} | ${r.p99.toFixed(3)} | ${r.non200} |`,
  ),
  '',
];
await mkdir(values.out!, { recursive: true });
const file = join(values.out!, `sequential-${size}-${durability}.md`);
await writeFile(file, lines.join('\n'));
process.stdout.write(lines.join('\n') + `\nwritten to ${file}\n`);
