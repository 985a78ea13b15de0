// Running the service: the composition of the accounts (SQLite in DATA_DIR, or PostgreSQL / Redis when
// DATABASE_URL / REDIS_URL are set), the API app and the live snapshot it serves.
//   1. listens at once (503 "not ready" until a snapshot is active, so load balancers can wait);
//   2. first start: no API key → creates one and says it once; no active snapshot → generates and ingests
//      a demo dataset, whose activation the watcher below picks up like any later `kolscope ingest`;
//   3. watches the ACTIVE pointer and swaps the served snapshot atomically;
//   4. close(): stops accepting, finishes in-flight requests, flushes usage, closes the stores.
import { unwatchFile, watchFile } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { openAccounts, type Accounts } from '../accounts/index.ts';
import { buildApp } from '../api/app.ts';
import { BufferedLogStream } from '../api/log-stream.ts';
import { ConfigError, type Config } from '../config.ts';
import { recordingProgress, stderrProgress, type Progress } from '../progress.ts';
import { activePointerPath, activeSnapshot } from '../snapshot/store.ts';
import { createFirstKey, FIRST_KEY, makeDemoSnapshot } from './first-start.ts';
import { LiveSnapshot } from './live-snapshot.ts';

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
 * Starts the service: listening when this resolves, serving once `ready` resolves. Says the URL, and the
 * first key when it creates one, through `say`; a port it cannot listen on is a ConfigError.
 */
/** How long a stop waits for in-flight requests before closing their connections (SHUTDOWN_TIMEOUT_MS). */
export const SHUTDOWN_TIMEOUT_MS = 10_000;

export async function serve(options: ServeOptions): Promise<RunningServer> {
  const { config } = options;
  // Kept for /healthz: while the first start makes its demo data, the 503 body says how far it has got.
  const progress = recordingProgress(options.progress ?? stderrProgress());
  let starting = false;
  const say = options.say ?? ((line: string) => process.stderr.write(line + '\n'));
  // Limiter fallback switches (Redis unreachable / back) go to the app's log once it exists.
  const logTo: { app?: FastifyInstance } = {};
  const accounts: Accounts = await openAccounts({
    ...config,
    onLimiterFallback: (active, cause) =>
      active
        ? logTo.app?.log.warn(
            { err: cause },
            'Redis unreachable: QPS limits are per replica until it answers',
          )
        : logTo.app?.log.info('Redis answers again: QPS limits are global again'),
  });
  // JSON logs on stdout, gathered into one write per ≤ 100 ms instead of one per request line.
  const logStream = new BufferedLogStream(1);
  const logger = { level: config.logLevel, stream: logStream };
  let live: LiveSnapshot | null = null;
  const app = buildApp({
    index: () => live?.current ?? null,
    startup: () => (starting ? progress.state() : null),
    accounts: accounts.store,
    limiter: accounts.limiter,
    logger,
    publicUrl: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`,
    processMetrics: true,
    ...(config.anonymousQps !== undefined && { anonymousQps: config.anonymousQps }),
    http: {
      ...(config.httpHeadersTimeoutMs !== undefined && { headersTimeoutMs: config.httpHeadersTimeoutMs }),
      ...(config.httpRequestTimeoutMs !== undefined && { requestTimeoutMs: config.httpRequestTimeoutMs }),
      ...(config.httpKeepAliveTimeoutMs !== undefined && {
        keepAliveTimeoutMs: config.httpKeepAliveTimeoutMs,
      }),
      ...(config.httpDeadlineMs !== undefined && { deadlineMs: config.httpDeadlineMs }),
    },
    ...(config.metricsToken !== undefined && { metricsToken: config.metricsToken }),
  });
  logTo.app = app;
  live = new LiveSnapshot(
    config.dataDir,
    (msg, err) => (err ? app.log.error({ err }, msg) : app.log.info(msg)),
    config.regions,
  );
  const pointer = activePointerPath(config.dataDir);
  const onPointerChange = () => void live?.refresh();

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      unwatchFile(pointer, onPointerChange);
      // Stops accepting; in-flight requests finish (their debits resolve first), idle keep-alive connections
      // close at once. Past the shutdown deadline, whatever is still open (a client that never finishes its
      // request) is cut, so a stop never hangs on a client.
      const deadline = setTimeout(
        () => app.server.closeAllConnections(),
        config.shutdownTimeoutMs ?? SHUTDOWN_TIMEOUT_MS,
      );
      await app.close();
      clearTimeout(deadline);
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

    const created = await createFirstKey(accounts.store);
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
    // Resolves once a snapshot is served (activated by an ingest: the pointer watch loads it).
    const untilServing = () =>
      new Promise<void>((resolve) => {
        const check = () => (live?.current ? resolve() : setTimeout(check, 200).unref());
        check();
      });
    // An active snapshot that did not load (logged above) is the operator's data: never replaced by a demo.
    const unloadable = !live.current && (await activeSnapshot(config.dataDir)) !== null;
    if (live.current) {
      ready = Promise.resolve();
    } else if (unloadable) {
      say(
        'The active snapshot could not be loaded (the error is logged above): requests get 503 until ' +
          '`kolscope ingest` activates one that loads, or the cause is fixed and the server restarted.',
      );
      ready = untilServing();
    } else if (options.demoInfluencers > 0) {
      say('No snapshot is active yet: making the demo dataset (requests get 503 until it is served).');
      starting = true;
      ready = makeDemoSnapshot(config.dataDir, options.demoInfluencers, progress)
        .then(() => live!.refresh())
        .finally(() => (starting = false));
    } else {
      say('No snapshot is active: requests get 503 until `kolscope ingest` activates one.');
      ready = untilServing();
    }
    return { app, url, ready, close };
  } catch (err) {
    await close();
    throw err;
  }
}
