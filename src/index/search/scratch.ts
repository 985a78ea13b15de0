// The reusable buffers of searches and the matcher they reconfigure per query: one object of one shape, passed
// to the walk, the gather and the hydration, so their loops allocate nothing and stay monomorphic. One per
// thread, shared by every searcher (searches are synchronous): a swapped-in snapshot finds it allocated.
import { RowMatcher } from './conditions.ts';
import type { PlanKind } from './planner.ts';

export class SearchScratch {
  readonly matcher = new RowMatcher();
  /** Row numbers of the page being found. */
  page = new Uint32Array(16);
  /** Rows of the largest region of the index being searched (set per search). */
  maxRegionRows = 0;
  /** Gather scratch, allocated on first use for the largest region and only ever grown: candidates, their
   *  sort keys, a bitset. */
  candidates = new Uint32Array(0);
  keys = new Float64Array(0);
  bits = new Int32Array(0);
  /** Bitsets for pre-marked conditions, allocated as queries need them. */
  readonly filterPool: Int32Array[] = [];
  /** The page's rows as JSON bytes (hydrate.ts). */
  json = Buffer.alloc(64 * 1024);
  /** Matches below the first run of a descending walk, and their values. */
  runRows = new Uint32Array(32);
  runValues = new Float64Array(32);
  /** Plan of the last search, for benchmarks and tests. */
  lastPlan: PlanKind = 'empty';
  /** Matches of the last search over every page (set by the searcher and the gather). */
  total = 0;

  ensureGather(): void {
    if (this.candidates.length >= this.maxRegionRows) return;
    this.candidates = new Uint32Array(this.maxRegionRows);
    this.keys = new Float64Array(this.maxRegionRows);
    this.bits = new Int32Array((this.maxRegionRows >>> 5) + 1);
  }

  /** Pre-marked condition bitset `k`, zero-filled, holding the largest region's rows. */
  filterBits(k: number): Int32Array {
    const words = (this.maxRegionRows >>> 5) + 1;
    while (this.filterPool.length <= k) this.filterPool.push(new Int32Array(words));
    if (this.filterPool[k]!.length < words) this.filterPool[k] = new Int32Array(words);
    return this.filterPool[k]!;
  }

  /** Clears the bitset bits of the first `count` candidates. */
  clearBits(count: number): void {
    const cand = this.candidates;
    const bits = this.bits;
    // Many rows: clearing the whole bitset is cheaper than one random write per row.
    if (count > bits.length >>> 2) bits.fill(0);
    else for (let i = 0; i < count; i++) bits[cand[i]! >>> 5] = 0;
  }
}
