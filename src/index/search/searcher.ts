// Answers an InfluencerQuery over one region's typed arrays with exactly the semantics of the reference SQL (test/oracle/reference-sql.ts): the
// query's conditions set up (conditions.ts), a plan chosen from exact counts (planner.ts), the page found by a
// walk of the sort order (walk.ts) or a gather from the most selective source (gather.ts), its rows hydrated
// from rows.json (hydrate.ts). No allocation per row.
import { SORT_FIELDS, type InfluencerQuery } from '../query.ts';
import type { SearchResult } from '../types.ts';
import { addSortRange, setConditions, type QueryConditions } from './conditions.ts';
import { chooseWalk, gatherPlanFor, type PlanKind } from './planner.ts';
import { countPacked, countTotal } from './count.ts';
import { gather } from './gather.ts';
import { hydrate } from './hydrate.ts';
import type { IndexDictionaries, RegionIndex } from './region.ts';
import { SearchScratch } from './scratch.ts';
import { walk } from './walk.ts';
import { hashRange, lookupHash, lookupValue, type LookupKey } from '../lookup.ts';

/** How a total after a walk was found (lastCount). */
export type CountPath = 'none' | 'slice' | 'walk' | 'histogram' | 'remembered' | 'scan';

const EMPTY: SearchResult = Object.freeze({ dataJson: '[]', count: 0, total: 0 });
/** Totals remembered per loaded index (a few hundred kB of keys at most). */
const TOTALS_KEPT = 4096;
/** This thread's search buffers (see scratch.ts). */
const SCRATCH = new SearchScratch();

/** Searches the regions of one loaded index. Not re-entrant (shared scratch), which suits one event loop. */
export class IndexSearcher {
  private readonly scratch = SCRATCH;
  /** Plan of the last search, for benchmarks and tests. */
  lastPlan: PlanKind = 'empty';
  /** Count totals after a walk (a gather counts its matches anyway); off only to measure the cost. */
  countTotals = true;
  /** How the last search's total was found after a walk, for benchmarks (count-cost analysis). */
  lastCount: CountPath = 'none';
  /** Totals counted by a scan after a walk, by the query's conditions (totalAfterWalk). */
  private readonly totals = new Map<string, number>();
  /** Product category ids by position (the dictionary's insertion order). */
  private readonly productIds: readonly string[];

  constructor(
    private readonly regions: ReadonlyMap<string, RegionIndex>,
    private readonly dictionaries: IndexDictionaries,
    private readonly maxRegionRows: number,
  ) {
    this.productIds = [...dictionaries.productCategories.keys()];
  }

  search(q: InfluencerQuery): SearchResult {
    const s = this.scratch;
    s.lastPlan = 'empty';
    this.lastCount = 'none';
    s.maxRegionRows = this.maxRegionRows;
    const result = this.searchWith(s, q);
    this.lastPlan = s.lastPlan;
    return result;
  }

  /** Items of the influencers whose `key` is one of `values` (handles case-insensitive), in the order of
   *  `values`, as a JSON array; values not found are left out. */
  detail(key: LookupKey, values: readonly string[]): string {
    const s = this.scratch;
    const items: string[] = [];
    for (const value of values) {
      const wanted = lookupValue(key, value);
      const hash = lookupHash(wanted);
      for (const region of this.regions.values()) {
        const table = region.lookups[key];
        const [from, to] = hashRange(table, hash);
        for (let i = from; i < to; i++) {
          s.page[0] = table.rows[i]!;
          const item = hydrate(s, region, 1, this.productIds).slice(1, -1);
          // The hash matched: the row's own value decides (a collision is left out).
          const found = (JSON.parse(item) as Record<string, unknown>)[key];
          if (typeof found === 'string' && lookupValue(key, found) === wanted) items.push(item);
        }
      }
    }
    return `[${items.join(',')}]`;
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
    s.total = 0;
    const n = this.findPage(region, q);
    if (n === 0) return s.total === 0 ? EMPTY : { dataJson: '[]', count: 0, total: s.total };
    return { dataJson: hydrate(s, region, n, this.productIds), count: n, total: s.total };
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
      if (found >= 0) {
        if (this.countTotals) s.total = this.totalAfterWalk(region, q, c, found, offset, size);
        return found;
      }
      s.lastPlan = 'walk-then-gather';
    }
    // Gathered rows must also pass the sort field's own range: one more condition and source.
    if (sortColumn && sortOrder) addSortRange(m, c, region, sortField, sortColumn, sortOrder);
    const plan = gatherPlanFor(m, c, total);
    return gather(s, region, q, plan, sortColumn, sortOrder, c.walkLo, c.walkHi, offset, size);
  }

  /**
   * countAfterWalk, remembered by the query's conditions (not its page or sort: a client paging through
   * results, or re-sorting them, asks for the same total) when it took a scan. Bounded: emptied when full.
   */
  private totalAfterWalk(
    region: RegionIndex,
    q: InfluencerQuery,
    c: QueryConditions,
    found: number,
    offset: number,
    size: number,
  ): number {
    const m = this.scratch.matcher;
    const trivial =
      m.conditions === 0 ||
      (found > 0 && found < size) ||
      (m.conditions === m.packedConditions && !c.sortRange);
    if (trivial) return this.countAfterWalk(region, q, c, found, offset, size);
    const { pageNum: _p, pageSize: _s, sortField: _f, descending: _d, ...conditions } = q;
    const key = JSON.stringify(conditions);
    const known = this.totals.get(key);
    if (known !== undefined) {
      this.lastCount = 'remembered';
      return known;
    }
    const total = this.countAfterWalk(region, q, c, found, offset, size);
    if (this.totals.size >= TOTALS_KEPT) this.totals.clear();
    this.totals.set(key, total);
    return total;
  }

  /** Forgets the remembered totals (benchmarks: the cost of a first count). */
  forgetTotals(): void {
    this.totals.clear();
  }

  /**
   * The total of a query whose page a walk found (a gather counts its matches anyway): the walk's slice
   * without filters; the walk's own count when it ran out of rows; for packed conditions alone, a sum over
   * the region's histogram of packed attributes; else the cheapest exact count of count.ts (a source's size,
   * a slice of a sort order or its complement, a source's rows, a keyword bitset).
   */
  private countAfterWalk(
    region: RegionIndex,
    q: InfluencerQuery,
    c: QueryConditions,
    found: number,
    offset: number,
    size: number,
  ): number {
    const m = this.scratch.matcher;
    this.lastCount = 'slice';
    if (m.conditions === 0) return c.walkHi - c.walkLo;
    this.lastCount = 'walk';
    if (found > 0 && found < size) return offset + found;
    this.lastCount = 'histogram';
    if (m.conditions === m.packedConditions && !c.sortRange)
      return countPacked(region, m.packedMask, m.packedWant);
    const sortField = SORT_FIELDS[q.sortField];
    if (q.sortField !== 0)
      addSortRange(m, c, region, sortField, region.columns.get(sortField)!, region.orders.get(sortField)!);
    this.lastCount = 'scan';
    return countTotal(this.scratch, region, c);
  }
}
