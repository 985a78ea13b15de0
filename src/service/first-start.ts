// The first start of a server on an empty data directory: one API key, created once across replicas, and a
// demo snapshot generated and ingested when none is active. Later starts reuse what exists.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AccountStore, CreatedKey } from '../accounts/index.ts';
import type { Progress } from '../progress.ts';
import { BATCH_DIR_PATTERN } from '../raw/format.ts';

/** What a first start grants the key it creates. */
export const FIRST_KEY = { name: 'first-start', credits: 100_000, qps: 50 } as const;
export const DEMO_INFLUENCERS = 50_000;
export const DEMO_DAYS = 40;

/**
 * Creates the first API key when the store holds none; null when one exists. Atomic across replicas sharing
 * the accounts store: of several starting together, one creates it.
 */
export function createFirstKey(store: AccountStore): Promise<CreatedKey | null> {
  return store.createFirstKey(FIRST_KEY);
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
 * Generates a demo raw dataset in DATA_DIR/raw-demo and ingests it into a new active snapshot. A raw-demo
 * left by an earlier first start that failed later (e.g. while ingesting) is complete — generateRaw moves
 * its directory into place only on success — so it is ingested again instead of being generated anew.
 */
export async function makeDemoSnapshot(
  dataDir: string,
  influencers: number,
  progress: Progress,
): Promise<void> {
  // Loaded only on a first start: a server with a snapshot never needs the generator.
  const { generateRaw } = await import('../raw/generate.ts');
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
