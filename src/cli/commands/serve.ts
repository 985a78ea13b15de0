// `kolscope serve` (= `npm start`): parses the options and the environment, runs the service
// (src/service/server.ts: accounts + API app + the live snapshot, demo snapshot and first key on a first
// start) and stops it on SIGTERM / SIGINT: stops accepting, finishes in-flight requests, flushes usage.
import type { Command } from 'commander';
import { loadConfig } from '../../config.ts';
import { DEMO_INFLUENCERS, serve } from '../../service/index.ts';
import { dataDirOption, parseCount } from '../options.ts';

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
