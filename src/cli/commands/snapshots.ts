// `kolscope snapshots`: every committed snapshot, oldest first, and which one is served.
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { listSnapshots } from '../../snapshot/store.ts';
import { dataDirOption } from '../options.ts';

export function register(program: Command): void {
  program
    .command('snapshots')
    .description('list the snapshots of the data directory and show which one is active')
    .addOption(dataDirOption())
    .action(async (opts: { dataDir: string }) => {
      const dataDir = resolve(opts.dataDir);
      const snapshots = await listSnapshots(dataDir);
      if (snapshots.length === 0) {
        process.stdout.write(`no snapshots in ${dataDir} (run \`kolscope ingest DIR\`)\n`);
        return;
      }
      const header = ['', 'version', 'as-of', 'rows', 'regions', 'created'];
      const rows = snapshots.map((s) => [
        s.active ? '*' : '',
        s.manifest.version,
        s.manifest.asOf,
        s.manifest.rows.toLocaleString('en-US'),
        Object.entries(s.manifest.regions)
          .map(([region, n]) => `${region}:${n}`)
          .join(' '),
        s.manifest.createdAt,
      ]);
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      for (const r of [header, ...rows])
        process.stdout.write(
          r
            .map((cell, i) => cell.padEnd(widths[i]!))
            .join('  ')
            .trimEnd() + '\n',
        );
      const active = snapshots.find((s) => s.active);
      process.stdout.write(
        active ? `* active: ${active.manifest.version} (${active.dir})\n` : 'no snapshot is active\n',
      );
    });
}
