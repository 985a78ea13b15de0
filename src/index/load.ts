// Loads a snapshot's serving index without stalling the thread that serves requests: a worker thread reads
// the files and upgrades an older format in memory (read.ts), then transfers the arrays here, where only the
// searcher is made and each region's rows.json opened for positioned reads of the returned rows.
import { closeSync, openSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import {
  IndexSearcher,
  type IndexDictionaries,
  type PlanKind,
  type PostingLists,
  type RegionIndex,
} from './search/index.ts';
import { HistoryReader } from './history.ts';
import { IndexLoadError, indexBuffers, type IndexParts } from './read.ts';
import type { LoadReply } from './load-worker.ts';
import type { InfluencerQuery } from './query.ts';
import type { RegionVocabulary, SearchResult, ServingIndex, ValueCount } from './types.ts';

export { IndexLoadError } from './read.ts';

/** A loaded index, with what benchmarks and operators want to know about it. */
export interface LoadedServingIndex extends ServingIndex {
  /** Influencers in the index. */
  readonly rows: number;
  /** Bytes held in memory by the index's arrays (rows.json stays on disk). */
  readonly residentBytes: number;
  /** Plan used by the last search (for benchmarks and tests). */
  readonly lastPlan: PlanKind;
  /** Whether searches count their total (X-Total-Count); off only to measure what counting costs. */
  countTotals: boolean;
  /** Forgets the totals remembered by their query's conditions (to measure a first count). */
  forgetTotals(): void;
}

const WORKER = new URL('./load-worker.mjs', import.meta.url);

/** Frees the buffers now, off this thread: moved to a thread that then ends, rather than left for a later
 *  garbage collection of this one (which may be long to come: its heap is small, the buffers outside it). */
function release(buffers: ArrayBuffer[]): void {
  const sink = new Worker(
    `const { parentPort } = require('node:worker_threads'); parentPort.once('message', () => parentPort.close());`,
    { eval: true, execArgv: [] },
  );
  sink.unref();
  sink.postMessage(null, buffers);
}

/** Reads the index in a worker thread; its arrays arrive transferred. */
function readInWorker(snapshotDir: string, regions?: readonly string[]): Promise<IndexParts> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { workerData: { snapshotDir, regions } });
    let answered = false;
    const fail = (message: string) => {
      if (answered) return;
      answered = true;
      reject(new IndexLoadError(`cannot load the serving index of ${snapshotDir}: ${message}`));
    };
    worker.once('message', (reply: LoadReply) => {
      answered = true;
      void worker.terminate();
      if ('parts' in reply) resolve(reply.parts);
      else reject(reply.loadError ? new IndexLoadError(reply.error) : new Error(reply.error));
    });
    worker.once('error', (err) => fail(`the load worker failed: ${err.message}`));
    worker.once('exit', (code) => fail(`the load worker exited with code ${code} before answering`));
  });
}

/** Values of one posting group with their row counts (posting list lengths), most frequent first. */
function valueCounts(values: Iterable<[string, number]>, postings: PostingLists): ValueCount[] {
  const counts: ValueCount[] = [];
  for (const [value, group] of values) {
    const influencers = postings.starts[group + 1]! - postings.starts[group]!;
    if (influencers > 0) counts.push({ value, influencers });
  }
  return counts.sort((a, b) => b.influencers - a.influencers || (a.value < b.value ? -1 : 1));
}

function regionVocabulary(r: RegionIndex, dictionaries: IndexDictionaries): RegionVocabulary {
  return {
    region: r.region,
    influencers: r.rows,
    categories: valueCounts(dictionaries.codes.category, r.postings.category).filter((c) => c.value !== ''),
    languages: valueCounts(dictionaries.codes.language, r.postings.language).filter((c) => c.value !== ''),
    productCategories: valueCounts(dictionaries.productCategories, r.postings.product_category),
  };
}

/** Loads `<snapshotDir>/index/` (written by buildServingIndex) for searching; with `regions`, only those. */
export async function loadServingIndex(
  snapshotDir: string,
  only?: readonly string[],
): Promise<LoadedServingIndex> {
  const parts = await readInWorker(snapshotDir, only);
  const regions = new Map<string, RegionIndex>();
  const fds: number[] = [];
  let history: HistoryReader | null = null;
  try {
    for (const r of parts.regions) {
      const jsonFd = openSync(r.rowsJsonPath, 'r');
      fds.push(jsonFd);
      regions.set(r.region, {
        region: r.region,
        rows: r.rows,
        columns: r.columns,
        orders: r.orders,
        codes: r.codes,
        postings: r.postings,
        productCategoryMask: r.productCategoryMask,
        rowsWithoutFigures: r.rowsWithoutFigures,
        lookups: r.lookups,
        jsonOffsets: r.jsonOffsets,
        jsonFd,
        rowAttributes: r.rowAttributes,
        orderAttributes: r.orderAttributes,
        ranks: r.ranks,
        rowRanks: r.rowRanks,
        productBytes: r.productBytes,
        productBits: r.productBits,
        genderCounts: r.genderCounts,
        contactEmails: r.contactEmails,
        keyCounts: r.keyCounts,
        attributeCounts: r.attributeCounts,
        productKeyCounts: r.productKeyCounts,
        keyword: r.keyword,
      });
    }
    history = HistoryReader.open(snapshotDir);
  } catch (err) {
    for (const fd of fds) closeSync(fd);
    throw new IndexLoadError(`cannot open the rows of ${snapshotDir}: ${(err as Error).message}`);
  }
  const { maxRegionRows } = parts;
  let vocabulary: readonly RegionVocabulary[] | null = null;
  const searcher = new IndexSearcher(regions, parts.dictionaries, maxRegionRows);
  const buffers = indexBuffers(parts);
  let closed = false;
  return {
    version: parts.version,
    asOf: parts.asOf,
    regions: parts.regions.filter((r) => r.rows > 0).map((r) => r.region),
    rows: parts.rows,
    // Scratch for the gather plan (candidates, keys, bitset) is allocated on first use: 12 bytes per row of
    // the largest region, plus 1 bit.
    residentBytes: parts.arrayBytes + maxRegionRows * 12 + (maxRegionRows >>> 3),
    get lastPlan() {
      return searcher.lastPlan;
    },
    get countTotals() {
      return searcher.countTotals;
    },
    set countTotals(on: boolean) {
      searcher.countTotals = on;
    },
    forgetTotals() {
      searcher.forgetTotals();
    },
    search(query: InfluencerQuery): SearchResult {
      if (closed) throw new Error('serving index is closed');
      return searcher.search(query);
    },
    detail(key, values) {
      if (closed) throw new Error('serving index is closed');
      return searcher.detail(key, values);
    },
    historyWindow: history?.window ?? null,
    history(userId, from, to) {
      if (closed) throw new Error('serving index is closed');
      if (!history) throw new Error(`snapshot ${parts.version} has no daily history`);
      return history.days(userId, from, to);
    },
    vocabulary() {
      vocabulary ??= [...regions.values()]
        .filter((r) => r.rows > 0)
        .map((r) => regionVocabulary(r, parts.dictionaries));
      return vocabulary;
    },
    close() {
      if (closed) return;
      closed = true;
      for (const fd of fds) closeSync(fd);
      history?.close();
      release(buffers);
    },
  };
}
