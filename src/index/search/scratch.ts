// A searcher's reusable buffers and the matcher it reconfigures per query: one object of one shape, passed to
// the walk, the gather and the hydration, so their loops allocate nothing and stay monomorphic.
import { RowMatcher } from './conditions.ts';
import type { PlanKind } from './planner.ts';

export class SearchScratch {
  readonly matcher = new RowMatcher();
  /** Row numbers of the page being found. */
  page = new Uint32Array(16);
  /** Gather scratch, allocated on first use for the largest region: candidates, their sort keys, a bitset. */
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

  constructor(readonly maxRegionRows: number) {}

  ensureGather(): void {
    if (this.candidates.length >= this.maxRegionRows) return;
    this.candidates = new Uint32Array(this.maxRegionRows);
    this.keys = new Float64Array(this.maxRegionRows);
    this.bits = new Int32Array((this.maxRegionRows >>> 5) + 1);
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
