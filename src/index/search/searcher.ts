// Answers an InfluencerQuery over one region's typed arrays with exactly the semantics of the reference SQL (test/oracle/reference-sql.ts): the
// query's conditions set up (conditions.ts), a plan chosen from exact counts (planner.ts), the page found by a
// walk of the sort order (walk.ts) or a gather from the most selective source (gather.ts), its rows hydrated
// from rows.json (hydrate.ts). No allocation per row.
import { SORT_FIELDS, type InfluencerQuery } from '../query.ts';
import type { SearchResult } from '../types.ts';
import { addSortRange, setConditions } from './conditions.ts';
import { chooseWalk, gatherPlanFor, type PlanKind } from './planner.ts';
import { gather } from './gather.ts';
import { hydrate } from './hydrate.ts';
import type { IndexDictionaries, RegionIndex } from './region.ts';
import { SearchScratch } from './scratch.ts';
import { walk } from './walk.ts';

const EMPTY: SearchResult = Object.freeze({ dataJson: '[]', count: 0 });
/** This thread's search buffers (see scratch.ts). */
const SCRATCH = new SearchScratch();

/** Searches the regions of one loaded index. Not re-entrant (shared scratch), which suits one event loop. */
export class IndexSearcher {
  private readonly scratch = SCRATCH;
  /** Plan of the last search, for benchmarks and tests. */
  lastPlan: PlanKind = 'empty';

  constructor(
    private readonly regions: ReadonlyMap<string, RegionIndex>,
    private readonly dictionaries: IndexDictionaries,
    private readonly maxRegionRows: number,
  ) {}

  search(q: InfluencerQuery): SearchResult {
    const s = this.scratch;
    s.lastPlan = 'empty';
    s.maxRegionRows = this.maxRegionRows;
    const result = this.searchWith(s, q);
    this.lastPlan = s.lastPlan;
    return result;
  }

  private searchWith(s: SearchScratch, q: InfluencerQuery): SearchResult {
    // The API validates these; a caller that does not gets an error, never a wrong page.
    if (!Number.isSafeInteger(q.pageNum) || q.pageNum < 1)
      throw new RangeError(`pageNum must be a positive integer, got ${q.pageNum}`);
    if (!Number.isSafeInteger(q.pageSize) || q.pageSize < 1)
      throw new RangeError(`pageSize must be a positive integer, got ${q.pageSize}`);
    if (q.pageSize > s.page.length) s.page = new Uint32Array(q.pageSize);
    const region = this.regions.get(q.region);
    if (!region) return EMPTY;
    const n = this.findPage(region, q);
    if (n === 0) return EMPTY;
    return { dataJson: hydrate(s, region, n), count: n };
  }

  /** Fills the scratch page with the page's row numbers; returns how many. */
  private findPage(region: RegionIndex, q: InfluencerQuery): number {
    const s = this.scratch;
    const m = s.matcher;
    const c = setConditions(m, region, this.dictionaries, q);
    if (c === null) return 0;
    const offset = (q.pageNum - 1) * q.pageSize;
    const size = q.pageSize;
    const total = region.rows;
    const sortField = SORT_FIELDS[q.sortField];
    const sortColumn = q.sortField === 0 ? null : region.columns.get(sortField)!;
    const sortOrder = q.sortField === 0 ? null : region.orders.get(sortField)!;
    const choice = chooseWalk(m, c, q, offset + size, total);
    if (choice.walk) {
      s.lastPlan = 'walk';
      const found = walk(
        s,
        region,
        q,
        sortColumn,
        sortOrder,
        c.walkLo,
        c.walkHi,
        offset,
        size,
        choice.noFilters,
        false,
        choice.budget,
        choice.testWeight,
      );
      if (found >= 0) return found;
      s.lastPlan = 'walk-then-gather';
    }
    // Gathered rows must also pass the sort field's own range: one more condition and source.
    if (sortColumn && sortOrder) addSortRange(m, c, region, sortField, sortColumn, sortOrder);
    const plan = gatherPlanFor(m, c, total);
    return gather(s, region, q, plan, sortColumn, sortOrder, c.walkLo, c.walkHi, offset, size);
  }
}
