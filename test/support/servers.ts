// Servers the failure tests own, never the machine's shared ones: redis-server processes on free loopback
// ports (one, or a three-master cluster), and a TCP proxy that can stop forwarding bytes (a stalled
// database) and resume.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Skip reason when redis-server is missing outside CI; throws in CI; false when it is there. */
export function redisServerMissing(): string | false {
  const found = spawnSync('redis-server', ['--version']).status === 0;
  if (found) return false;
  if (process.env.CI === 'true')
    throw new Error('redis-server is not installed, and CI requires these tests');
  return 'redis-server not installed';
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A free port whose cluster bus port (+10000) is free too. */
async function freePort(taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    if (taken.has(port)) continue;
    if ((await portFree(port)) && (await portFree(port + 10_000))) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('no free loopback port pair found');
}

async function waitForPing(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'ping'], { encoding: 'utf8' });
    if (r.stdout.trim() === 'PONG') return;
    await sleep(50);
  }
  throw new Error(`redis-server on port ${port} did not answer`);
}

export class RedisProcess {
  private child: ChildProcess | null = null;

  constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly extraArgs: string[] = [],
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
        ...this.extraArgs,
      ],
      { stdio: 'ignore' },
    );
    await waitForPing(this.port);
  }

  /** Freezes the server (SIGSTOP): connections stay open, nothing is answered. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.child = null;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await exited;
  }
}

/** One redis-server of its own on a free loopback port, in a temp dir. */
export async function startRedis(): Promise<RedisProcess & { cleanup(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'kolscope-redis-'));
  const server = new RedisProcess(await freePort(new Set()), dir);
  await server.start();
  return Object.assign(server, {
    cleanup: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

export interface RedisCluster {
  readonly ports: number[];
  /** redis+cluster://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3 */
  readonly url: string;
  stop(): Promise<void>;
}

/** A three-master Redis Cluster on loopback (no replicas), in a temp dir. */
export async function startRedisCluster(): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'kolscope-cluster-'));
  const taken = new Set<number>();
  const nodes: RedisProcess[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 3; i++) {
      const port = await freePort(taken);
      const node = new RedisProcess(port, dir, [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
        '--dbfilename',
        `dump-${port}.rdb`,
      ]);
      nodes.push(node);
      await node.start();
    }
    const ports = nodes.map((n) => n.port);
    const created = spawnSync(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    if (created.status !== 0)
      throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    for (const port of ports) {
      for (let i = 0; ; i++) {
        const info = spawnSync('redis-cli', ['-p', String(port), 'cluster', 'info'], { encoding: 'utf8' });
        if (info.stdout.includes('cluster_state:ok')) break;
        if (i >= 100) throw new Error(`cluster node ${port} not ok: ${info.stdout}`);
        await sleep(100);
      }
    }
    return { ports, url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * A TCP proxy on a free loopback port in front of `target`. freeze() stops forwarding bytes in both
 * directions (held, not dropped: a stalled server gets them when it wakes up) and holds new connections;
 * resume() forwards everything held and carries on.
 */
export class TcpProxy {
  private server: Server | null = null;
  private frozen = false;
  private readonly waiting: (() => void)[] = [];
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<void> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  freeze(): void {
    this.frozen = true;
  }

  resume(): void {
    this.frozen = false;
    for (const flush of this.waiting.splice(0)) flush();
  }

  async stop(): Promise<void> {
    this.resume();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(client: Socket): void {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    const open = () => {
      const upstream = connect(this.targetPort, this.targetHost);
      this.sockets.add(upstream);
      upstream.on('close', () => this.sockets.delete(upstream));
      this.forward(client, upstream);
      this.forward(upstream, client);
    };
    if (this.frozen) this.waiting.push(open);
    else open();
  }

  /** Copies from → to, holding chunks (and the end) while frozen. */
  private forward(from: Socket, to: Socket): void {
    from.on('data', (chunk: Buffer) => {
      if (this.frozen) this.waiting.push(() => to.write(chunk));
      else to.write(chunk);
    });
    from.on('end', () => (this.frozen ? this.waiting.push(() => to.end()) : to.end()));
    from.on('error', () => to.destroy());
    to.on('error', () => from.destroy());
  }
}
