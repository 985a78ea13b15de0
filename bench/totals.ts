// What a first X-Total-Count costs, query by query: each query of the engines benchmark's mixes timed (CPU,
// best of TOTALS_RUNS runs) without totals and with a first count (remembered totals forgotten), the p99 of
// each mix as bench/engines.ts reports it, and the queries whose first count adds the most, with the way
// count.ts counted them (lastCountMethod).
//   node --import tsx bench/totals.ts [--size 1m] [--top 10] [--mix realistic]
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { activeSnapshot } from '../src/snapshot/store.ts';
import { loadServingIndex } from '../src/index/index.ts';
import * as count from '../src/index/search/count.ts';
import { keywordWords } from '../src/index/keyword/text.ts';
import {
  commerceMix,
  keywordMix,
  keywordWorstMix,
  realisticMix,
  worstMix,
  type BenchQuery,
} from './queries.ts';

const SEED = 20261124;
const RUNS = Number(process.env.TOTALS_RUNS || 9);

const { values: args } = parseArgs({
  options: {
    size: { type: 'string', default: '1m' },
    top: { type: 'string', default: '10' },
    mix: { type: 'string' },
  },
});
const dataDir = join(fileURLToPath(new URL('./data/', import.meta.url)), `engines-${args.size}`);
const snapshot = await activeSnapshot(dataDir);
if (!snapshot) throw new Error(`no snapshot in ${dataDir}`);
const index = await loadServingIndex(snapshot.dir);
console.log(`loaded ${index.rows} rows, ${(index.residentBytes / index.rows).toFixed(1)} bytes/influencer`);

const mixes: Record<string, BenchQuery[]> = {
  realistic: realisticMix(SEED, 320),
  worst: worstMix(SEED, 120),
  commerce: commerceMix(SEED, 120),
  keyword: keywordMix(SEED, keywordWords, 120),
  'keyword worst': keywordWorstMix(SEED, keywordWords, 40),
};
// Warm, first counts included (as in a serving process, and as bench/engines.ts measures them).
for (let pass = 0; pass < 2; pass++)
  for (const mix of Object.values(mixes))
    for (const { query } of mix) {
      index.forgetTotals();
      index.search(query);
    }

const cpuMs = (f: () => void) => {
  const c0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};
const p99 = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)]!;
};

console.log(`load ${loadavg()[0]!.toFixed(1)}, best of ${RUNS} CPU ms per query`);
for (const [name, mix] of Object.entries(mixes)) {
  if (args.mix && args.mix !== name) continue;
  const rows: { off: number; first: number; method: string; q: string }[] = [];
  for (const { query } of mix) {
    let off = Infinity;
    let first = Infinity;
    let method = 'none';
    for (let run = 0; run < RUNS; run++) {
      index.countTotals = false;
      off = Math.min(
        off,
        cpuMs(() => index.search(query)),
      );
      index.countTotals = true;
      index.forgetTotals();
      count.resetCountMethod();
      first = Math.min(
        first,
        cpuMs(() => index.search(query)),
      );
      method = `${count.lastCountMethod} ${count.lastCountRows}`;
    }
    rows.push({ off, first, method, q: JSON.stringify(query) });
  }
  const a = p99(rows.map((r) => r.off));
  const b = p99(rows.map((r) => r.first));
  console.log(`\n${name}: p99 ${a.toFixed(3)} -> ${b.toFixed(3)} ms (${(((b - a) / a) * 100).toFixed(1)} %)`);
  const top = [...rows].sort((x, y) => y.first - x.first).slice(0, Number(args.top));
  for (const r of top)
    console.log(`  ${r.off.toFixed(3)} -> ${r.first.toFixed(3)} ${r.method.padEnd(18)} ${r.q}`);
  const added = [...rows].sort((x, y) => y.first - y.off - (x.first - x.off)).slice(0, Number(args.top));
  console.log(`  most added:`);
  for (const r of added)
    console.log(`  +${(r.first - r.off).toFixed(3)} (${r.off.toFixed(3)}) ${r.method.padEnd(18)} ${r.q}`);
}
index.close();
