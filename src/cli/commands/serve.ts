// `kolscope serve` (= `npm start`): the composition root of the running service.
//   1. accounts: SQLite in DATA_DIR, or PostgreSQL / Redis when DATABASE_URL / REDIS_URL are set;
//   2. listens at once (503 "not ready" until a snapshot is active, so load balancers can wait);
//   3. first start: no API key → creates one and prints it once; no active snapshot → generates and ingests
//      a demo dataset, whose activation the watcher below picks up like any later `kolscope ingest`;
//   4. watches the ACTIVE pointer and swaps the served snapshot atomically;
//   5. SIGTERM / SIGINT: stops accepting, finishes in-flight requests, flushes usage, closes the stores.
import { unwatchFile, watchFile } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import { openAccounts, type Accounts } from '../../accounts/index.ts';
import { buildApp } from '../../api/app.ts';
import { BufferedLogStream } from '../../api/log-stream.ts';
import { ConfigError, loadConfig, type Config } from '../../config.ts';
import { loadServingIndex } from '../../index/index.ts';
import type { ServingIndex } from '../../index/types.ts';
import { stderrProgress, type Progress } from '../../progress.ts';
import { BATCH_DIR_PATTERN } from '../../raw/format.ts';
import { activePointerPath, activeSnapshot } from '../../snapshot/store.ts';
import { dataDirOption, parseCount } from '../options.ts';

/** What a first start grants the key it creates. */
export const FIRST_KEY = { name: 'first-start', credits: 100_000, qps: 50 } as const;
export const DEMO_INFLUENCERS = 100_000;
export const DEMO_DAYS = 90;

export interface ServeOptions {
  readonly config: Config;
  /** Influencers of the demo dataset made when no snapshot is active; 0 = make none (serve 503 until one is). */
  readonly demoInfluencers: number;
  /** How often the ACTIVE pointer is checked, in ms. */
  readonly watchIntervalMs?: number;
  readonly progress?: Progress;
  /** Where the human-readable start-up lines go (the JSON logs go to stdout). */
  readonly say?: (line: string) => void;
}

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly url: string;
  /** Resolves once the first snapshot (demo or existing) is served. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * The snapshot served, swapped atomically when the ACTIVE pointer changes. Searches are synchronous, so
 * once `current` points at the new index no request is still inside the old one and it can be closed.
 */
class LiveSnapshot {
  current: ServingIndex | null = null;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly dataDir: string,
    private readonly log: (msg: string, err?: unknown) => void,
  ) {}

  /** Loads the active snapshot if it is not the one served. Serialized: concurrent calls queue. */
  refresh(): Promise<void> {
    this.chain = this.chain.then(() => this.load());
    return this.chain;
  }

  private async load(): Promise<void> {
    if (this.closed) return;
    try {
      const info = await activeSnapshot(this.dataDir);
      if (!info || info.manifest.version === this.current?.version) return;
      const next = await loadServingIndex(info.dir);
      if (this.closed) return next.close();
      const previous = this.current;
      this.current = next;
      previous?.close();
      this.log(
        `serving snapshot ${next.version} (as of ${next.asOf}, ${info.manifest.rows.toLocaleString('en-US')} influencers, regions ${next.regions.join(' ')})`,
      );
    } catch (err) {
      // A snapshot that cannot be loaded leaves the previous one serving.
      this.log(
        `could not load the active snapshot; still serving ${this.current?.version ?? 'nothing'}`,
        err,
      );
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.chain;
    this.current?.close();
    this.current = null;
  }
}

/** The day batches of a raw directory (YYYY-MM-DD subdirectories); none when it does not exist. */
async function rawBatches(rawDir: string): Promise<string[]> {
  try {
    return (await readdir(rawDir)).filter((name) => BATCH_DIR_PATTERN.test(name)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * Generates a demo raw dataset and ingests it into a new active snapshot (first start only). A raw-demo
 * left by an earlier first start that failed later (e.g. while ingesting) is complete — generateRaw moves
 * its directory into place only on success — so it is ingested again instead of being generated anew.
 */
async function makeDemoSnapshot(dataDir: string, influencers: number, progress: Progress): Promise<void> {
  const { generateRaw } = await import('../../raw/generate.ts');
  const { ingestToActiveSnapshot } = await import('./ingest.ts');
  const rawDir = join(dataDir, 'raw-demo');
  const existing = await rawBatches(rawDir);
  let asOf: string;
  if (existing.length > 0) {
    asOf = existing.at(-1)!;
    progress.log(
      `first start: reusing the demo dataset of an earlier start in ${rawDir} (${existing.length} days, ${existing[0]} … ${asOf})`,
    );
  } else {
    progress.log(
      `first start: generating a demo dataset (${influencers} influencers × ${DEMO_DAYS} days) in ${rawDir}`,
    );
    const generated = await generateRaw({ outDir: rawDir, influencers, days: DEMO_DAYS, seed: 1 }, progress);
    asOf = generated.lastDay;
  }
  progress.log(`first start: ingesting ${rawDir} into a snapshot`);
  await ingestToActiveSnapshot({ dataDir, rawDir, asOf }, progress);
}

export async function serve(options: ServeOptions): Promise<RunningServer> {
  const { config } = options;
  const progress = options.progress ?? stderrProgress();
  const say = options.say ?? ((line: string) => process.stderr.write(line + '\n'));
  const accounts: Accounts = await openAccounts(config);
  // JSON logs on stdout, gathered into one write per ≤ 100 ms instead of one per request line.
  const logStream = new BufferedLogStream(1);
  const logger = { level: config.logLevel, stream: logStream };
  let live: LiveSnapshot | null = null;
  const app = buildApp({
    index: () => live?.current ?? null,
    accounts: accounts.store,
    limiter: accounts.limiter,
    logger,
    publicUrl: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`,
    processMetrics: true,
    ...(config.metricsToken !== undefined && { metricsToken: config.metricsToken }),
  });
  live = new LiveSnapshot(config.dataDir, (msg, err) =>
    err ? app.log.error({ err }, msg) : app.log.info(msg),
  );
  const pointer = activePointerPath(config.dataDir);
  const onPointerChange = () => void live?.refresh();

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      unwatchFile(pointer, onPointerChange);
      await app.close(); // stops accepting; in-flight requests finish (their debits resolve first)
      await live?.close();
      await accounts.store.close(); // flushes buffered usage
      await accounts.limiter.close();
      logStream.close();
    })();
    return closing;
  };

  try {
    await live.refresh();
    const address = await app.listen({ port: config.port, host: config.host }).catch((err: unknown) => {
      const code = (err as NodeJS.ErrnoException).code;
      // The operator's fix is a setting, so say which one instead of printing a stack.
      if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL')
        throw new ConfigError(
          `cannot listen on ${config.host}:${config.port}: ${code === 'EADDRINUSE' ? 'the port is in use (another server running?)' : code === 'EACCES' ? 'permission denied' : 'no such address on this machine'}; set PORT/HOST or --port/--host`,
        );
      throw err;
    });
    const url = address.replace('[::1]', 'localhost');
    say(`Kolscope listening on ${url} (${accounts.describe}; data in ${config.dataDir})`);
    say(`  API reference and try-it form: ${url}/docs   health: ${url}/healthz   metrics: ${url}/metrics`);

    // Atomic across replicas sharing the accounts store: of several starting together, one creates it.
    const created = await accounts.store.createFirstKey(FIRST_KEY);
    if (created) {
      say(
        `Created API key ${created.id} (${FIRST_KEY.credits} credits, ${FIRST_KEY.qps} qps). ` +
          'It is shown only now; store it safely:',
      );
      say(`  ${created.key}`);
      say(
        `  curl -H 'Authorization: Bearer ${created.key}' '${url}/v1/tiktok/influencer/list/analytics?region=US'`,
      );
    }

    watchFile(pointer, { interval: options.watchIntervalMs ?? 1000 }, onPointerChange);
    let ready: Promise<void>;
    if (live.current) {
      ready = Promise.resolve();
    } else if (options.demoInfluencers > 0) {
      say('No snapshot is active yet: making the demo dataset (requests get 503 until it is served).');
      ready = makeDemoSnapshot(config.dataDir, options.demoInfluencers, progress).then(() => live!.refresh());
    } else {
      say('No snapshot is active: requests get 503 until `kolscope ingest` activates one.');
      ready = new Promise((resolve) => {
        const check = () => (live?.current ? resolve() : setTimeout(check, 200).unref());
        check();
      });
    }
    return { app, url, ready, close };
  } catch (err) {
    await close();
    throw err;
  }
}

export function register(program: Command): void {
  program
    .command('serve')
    .description(
      'serve the API (first start: makes a demo snapshot and an API key); PORT, HOST, DATABASE_URL, REDIS_URL from the environment',
    )
    .addOption(dataDirOption())
    .option('--port <n>', 'port (default: $PORT, else 8080)', parseCount('--port'))
    .option('--host <host>', 'interface (default: $HOST, else 127.0.0.1)')
    .option(
      '--demo-influencers <n>',
      `influencers in the demo dataset made when no snapshot is active (0: none)`,
      parseCount('--demo-influencers'),
      DEMO_INFLUENCERS,
    )
    .action(async (opts: { dataDir: string; port?: number; host?: string; demoInfluencers: number }) => {
      const config = loadConfig(process.env, {
        dataDir: opts.dataDir,
        ...(opts.port !== undefined && { port: opts.port }),
        ...(opts.host !== undefined && { host: opts.host }),
      });
      const server = await serve({ config, demoInfluencers: opts.demoInfluencers });
      let signals = 0;
      const stop = (signal: NodeJS.Signals) => {
        if (++signals > 1) process.exit(130); // a second Ctrl-C does not wait
        server.app.log.info(`${signal}: shutting down (finishing in-flight requests, flushing usage)`);
        server.close().then(
          () => process.exit(0),
          (err: unknown) => {
            server.app.log.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
      server.ready.catch((err: unknown) => {
        server.app.log.error({ err }, 'first start: the demo snapshot could not be made');
        process.stderr.write(`kolscope: the demo snapshot could not be made: ${(err as Error).message}\n`);
        void server.close().finally(() => process.exit(1));
      });
    });
}
