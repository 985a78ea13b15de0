// `kolscope usage [--key ID]`: requests, outcomes, credits spent and latency per API key.
import type { Command } from 'commander';
import { dataDirOption } from '../options.ts';
import { table, withAccountStore } from './account-cli.ts';

export function register(program: Command): void {
  program
    .command('usage')
    .description('show usage per API key: requests, ok, errors, credits spent, average latency, last request')
    .option('--key <id>', 'only this key')
    .option('--json', 'print the summaries as JSON')
    .addOption(dataDirOption())
    .action(async (opts: { key?: string; json?: boolean; dataDir: string }) => {
      await withAccountStore(opts.dataDir, async (store, where) => {
        const summaries = await store.usage(opts.key);
        if (opts.json) {
          process.stdout.write(JSON.stringify(summaries, null, 2) + '\n');
          return;
        }
        process.stdout.write(
          table(
            ['key', 'requests', 'ok', 'errors', 'credits spent', 'avg latency ms', 'last request'],
            summaries.map((s) => [
              s.keyId,
              String(s.requests),
              String(s.ok),
              String(s.errors),
              String(s.creditsSpent),
              s.avgLatencyMs.toFixed(1),
              s.lastAt ?? '-',
            ]),
          ),
        );
        process.stderr.write(`usage of ${summaries.length} key(s) from ${where}\n`);
      });
    });
}
