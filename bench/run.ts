// `npm run bench`: every benchmark of the project in one run, results in bench/results/.
//   npm run bench                               all parts at their default sizes
//   npm run bench -- --only engines --sizes 1m  one part, chosen sizes (1m, 10m, 100k, or plain numbers)
// Parts: pipeline (generate + ingest), engines (index vs DuckDB/SQLite/PostgreSQL), http (full stack vs bare
// Fastify), accounts (credit debits/s), swap, history (trend endpoint vs DuckDB). Each part writes <part>*.json and .md beside the others.
import { mkdir } from 'node:fs/promises';
import { parseArgs } from 'node:util';

interface BenchPart {
  run(options: { sizes: number[]; outDir: string }): Promise<void>;
}

const PARTS: Record<string, { load: () => Promise<BenchPart>; sizes: number[] }> = {
  pipeline: { load: () => import('./pipeline.ts'), sizes: [100_000, 1_000_000] },
  engines: { load: () => import('./engines.ts'), sizes: [1_000_000, 10_000_000] },
  http: { load: () => import('./http.ts'), sizes: [1_000_000] },
  accounts: { load: () => import('./accounts.ts'), sizes: [] },
  swap: { load: () => import('./swap.ts'), sizes: [1_000_000, 10_000_000] },
  history: { load: () => import('./history.ts'), sizes: [1_000_000] },
};

function parseSize(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(raw.trim());
  if (!m) throw new Error(`--sizes: "${raw}" is not a size like 100k, 1m or 250000`);
  const unit = m[2]!.toLowerCase() === 'm' ? 1e6 : m[2]!.toLowerCase() === 'k' ? 1e3 : 1;
  return Math.round(Number(m[1]) * unit);
}

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    sizes: { type: 'string' },
    out: { type: 'string', default: 'bench/results' },
  },
});
const names = values.only ? values.only.split(',') : Object.keys(PARTS);
for (const name of names) {
  if (!PARTS[name])
    throw new Error(`--only: unknown part "${name}" (parts: ${Object.keys(PARTS).join(', ')})`);
}
const outDir = values.out!;
await mkdir(outDir, { recursive: true });
for (const name of names) {
  const part = PARTS[name]!;
  const sizes = values.sizes ? values.sizes.split(',').map(parseSize) : part.sizes;
  const started = Date.now();
  process.stderr.write(`\n=== bench ${name} (sizes: ${sizes.join(', ') || 'n/a'}) ===\n`);
  await (await part.load()).run({ sizes, outDir });
  process.stderr.write(
    `=== ${name} done in ${((Date.now() - started) / 1000).toFixed(0)} s; results in ${outDir} ===\n`,
  );
}
