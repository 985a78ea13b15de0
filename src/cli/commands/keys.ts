// `kolscope keys create|list|topup|revoke`: manage API keys and their credits.
import type { Command } from 'commander';
import { dataDirOption, parseCount } from '../options.ts';
import { table, usageError, withAccountStore } from './account-cli.ts';

export function register(program: Command): void {
  const keys = program.command('keys').description('create, list, top up and revoke API keys');

  keys
    .command('create')
    .description('create an API key; the key is printed once and only its hash is stored')
    .requiredOption(
      '--credits <n>',
      'credits granted to the key (1 per successful request)',
      parseCount('--credits'),
    )
    .requiredOption('--qps <n>', 'requests per second allowed for the key', parseCount('--qps'))
    .option('--name <name>', 'label shown in listings', 'default')
    .option('--json', 'print only {"key": ..., "id": ...} on stdout')
    .addOption(dataDirOption())
    .action(async (opts: { credits: number; qps: number; name: string; json?: boolean; dataDir: string }) => {
      await withAccountStore(opts.dataDir, async (store, where) => {
        const created = await store.createKey({ name: opts.name, credits: opts.credits, qps: opts.qps });
        if (opts.json) {
          process.stdout.write(
            `{"key": ${JSON.stringify(created.key)}, "id": ${JSON.stringify(created.id)}}\n`,
          );
          return;
        }
        process.stdout.write(
          `Created API key ${created.id} ("${created.record.name}", ${created.record.credits} credits, ` +
            `${created.record.qps} qps) in ${where}.\n` +
            `Key (shown only now, store it safely): ${created.key}\n`,
        );
      });
    });

  keys
    .command('list')
    .description('list API keys (never the keys themselves: their visible prefix)')
    .option('--json', 'print the records as JSON')
    .addOption(dataDirOption())
    .action(async (opts: { json?: boolean; dataDir: string }) => {
      await withAccountStore(opts.dataDir, async (store, where) => {
        const records = await store.listKeys();
        if (opts.json) {
          process.stdout.write(JSON.stringify(records, null, 2) + '\n');
          return;
        }
        process.stdout.write(
          table(
            ['id', 'name', 'prefix', 'credits', 'qps', 'revoked', 'created'],
            records.map((r) => [
              r.id,
              r.name,
              r.prefix + '…',
              String(r.credits),
              String(r.qps),
              r.revoked ? 'yes' : 'no',
              r.createdAt,
            ]),
          ),
        );
        process.stderr.write(`${records.length} key(s) in ${where}\n`);
      });
    });

  keys
    .command('topup')
    .description('add credits to a key')
    .argument('<id>', 'key id (see keys list)')
    .argument('<credits>', 'credits to add', parseCount('credits'))
    .addOption(dataDirOption())
    .action(async (id: string, credits: number, opts: { dataDir: string }) => {
      if (credits === 0) throw usageError('credits must be at least 1');
      await withAccountStore(opts.dataDir, async (store) => {
        const record = await store.topUp(id, credits);
        process.stdout.write(`Added ${credits} credits to ${record.id}: balance ${record.credits}.\n`);
      });
    });

  keys
    .command('revoke')
    .description('revoke a key: requests with it are refused from now on')
    .argument('<id>', 'key id (see keys list)')
    .addOption(dataDirOption())
    .action(async (id: string, opts: { dataDir: string }) => {
      await withAccountStore(opts.dataDir, async (store) => {
        const record = await store.revoke(id);
        process.stdout.write(`Revoked ${record.id} ("${record.name}", ${record.prefix}…).\n`);
      });
    });
}
