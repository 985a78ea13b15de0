// The kolscope command line: one sub-command per file in ./commands, registered here.
import { Command } from 'commander';
import { DependencyUnavailableError } from '../accounts/index.ts';
import { ConfigError, duckdbMemory } from '../config.ts';

const program = new Command()
  .name('kolscope')
  .description('Kolscope: TikTok influencer analytics API — data pipeline, snapshots, keys and server')
  .showHelpAfterError();

// Sub-commands (each module exports register(program)).
const modules = await Promise.all([
  import('./commands/keys.ts'),
  import('./commands/usage.ts'),
  import('./commands/ingest.ts'),
  import('./commands/snapshots.ts'),
  import('./commands/export.ts'),
  import('./commands/serve.ts'),
  import('./commands/generate.ts'),
  import('./commands/mcp.ts'),
  // add new command modules here
]);
for (const m of modules as { register(p: Command): void }[]) m.register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // What the operator fixes with a setting or a running server: one line naming it, exit 2, no stack.
  if (
    err instanceof ConfigError ||
    err instanceof DependencyUnavailableError ||
    (err instanceof Error && err.name === 'UsageError')
  ) {
    process.stderr.write(`kolscope: ${err.message}\n`);
    process.exit(2);
  }
  // DuckDB (generate, ingest) out of its memory limit: the setting to raise, not a stack.
  if (err instanceof Error && err.message.startsWith('Out of Memory Error')) {
    process.stderr.write(
      `kolscope: DuckDB ran out of memory within KOLSCOPE_DUCKDB_MEMORY=${duckdbMemory()} ` +
        `(${err.message.split('\n')[0]!.replace('Out of Memory Error: ', '')}); raise it, or free memory\n`,
    );
    process.exit(2);
  }
  throw err;
}
