// Answers an InfluencerQuery over one region's typed arrays with exactly the semantics of sqlForQuery().
//
// Two plans, chosen per query from exact condition counts:
//  - walk: follow the requested sort order (restricted to the sort field's own range, if filtered) and test
//    each row, stopping once the page is full. Cheap when matches are dense.
//  - gather: take the rows of the most selective condition (a range of a presorted order, or a posting list),
//    test them, then pick the page by sort key (quickselect over the matches, or a walk of the sort order over a
//    bitset of the matches when they are many). Cheap when matches are sparse.
// A walk gets a budget of the gather's estimated cost; past it, it gives up and gathers, so a misestimate
// (correlated filters) costs at most about twice the better plan. No allocation per row.
import { isAscii } from 'node:buffer';
import { readSync } from 'node:fs';
import { RANGE_FIELDS, SORT_FIELDS, type InfluencerQuery } from './query.ts';
import type { AttributeLayout, CodedField, PostingGroup } from './layout.ts';
import {
  ATTR_SALES_LIVE,
  ATTR_SALES_VIDEO,
  ATTR_SHOWCASE_0,
  ATTR_SHOWCASE_1,
  type AttributeArray,
} from './attributes.ts';
import { RANK_BUCKETS, RANK_CHECK, RANK_FAIL, RANK_ORDERS, RANK_PASS, rankClasses } from './ranks.ts';
import { PRODUCT_OTHER } from './products.ts';
import type { SearchResult } from './types.ts';

export type NumericColumn = Int32Array | Float64Array;
export type CodeColumn = Uint8Array | Uint16Array | Uint32Array;

export interface PostingLists {
  /** starts[g]..starts[g+1] is group g in `rows`. */
  readonly starts: Uint32Array;
  readonly rows: Uint32Array;
}

/** One region's loaded index (see layout.ts). Rows are numbered in user_id numeric order. */
export interface RegionIndex {
  readonly region: string;
  readonly rows: number;
  readonly columns: ReadonlyMap<string, NumericColumn>;
  /** Row numbers ordered by (value ascending, row ascending), per field. */
  readonly orders: ReadonlyMap<string, Uint32Array>;
  readonly codes: Readonly<Record<CodedField, CodeColumn>>;
  readonly postings: Readonly<Record<PostingGroup, PostingLists>>;
  readonly productCategoryMask: Uint32Array;
  /** Byte offsets of each row's JSON in rows.json (rows + 1 entries). */
  readonly jsonOffsets: Float64Array;
  /** Open file descriptor of rows.json. */
  readonly jsonFd: number;
  /** Packed equality attributes (attributes.ts) in row order, and per sort field in that order's sequence. */
  readonly rowAttributes: AttributeArray;
  readonly orderAttributes: ReadonlyMap<string, AttributeArray>;
  /** Per sort field, per other range field: rank buckets in the sort order's sequence (ranks.ts). */
  readonly ranks: ReadonlyMap<string, ReadonlyMap<string, Uint8Array>>;
  /** Per range field: rank buckets in row order (ranks.ts). */
  readonly rowRanks: ReadonlyMap<string, Uint8Array>;
  /** Per sort field: product bytes in its order's sequence; and the byte bit of each product id (products.ts). */
  readonly productBytes: ReadonlyMap<string, Uint8Array>;
  readonly productBits: Uint8Array;
  /** Rows per gender code. */
  readonly genderCounts: readonly number[];
}

/** Dictionaries shared by every region. */
export interface IndexDictionaries {
  readonly codes: Readonly<Record<CodedField, ReadonlyMap<string, number>>>;
  readonly productCategories: ReadonlyMap<string, number>;
  readonly productCategoryWords: number;
  readonly attributes: AttributeLayout;
}

const EMPTY: SearchResult = Object.freeze({ dataJson: '[]', count: 0 });
const MAX_RANGES = RANGE_FIELDS.length;
const FLAG_GROUP = { video: 0, live: 1, both: 2, showcase: 3 } as const;

/** First position p in [lo, hi) of `order` with values[order[p]] >= x (hi when none). */
function lowerBound(values: NumericColumn, order: Uint32Array, lo: number, hi: number, x: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[order[mid]!]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First position p in [lo, hi) of `order` with values[order[p]] > x (hi when none). */
function upperBound(values: NumericColumn, order: Uint32Array, lo: number, hi: number, x: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[order[mid]!]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The per-row test of a query's conditions, reconfigured per query (one object, one shape: monomorphic). */
class RowMatcher {
  rangeCount = 0;
  readonly rangeColumns: NumericColumn[] = [];
  readonly rangeMin = new Float64Array(MAX_RANGES);
  readonly rangeMax = new Float64Array(MAX_RANGES);
  /** Where each range's rows sit in its field's sorted order: orders[slot][from..to). */
  readonly rangeOrders: Uint32Array[] = [];
  readonly rangeFrom = new Float64Array(MAX_RANGES);
  readonly rangeTo = new Float64Array(MAX_RANGES);
  readonly rangeFields: string[] = [];
  /** Per range, the class of each rank bucket (ranks.ts), and the buckets of the order being traversed. */
  readonly rangeClasses = new Uint8Array(MAX_RANGES * RANK_BUCKETS);
  readonly rangeBytes: (Uint8Array | null)[] = [];
  /** Per range, its rank buckets in row order (for random rows). */
  readonly rangeRowBytes: Uint8Array[] = [];
  private readonly classViews = Array.from({ length: MAX_RANGES }, (_, k) =>
    this.rangeClasses.subarray(k * RANK_BUCKETS, (k + 1) * RANK_BUCKETS),
  );
  /** Bitsets of rows passing pre-marked conditions (gather plan): a row must be in each. */
  readonly filterBits: Int32Array[] = [];
  filterCount = 0;
  codeCount = 0;
  readonly codeColumns: CodeColumn[] = [];
  readonly codeWanted = new Uint32Array(3);
  showCaseWanted = 0;
  hasShowCase = false;
  showCaseColumn: NumericColumn = new Int32Array(0);
  productWords = 0;
  productMask: Uint32Array = new Uint32Array(0);
  productWanted: Uint32Array = new Uint32Array(0);
  /** Product bytes (products.ts) of the traversed order, or null; the byte bits of the wanted ids, and of
   *  those that decide a match alone (the region's most common ids). */
  productBytes: Uint8Array | null = null;
  productWantByte = 0;
  productExactByte = 0;
  /** Equality conditions on the packed attributes: (attribute & packedMask) === packedWant. */
  packedMask = 0;
  packedWant = 0;
  packedConditions = 0;
  /** Rows that passed the packed conditions and had their other columns read, since a walk started. */
  tested = 0;

  addPacked(mask: number, want: number): void {
    this.packedMask |= mask;
    this.packedWant |= want;
    this.packedConditions++;
  }

  /** Drops range condition `slot` (the last one takes its place). */
  removeRange(slot: number): void {
    const last = --this.rangeCount;
    this.rangeColumns[slot] = this.rangeColumns[last]!;
    this.rangeMin[slot] = this.rangeMin[last]!;
    this.rangeMax[slot] = this.rangeMax[last]!;
    this.rangeOrders[slot] = this.rangeOrders[last]!;
    this.rangeFrom[slot] = this.rangeFrom[last]!;
    this.rangeTo[slot] = this.rangeTo[last]!;
    this.rangeFields[slot] = this.rangeFields[last]!;
    this.rangeBytes[slot] = this.rangeBytes[last]!;
    this.rangeRowBytes[slot] = this.rangeRowBytes[last]!;
    this.rangeRowBytes.length = last;
    this.rangeClasses.copyWithin(slot * RANK_BUCKETS, last * RANK_BUCKETS, (last + 1) * RANK_BUCKETS);
    this.rangeFields.length = last;
    this.rangeBytes.length = last;
  }

  addRange(
    field: string,
    column: NumericColumn,
    min: number,
    max: number,
    order: Uint32Array,
    from: number,
    to: number,
    rowBytes: Uint8Array,
  ): number {
    const slot = this.rangeCount++;
    this.rangeFields[slot] = field;
    this.rangeRowBytes[slot] = rowBytes;
    this.rangeBytes[slot] = null;
    rankClasses(from, to, order.length, this.rangeClasses, slot * RANK_BUCKETS);
    this.rangeColumns[slot] = column;
    this.rangeMin[slot] = min;
    this.rangeMax[slot] = max;
    this.rangeOrders[slot] = order;
    this.rangeFrom[slot] = from;
    this.rangeTo[slot] = to;
    return slot;
  }

  /** Drops the condition every row of `source` satisfies. */
  drop(source: Source): void {
    if (source.packedMask !== 0) {
      this.packedMask &= ~source.packedMask;
      this.packedWant &= ~source.packedMask;
      this.packedConditions--;
      return;
    }
    switch (source.implies) {
      case 'range':
        for (let k = 0; k < this.rangeCount; k++)
          if (this.rangeColumns[k] === source.column) {
            this.removeRange(k);
            break;
          }
        break;
      case 'code':
        for (let k = 0; k < this.codeCount; k++)
          if (this.codeColumns[k] === source.column) {
            this.removeCode(k);
            break;
          }
        break;
      case 'sales': // always packed (returned above)
        break;
      case 'showcase':
        this.hasShowCase = false;
        break;
      case 'product':
        this.productWords = 0;
        break;
    }
  }

  removeCode(slot: number): void {
    const last = --this.codeCount;
    this.codeColumns[slot] = this.codeColumns[last]!;
    this.codeWanted[slot] = this.codeWanted[last]!;
  }

  /** Points the range tests at the rank buckets of the order about to be traversed (none: compare values). */
  bindOrder(ranks: ReadonlyMap<string, Uint8Array> | undefined, products: Uint8Array | undefined): void {
    for (let k = 0; k < this.rangeCount; k++) this.rangeBytes[k] = ranks?.get(this.rangeFields[k]!) ?? null;
    this.productBytes = this.productWords !== 0 && products ? products : null;
  }

  reset(): void {
    this.productBytes = null;
    this.rangeCount = 0;
    this.rangeFields.length = 0;
    this.rangeBytes.length = 0;
    this.rangeRowBytes.length = 0;
    this.rangeColumns.length = 0;
    this.rangeOrders.length = 0;
    this.filterBits.length = 0;
    this.filterCount = 0;
    this.codeCount = 0;
    this.codeColumns.length = 0;
    this.hasShowCase = false;
    this.productWords = 0;
    this.packedMask = 0;
    this.packedWant = 0;
    this.packedConditions = 0;
  }

  get conditions(): number {
    return (
      this.packedConditions +
      this.rangeCount +
      this.codeCount +
      (this.hasShowCase ? 1 : 0) +
      (this.productWords ? 1 : 0)
    );
  }

  /** The row at position `p` of the traversed order passes every condition; `attribute` is its packed
   *  attributes (read from wherever is sequential). Ranges are decided by the order's rank buckets when bound,
   *  the value read only for a row in an edge bucket. */
  passesAt(attribute: number, p: number, row: number): boolean {
    if ((attribute & this.packedMask) !== this.packedWant) return false;
    for (let k = 0; k < this.rangeCount; k++) {
      const bytes = this.rangeBytes[k]!;
      const c = bytes === null ? RANK_CHECK : this.rangeClasses[k * RANK_BUCKETS + bytes[p]!]!;
      if (c === RANK_FAIL) return false;
      if (c === RANK_CHECK) {
        this.tested++;
        const v = this.rangeColumns[k]![row]!;
        if (v < this.rangeMin[k]! || v > this.rangeMax[k]!) return false;
      }
    }
    let product = this.productWords !== 0;
    if (product && this.productBytes !== null) {
      const b = this.productBytes[p]!;
      if ((b & this.productWantByte) === 0) return false;
      if ((b & this.productExactByte) !== 0) product = false;
    }
    if (!product && !this.restRandom) return true;
    this.tested++;
    return this.testRest(row, product);
  }

  /** The class table of range `slot` (a view, made once). */
  classView(slot: number): Uint8Array {
    return this.classViews[slot]!;
  }

  /** Every range has rank buckets bound: a walk can test them without a call per row to passesAt. */
  get rangesBound(): boolean {
    for (let k = 0; k < this.rangeCount; k++) if (this.rangeBytes[k] === null) return false;
    return true;
  }

  /** The ranges pass at position `p` of the bound order (rank buckets, an edge bucket's value read). */
  rangesAt(p: number, order: Uint32Array): boolean {
    for (let k = 0; k < this.rangeCount; k++) {
      const c = this.rangeClasses[k * RANK_BUCKETS + this.rangeBytes[k]![p]!]!;
      if (c === RANK_FAIL) return false;
      if (c === RANK_CHECK) {
        const v = this.rangeColumns[k]![order[p]!]!;
        if (v < this.rangeMin[k]! || v > this.rangeMax[k]!) return false;
      }
    }
    return true;
  }

  /** Conditions other than packed, ranges and product categories remain (each a random read). */
  get restRandom(): boolean {
    return this.filterCount !== 0 || this.codeCount !== 0 || this.hasShowCase;
  }

  /** The row has one of the wanted product category ids (its mask read). */
  productAt(row: number): boolean {
    const base = row * this.productWords;
    let any = 0;
    for (let w = 0; w < this.productWords; w++) any |= this.productMask[base + w]! & this.productWanted[w]!;
    return any !== 0;
  }

  /** The row passes every condition, its packed attributes read from `rowAttributes` only when needed (a
   *  random read). */
  passesRow(rowAttributes: AttributeArray, row: number): boolean {
    return (
      (this.packedMask === 0 || (rowAttributes[row]! & this.packedMask) === this.packedWant) && this.test(row)
    );
  }

  /** The row passes every condition except the packed ones. */
  test(row: number): boolean {
    for (let k = 0; k < this.filterCount; k++)
      if ((this.filterBits[k]![row >>> 5]! & (1 << (row & 31))) === 0) return false;
    for (let k = 0; k < this.rangeCount; k++) {
      const c = this.rangeClasses[k * RANK_BUCKETS + this.rangeRowBytes[k]![row]!]!;
      if (c === RANK_FAIL) return false;
      if (c === RANK_CHECK) {
        const v = this.rangeColumns[k]![row]!;
        if (v < this.rangeMin[k]! || v > this.rangeMax[k]!) return false;
      }
    }
    return this.testOthers(row);
  }

  /** The row passes every condition except the packed ones and the ranges (and product categories unless
   *  `product`). */
  testRest(row: number, product: boolean): boolean {
    for (let k = 0; k < this.filterCount; k++)
      if ((this.filterBits[k]![row >>> 5]! & (1 << (row & 31))) === 0) return false;
    return this.testOthers(row, product);
  }

  /** Unpacked codes, show_case_flag other than 0/1, product categories (when `product`). */
  private testOthers(row: number, product = true): boolean {
    for (let k = 0; k < this.codeCount; k++)
      if (this.codeColumns[k]![row] !== this.codeWanted[k]) return false;
    if (this.hasShowCase && this.showCaseColumn[row] !== this.showCaseWanted) return false;
    return !product || this.productWords === 0 || this.productAt(row);
  }
}

/** First position of the run of value v ending at position end - 1 (values[order[end - 1]] is v), not before
 *  lo: galloping down, then a binary search, so a short run (the usual case) costs a few reads, not log n. */
function runStart(values: NumericColumn, order: Uint32Array, lo: number, end: number, v: number): number {
  let known = end - 1;
  for (let step = 1; ; step *= 2) {
    const probe = known - step;
    if (probe < lo) return lowerBound(values, order, lo, known, v);
    if (values[order[probe]!]! < v) return lowerBound(values, order, probe + 1, known, v);
    known = probe;
  }
}

/** End (exclusive) of the run of value v holding position from (values[order[from]] is v), not past hi. */
function runEnd(values: NumericColumn, order: Uint32Array, from: number, hi: number, v: number): number {
  let known = from;
  for (let step = 1; ; step *= 2) {
    const probe = known + step;
    if (probe >= hi) return upperBound(values, order, known + 1, hi, v);
    if (values[order[probe]!]! > v) return upperBound(values, order, known + 1, probe, v);
    known = probe;
  }
}

/** A candidate source for the gather plan. */
interface Source {
  /** Exact number of rows (upper bound for a product-category union). */
  readonly count: number;
  /** rows[from..to) per segment. */
  readonly segments: readonly (readonly [Uint32Array, number, number])[];
  /** Segments may repeat a row (product-category lists). */
  readonly mayRepeat: boolean;
  /** Bits of the packed attributes holding the source's condition (0: not a packed condition). */
  readonly packedMask: number;
  /** The matcher condition every row of the source satisfies, skipped when gathering from it. */
  readonly implies: 'range' | 'code' | 'sales' | 'showcase' | 'product';
  /** The column of that condition (range or code), to find it in the matcher. */
  readonly column: NumericColumn | CodeColumn | null;
  /** Cost of reading another column for one of its rows: random for a sorted-order range, strided for a
   *  posting list (rows ascending, so reads move forward through memory). */
  readonly readCost: number;
  /** A slice of this sort field's order: its rows are tested in that order's sequence, packed attributes and
   *  other ranges (rank buckets) read sequentially. */
  readonly orderField: string | null;
}

export type PlanKind = 'empty' | 'walk' | 'gather-select' | 'gather-walk' | 'walk-then-gather';

/** Searches the regions of one loaded index. Not re-entrant (shared scratch), which suits one event loop. */
export class IndexSearcher {
  private readonly matcher = new RowMatcher();
  private page = new Uint32Array(16);
  private candidates = new Uint32Array(0);
  private keys = new Float64Array(0);
  private bits = new Int32Array(0);
  /** Bitsets for pre-marked conditions, allocated as queries need them. */
  private readonly filterPool: Int32Array[] = [];
  private json = Buffer.alloc(64 * 1024);
  /** Matches below the first run of a descending walk, and their values. */
  private runRows = new Uint32Array(32);
  private runValues = new Float64Array(32);
  /** Plan of the last search, for benchmarks and tests. */
  lastPlan: PlanKind = 'empty';

  constructor(
    private readonly regions: ReadonlyMap<string, RegionIndex>,
    private readonly dictionaries: IndexDictionaries,
    private readonly maxRegionRows: number,
  ) {}

  search(q: InfluencerQuery): SearchResult {
    this.lastPlan = 'empty';
    // The API validates these; a caller that does not gets an error, never a wrong page.
    if (!Number.isSafeInteger(q.pageNum) || q.pageNum < 1)
      throw new RangeError(`pageNum must be a positive integer, got ${q.pageNum}`);
    if (!Number.isSafeInteger(q.pageSize) || q.pageSize < 1)
      throw new RangeError(`pageSize must be a positive integer, got ${q.pageSize}`);
    if (q.pageSize > this.page.length) this.page = new Uint32Array(q.pageSize);
    const region = this.regions.get(q.region);
    if (!region) return EMPTY;
    const n = this.findPage(region, q);
    if (n === 0) return EMPTY;
    return { dataJson: this.hydrate(region, n), count: n };
  }

  /** Fills this.page with the page's row numbers; returns how many. */
  private findPage(region: RegionIndex, q: InfluencerQuery): number {
    const m = this.matcher;
    m.reset();
    const offset = (q.pageNum - 1) * q.pageSize;
    const size = q.pageSize;
    const total = region.rows;
    const sortField = SORT_FIELDS[q.sortField];
    const sortColumn = q.sortField === 0 ? null : region.columns.get(sortField)!;
    const sortOrder = q.sortField === 0 ? null : region.orders.get(sortField)!;
    let walkLo = 0;
    let walkHi = total;
    const sources: Source[] = [];

    const ranges: {
      field: string;
      column: NumericColumn;
      order: Uint32Array;
      lo: number;
      hi: number;
      min: number;
      max: number;
    }[] = [];
    for (const field of RANGE_FIELDS) {
      const r = q.ranges[field];
      if (!r || (r.min === undefined && r.max === undefined)) continue;
      if (Number.isNaN(r.min)) return 0;
      const min = r.min ?? -Infinity;
      const max = r.max === undefined || Number.isNaN(r.max) ? Infinity : r.max;
      if (min > max) return 0;
      const column = region.columns.get(field)!;
      const order = region.orders.get(field)!;
      const lo = min === -Infinity ? 0 : lowerBound(column, order, 0, total, min);
      const hi = max === Infinity ? total : upperBound(column, order, lo, total, max);
      if (lo >= hi) return 0;
      if (field === sortField) {
        walkLo = lo;
        walkHi = hi;
        continue; // the walk range enforces it
      }
      ranges.push({ field, column, order, lo, hi, min, max });
    }
    // Most selective range first: a rejected row costs fewer reads.
    ranges.sort((a, b) => a.hi - a.lo - (b.hi - b.lo));
    for (const { field, column, order, lo, hi, min, max } of ranges) {
      m.addRange(field, column, min, max, order, lo, hi, region.rowRanks.get(field)!);
      sources.push({
        count: hi - lo,
        segments: [[order, lo, hi]],
        mayRepeat: false,
        packedMask: 0,
        implies: 'range',
        column,
        readCost: COST.random,
        orderField: RANK_ORDERS.includes(field) ? field : null,
      });
    }
    // The sort field's own range is enforced by the walk; a gather must test it as well (added then).
    const sortRange =
      sortColumn && sortOrder && (walkLo > 0 || walkHi < total)
        ? q.ranges[sortField as (typeof RANGE_FIELDS)[number]]!
        : null;

    const coded: [CodedField, string | undefined][] = [
      ['category', q.category],
      ['language', q.language],
      ['gender', q.gender],
    ];
    // Conditions that are not a source but have an exact count: their combined selectivity.
    let counted = 0;
    let countedDensity = 1;
    // Selectivity of the packed conditions alone (tested before the others in a walk).
    let packedDensity = 1;
    const layout = this.dictionaries.attributes;
    for (const [field, wanted] of coded) {
      if (wanted === undefined) continue;
      const code = this.dictionaries.codes[field].get(wanted);
      if (code === undefined) return 0;
      const place = layout.fields[field];
      const packedMask = place ? (((1 << place.bits) - 1) << place.shift) | 0 : 0;
      if (place) m.addPacked(packedMask, (code << place.shift) | 0);
      else {
        m.codeColumns.push(region.codes[field]);
        m.codeWanted[m.codeCount++] = code;
      }
      if (field === 'gender') {
        const n = region.genderCounts[code] ?? 0;
        if (n === 0) return 0;
        counted++;
        countedDensity *= n / total;
        if (place) packedDensity *= n / total;
      } else {
        const p = region.postings[field];
        const from = p.starts[code]!;
        const to = p.starts[code + 1]!;
        if (from === to) return 0;
        if (place) packedDensity *= (to - from) / total;
        sources.push({
          count: to - from,
          segments: [[p.rows, from, to]],
          mayRepeat: false,
          packedMask,
          implies: 'code',
          column: region.codes[field],
          readCost: COST.strided,
          orderField: null,
        });
      }
    }

    // Flag conditions are packed attributes; the posting lists of the flag groups are their sources.
    const flags = region.postings.flags;
    const flagSource = (group: number, packedMask: number) => {
      const from = flags.starts[group]!;
      const to = flags.starts[group + 1]!;
      m.addPacked(packedMask, packedMask);
      packedDensity *= (to - from) / total;
      sources.push({
        count: to - from,
        segments: [[flags.rows, from, to]],
        mayRepeat: false,
        packedMask,
        implies: group === FLAG_GROUP.showcase ? 'showcase' : 'sales',
        column: null,
        readCost: COST.strided,
        orderField: null,
      });
      return to - from;
    };
    if (q.salesFlag === 1 || q.salesFlag === 2 || q.salesFlag === 3) {
      const [group, mask] =
        q.salesFlag === 1
          ? [FLAG_GROUP.video, ATTR_SALES_VIDEO]
          : q.salesFlag === 2
            ? [FLAG_GROUP.live, ATTR_SALES_LIVE]
            : [FLAG_GROUP.both, ATTR_SALES_VIDEO | ATTR_SALES_LIVE];
      if (flagSource(group, mask) === 0) return 0;
    }
    if (q.salesFlag === 4) {
      if (q.showCaseFlag !== undefined && q.showCaseFlag !== 1) return 0;
      if (flagSource(FLAG_GROUP.showcase, ATTR_SHOWCASE_1) === 0) return 0;
    } else if (q.showCaseFlag === 1) {
      if (flagSource(FLAG_GROUP.showcase, ATTR_SHOWCASE_1) === 0) return 0;
    } else if (q.showCaseFlag === 0) {
      // No posting list for show_case_flag = 0; its count is the rest of the region (flags are 0 or 1).
      const zero = total - (flags.starts[FLAG_GROUP.showcase + 1]! - flags.starts[FLAG_GROUP.showcase]!);
      m.addPacked(ATTR_SHOWCASE_0, ATTR_SHOWCASE_0);
      counted++;
      countedDensity *= zero / total;
      packedDensity *= zero / total;
    } else if (q.showCaseFlag !== undefined) {
      m.hasShowCase = true;
      m.showCaseWanted = q.showCaseFlag;
      m.showCaseColumn = region.columns.get('show_case_flag')!;
    }

    if (q.productCategoryIds && q.productCategoryIds.length > 0) {
      const words = this.dictionaries.productCategoryWords;
      const wanted = new Uint32Array(words);
      const p = region.postings.product_category;
      const segments: [Uint32Array, number, number][] = [];
      let count = 0;
      for (const id of q.productCategoryIds) {
        const pos = this.dictionaries.productCategories.get(id);
        if (pos === undefined || (wanted[pos >>> 5]! & (1 << (pos & 31))) !== 0) continue;
        wanted[pos >>> 5]! |= 1 << (pos & 31);
        const from = p.starts[pos]!;
        const to = p.starts[pos + 1]!;
        if (to > from) segments.push([p.rows, from, to]);
        count += to - from;
      }
      if (count === 0) return 0;
      m.productWords = words;
      m.productMask = region.productCategoryMask;
      m.productWanted = wanted;
      let want = 0;
      let exact = 0;
      for (const id of q.productCategoryIds) {
        const pos = this.dictionaries.productCategories.get(id);
        if (pos === undefined) continue;
        const bit = region.productBits[pos]!;
        want |= bit;
        if (bit !== PRODUCT_OTHER) exact |= bit;
      }
      m.productWantByte = want;
      m.productExactByte = exact;
      sources.push({
        count,
        segments,
        mayRepeat: segments.length > 1,
        packedMask: 0,
        implies: 'product',
        column: null,
        readCost: COST.strided,
        orderField: null,
      });
    }

    // Plan, in rough nanoseconds (COST): selectivities from exact counts, assumed independent.
    const walkLength = walkHi - walkLo;
    const conditions = m.conditions;
    let density = countedDensity;
    for (const s of sources) density *= s.count / total;
    // Conditions without a count (show_case_flag other than 0/1): assume half the rows pass each.
    density *= 0.5 ** Math.max(0, conditions - sources.length - counted);
    const wanted = offset + size;
    const expectedVisits = density <= 0 ? walkLength : Math.min(walkLength, wanted / density);
    // A walk reads the packed attributes in step with the order (sequential), the other conditions' columns
    // (random) only for rows passing the packed ones and the ranges. Ranges are tested by the rank buckets
    // kept in the walked order's sequence (user_id order: the values themselves, in row order).
    let rangeDensity = 1;
    for (const r of ranges) rangeDensity *= (r.hi - r.lo) / total;
    // Product categories too, by the product bytes of a sort order (not in user_id order).
    const productBytes = m.productWords !== 0 ? 1 : 0;
    const walkProduct = q.sortField !== 0 ? productBytes : 0;
    const otherConditions = conditions - m.packedConditions - m.rangeCount - walkProduct;
    // Only packed conditions: a tight loop over the attributes alone.
    const stepCost = conditions > m.packedConditions ? COST.packedStep : COST.sequential;
    const visitCost =
      stepCost +
      packedDensity *
        ((m.rangeCount + walkProduct) * RANGE_STEP + rangeDensity * COST.random * otherConditions);
    // A gather from a sort order's slice reads ranges and product bytes in sequence.
    const gatherPlan = () =>
      planGather(sources, {
        reads: m.conditions - m.packedConditions + (m.packedConditions > 0 ? 1 : 0),
        ranges: m.rangeCount + productBytes,
        others: m.conditions - m.packedConditions - m.rangeCount - productBytes,
        passing: packedDensity * rangeDensity,
        total,
      });
    let gatherCost = Infinity;
    if (sources.length > 0) {
      const plan = gatherPlan();
      const matches = Math.max(1, Math.min(plan.primary.count, density * total));
      gatherCost = plan.cost + Math.min(selectCost(matches), bitWalkCost(matches, walkLength, wanted));
    }
    const walkCost = expectedVisits * visitCost;
    const noFilters = conditions === 0;

    if (sources.length === 0 || noFilters || walkCost <= gatherCost) {
      // Budget: a walk that runs far past its estimate (correlated filters) switches to the gather plan.
      // Counted in visits of packed attributes, a row whose other columns are read weighing more: correlated
      // data can make the packed conditions pass far more often than estimated.
      const budget = sources.length > 0 ? Math.max(4096, gatherCost / stepCost) : Infinity;
      const testWeight = (COST.random * Math.max(1, otherConditions)) / stepCost;
      this.lastPlan = 'walk';
      const found = this.walk(
        region,
        q,
        sortColumn,
        sortOrder,
        walkLo,
        walkHi,
        offset,
        size,
        noFilters,
        false,
        budget,
        testWeight,
      );
      if (found >= 0) return found;
      this.lastPlan = 'walk-then-gather';
    }
    if (sortRange) {
      // Gathered rows must also pass the sort field's own range: one more condition and source.
      m.addRange(
        sortField,
        sortColumn!,
        sortRange.min ?? -Infinity,
        sortRange.max === undefined || Number.isNaN(sortRange.max) ? Infinity : sortRange.max,
        sortOrder!,
        walkLo,
        walkHi,
        region.rowRanks.get(sortField)!,
      );
      sources.push({
        count: walkHi - walkLo,
        segments: [[sortOrder!, walkLo, walkHi]],
        mayRepeat: false,
        packedMask: 0,
        implies: 'range',
        column: sortColumn,
        readCost: COST.random,
        orderField: sortField,
      });
      rangeDensity *= (walkHi - walkLo) / total;
    }
    const plan = gatherPlan();
    return this.gather(region, q, plan, sortColumn, sortOrder, walkLo, walkHi, offset, size);
  }

  /**
   * Walks the sort order over positions [lo, hi), testing rows with the matcher (or the bitset of gathered
   * matches), collecting rows offset..offset+size-1 of the matches into this.page. Returns the number found,
   * or -1 when the budget of visited rows ran out first.
   */
  private walk(
    region: RegionIndex,
    q: InfluencerQuery,
    values: NumericColumn | null,
    order: Uint32Array | null,
    lo: number,
    hi: number,
    offset: number,
    size: number,
    noFilters: boolean,
    useBits: boolean,
    budget: number,
    testWeight = 0,
  ): number {
    const page = this.page;
    const m = this.matcher;
    m.tested = 0;
    const sortField = SORT_FIELDS[q.sortField];
    if (q.sortField === 0) m.bindOrder(region.rowRanks, undefined);
    else m.bindOrder(region.ranks.get(sortField), region.productBytes.get(sortField));
    const bits = this.bits;
    const rowAttrs = region.rowAttributes;
    // The packed attributes in the walked order's sequence (user_id order: row order).
    const attrs = q.sortField === 0 ? rowAttrs : region.orderAttributes.get(SORT_FIELDS[q.sortField])!;
    let skip = offset;
    let n = 0;
    let visited = 0;
    // Only packed conditions and ranges with rank buckets: a tight loop over the attributes and buckets,
    // reading the order only for the page's rows (and edge buckets' values).
    const pure =
      !useBits &&
      m.filterCount === 0 &&
      (m.conditions === m.packedConditions ||
        (order !== null &&
          m.rangeCount <= 2 &&
          m.conditions === m.packedConditions + m.rangeCount + (m.productBytes !== null ? 1 : 0) &&
          m.rangesBound));
    // Blocks of positions are counted without branches (countBlock): up to two ranges' buckets (an absent one
    // read from any byte array with an all-pass class table) and the product bytes.
    const anyBytes = new Uint8Array(attrs.buffer, attrs.byteOffset, attrs.byteLength);
    const b0 = m.rangeCount > 0 ? m.rangeBytes[0]! : anyBytes;
    const c0 = m.rangeCount > 0 ? m.classView(0) : ALL_PASS;
    const b1 = m.rangeCount > 1 ? m.rangeBytes[1]! : anyBytes;
    const c1 = m.rangeCount > 1 ? m.classView(1) : ALL_PASS;
    const pm = m.packedMask;
    const pw = m.packedWant;
    // The product bytes as 32-bit words for countBlock (one view per walk, not per block).
    const quads = m.productBytes ? quadWords(m.productBytes) : null;
    const pairs = pairWords(attrs);
    if (!values || !order) {
      // user_id order = row order.
      if (noFilters) {
        for (let k = offset; k < offset + size && k < region.rows; k++)
          page[n++] = q.descending ? region.rows - 1 - k : k;
        return n;
      }
      if (pure) {
        const rows = region.rows;
        const end = Math.min(rows, budget);
        for (let i = 0; i < end; i++) {
          const row = q.descending ? rows - 1 - i : i;
          if ((rowAttrs[row]! & pm) !== pw) continue;
          if (skip > 0) {
            skip--;
            continue;
          }
          page[n++] = row;
          if (n === size) return n;
        }
        return end < rows ? -1 : n;
      }
      for (let i = 0; i < region.rows; i++) {
        const row = q.descending ? region.rows - 1 - i : i;
        if (++visited + m.tested * testWeight > budget) return -1;
        if (useBits ? (bits[row >>> 5]! & (1 << (row & 31))) === 0 : !m.passesAt(rowAttrs[row]!, row, row))
          continue;
        if (skip > 0) {
          skip--;
          continue;
        }
        page[n++] = row;
        if (n === size) return n;
      }
      return n;
    }
    if (!q.descending) {
      if (noFilters) {
        for (let p = lo + offset; p < hi && n < size; p++) page[n++] = order[p]!;
        return n;
      }
      if (pure) {
        const end = Math.min(hi, lo + budget);
        let p = lo;
        for (;;) {
          // Whole blocks before the page's first match: counted, not tested one by one.
          if (skip > 0 && p + BLOCK <= end) {
            const c = countBlock(m, order, attrs, quads, pairs, pm, pw, b0, c0, b1, c1, p, p + BLOCK);
            if (c <= skip) {
              skip -= c;
              p += BLOCK;
              continue;
            }
          }
          const stop = skip > 0 ? Math.min(end, p + BLOCK) : end;
          for (; p < stop; p++) {
            if (!m.passesAt(attrs[p]!, p, order[p]!)) continue;
            if (skip > 0) {
              skip--;
              continue;
            }
            page[n++] = order[p]!;
            if (n === size) return n;
          }
          if (p >= end) break;
        }
        return end < hi ? -1 : n;
      }
      for (let p = lo; p < hi; p++) {
        const row = order[p]!;
        if (++visited + m.tested * testWeight > budget) return -1;
        if (useBits ? (bits[row >>> 5]! & (1 << (row & 31))) === 0 : !m.passesAt(attrs[p]!, p, row)) continue;
        if (skip > 0) {
          skip--;
          continue;
        }
        page[n++] = row;
        if (n === size) return n;
      }
      return n;
    }
    // Descending value, ties still by row ascending: walk runs of equal values from the top, each forwards.
    if (noFilters) {
      for (let k = offset; k < offset + size && k < hi - lo; k++) {
        const at = hi - 1 - k;
        const v = values[order[at]!]!;
        const s = runStart(values, order, lo, at + 1, v);
        const e = runEnd(values, order, at, hi, v);
        page[n++] = order[s + (k - (hi - e))]!;
      }
      return n;
    }
    // 1. Count matches downwards (value descending, row descending) without reading values, until the page's
    //    first row: the set of matches above a value is the same in both tie orders, so this finds the run
    //    of equal values where the page starts.
    let p = hi - 1;
    let above = 0;
    if (pure) {
      const last = budget >= hi - lo ? lo : hi - Math.floor(budget);
      counting: for (;;) {
        // Whole blocks above the page's first match: counted, not tested one by one.
        if (p + 1 - BLOCK >= last) {
          const c = countBlock(m, order, attrs, quads, pairs, pm, pw, b0, c0, b1, c1, p + 1 - BLOCK, p + 1);
          if (above + c <= offset) {
            above += c;
            p -= BLOCK;
            continue;
          }
        }
        const stop = Math.max(last, p + 1 - BLOCK);
        for (; p >= stop; p--) {
          if (!m.passesAt(attrs[p]!, p, order[p]!)) continue;
          if (above === offset) break counting;
          above++;
        }
        if (p < last) break;
      }
      if (p < last && last > lo) return -1;
    } else
      for (; p >= lo; p--) {
        if (++visited + m.tested * testWeight > budget) return -1;
        const row = order[p]!;
        if (useBits ? (bits[row >>> 5]! & (1 << (row & 31))) === 0 : !m.passesAt(attrs[p]!, p, row)) continue;
        if (above === offset) break;
        above++;
      }
    if (p < lo) return 0;
    const v0 = values[order[p]!]!;
    const s = runStart(values, order, lo, p + 1, v0);
    const e = runEnd(values, order, p, hi, v0);
    // Matches in the run above p were counted but come after the run's lower rows: take them back.
    if (pure) above -= countBlock(m, order, attrs, quads, pairs, pm, pw, b0, c0, b1, c1, p + 1, e);
    else
      for (let q = p + 1; q < e; q++) {
        const row = order[q]!;
        if (useBits ? (bits[row >>> 5]! & (1 << (row & 31))) === 0 : !m.passesAt(attrs[q]!, q, row)) continue;
        above--;
      }
    // 2. From the start of that run, in ascending row order.
    skip = offset - above;
    let from = s;
    // A long run of equal values (e.g. zero products): whole blocks before the page counted at once.
    if (pure)
      while (skip > 0 && from + BLOCK <= e) {
        const c = countBlock(m, order, attrs, quads, pairs, pm, pw, b0, c0, b1, c1, from, from + BLOCK);
        if (c > skip) break;
        skip -= c;
        from += BLOCK;
      }
    for (let q = from; q < e; q++) {
      const row = order[q]!;
      if (useBits ? (bits[row >>> 5]! & (1 << (row & 31))) === 0 : !m.passesAt(attrs[q]!, q, row)) continue;
      if (skip > 0) {
        skip--;
        continue;
      }
      page[n++] = row;
      if (n === size) return n;
    }
    // 3. Lower runs (the page starts in the run above, so nothing is skipped): walk down collecting matches,
    //    reading the value of matches only (not of every row, to find where each run starts), grouped by value;
    //    each group is then output in ascending row order. A group longer than the page (a long run) is taken
    //    from its start forwards instead.
    const need = size - n;
    if (this.runRows.length < 2 * need) {
      this.runRows = new Uint32Array(2 * need);
      this.runValues = new Float64Array(2 * need);
    }
    const rows = this.runRows;
    const vals = this.runValues;
    let k = 0;
    let groupStart = 0;
    let groupValue = NaN;
    let ascending = -1; // group stored in ascending order (a long run), if any
    for (let q = s - 1; q >= lo; q--) {
      const row = order[q]!;
      if (useBits ? (bits[row >>> 5]! & (1 << (row & 31))) === 0 : !m.passesAt(attrs[q]!, q, row)) continue;
      const v = values[row]!;
      if (v !== groupValue) {
        if (k >= need) break;
        groupStart = k;
        groupValue = v;
      }
      if (k - groupStart === need) {
        k = groupStart;
        const start = runStart(values, order, lo, q + 1, v);
        for (let r = start; k - groupStart < need - groupStart; r++) {
          const row2 = order[r]!;
          if (useBits ? (bits[row2 >>> 5]! & (1 << (row2 & 31))) === 0 : !m.passesAt(attrs[r]!, r, row2))
            continue;
          rows[k] = row2;
          vals[k++] = v;
        }
        ascending = groupStart;
        break;
      }
      rows[k] = row;
      vals[k++] = v;
    }
    for (let i = 0; i < k && n < size;) {
      let j = i + 1;
      while (j < k && vals[j] === vals[i]) j++;
      if (i === ascending) for (let t = i; t < j && n < size; t++) page[n++] = rows[t]!;
      else for (let t = j - 1; t >= i && n < size; t--) page[n++] = rows[t]!;
      i = j;
    }
    return n;
  }

  private ensureScratch(): void {
    if (this.candidates.length >= this.maxRegionRows) return;
    this.candidates = new Uint32Array(this.maxRegionRows);
    this.keys = new Float64Array(this.maxRegionRows);
    this.bits = new Int32Array((this.maxRegionRows >>> 5) + 1);
  }

  /** Collects the source's rows that pass every condition, then picks the page by sort key. */
  private gather(
    region: RegionIndex,
    q: InfluencerQuery,
    plan: GatherPlan,
    values: NumericColumn | null,
    order: Uint32Array | null,
    lo: number,
    hi: number,
    offset: number,
    size: number,
  ): number {
    this.ensureScratch();
    if (this.lastPlan !== 'walk-then-gather') this.lastPlan = 'gather-select';
    const m = this.matcher;
    const source = plan.primary;
    // Every row of the source satisfies its own condition: do not test it again.
    m.drop(source);
    // Conditions cheaper as a bitset (marked from their sorted order or posting list: sequential reads,
    // writes to a small bitset) than as a read of their column for every candidate.
    for (let k = 0; k < plan.marks.length; k++) {
      const mark = plan.marks[k]!;
      if (this.filterPool.length <= k) this.filterPool.push(new Int32Array((this.maxRegionRows >>> 5) + 1));
      const bitset = this.filterPool[k]!;
      for (const [rows, from, to] of mark.segments)
        for (let i = from; i < to; i++) {
          const row = rows[i]!;
          bitset[row >>> 5]! |= 1 << (row & 31);
        }
      m.drop(mark);
      m.filterBits.push(bitset);
      m.filterCount++;
    }
    const cand = this.candidates;
    const bits = this.bits;
    const rowAttrs = region.rowAttributes;
    const walkLength = values ? hi - lo : region.rows;
    let tryBitWalk = true;
    if (m.conditions === 0 && m.filterCount === 0 && !source.mayRepeat) {
      // Every row of the source matches: no scan; mark it straight into the bitset when walking pays.
      const count = source.count;
      if (offset >= count) return 0;
      if (bitWalkCost(count, walkLength, offset + size) < selectCost(count)) {
        for (const [rows, from, to] of source.segments)
          for (let i = from; i < to; i++) {
            const row = rows[i]!;
            bits[row >>> 5]! |= 1 << (row & 31);
          }
        this.lastPlan = this.lastPlan === 'walk-then-gather' ? this.lastPlan : 'gather-walk';
        const budget = selectCost(count) / COST.bit;
        const n = this.walk(region, q, values, order, lo, hi, offset, size, false, true, budget);
        bits.fill(0, 0, (region.rows >>> 5) + 1);
        if (n >= 0) return n;
        tryBitWalk = false; // matches clustered late in the sort order: select instead (below)
      }
    }
    let count = 0;
    const sequence = source.orderField === null ? undefined : region.orderAttributes.get(source.orderField);
    if (sequence && !source.mayRepeat) {
      // A slice of a sort order: packed attributes and other ranges read in the order's sequence.
      m.bindOrder(region.ranks.get(source.orderField!), region.productBytes.get(source.orderField!));
      const tight =
        m.filterCount === 0 &&
        m.rangeCount <= 2 &&
        m.rangesBound &&
        m.conditions === m.packedConditions + m.rangeCount + (m.productBytes !== null ? 1 : 0);
      for (const [rows, from, to] of source.segments)
        if (tight) count = collectAt(m, sequence, rows, from, to, cand, count);
        else
          for (let p = from; p < to; p++) {
            const row = rows[p]!;
            if (m.passesAt(sequence[p]!, p, row)) cand[count++] = row;
          }
    } else
      for (const [rows, from, to] of source.segments) {
        if (source.mayRepeat) {
          for (let i = from; i < to; i++) {
            const row = rows[i]!;
            const bit = 1 << (row & 31);
            if ((bits[row >>> 5]! & bit) !== 0 || !m.passesRow(rowAttrs, row)) continue;
            bits[row >>> 5]! |= bit;
            cand[count++] = row;
          }
        } else {
          for (let i = from; i < to; i++) {
            const row = rows[i]!;
            if (m.passesRow(rowAttrs, row)) cand[count++] = row;
          }
        }
      }
    for (let k = 0; k < m.filterCount; k++) m.filterBits[k]!.fill(0, 0, (region.rows >>> 5) + 1);
    m.filterCount = 0;
    m.filterBits.length = 0;
    if (offset >= count) {
      if (source.mayRepeat) this.clearBits(count);
      return 0;
    }
    const end = Math.min(offset + size, count);
    if (tryBitWalk && bitWalkCost(count, walkLength, offset + size) < selectCost(count)) {
      // Many matches: mark them in a bitset (small, cache-resident) and walk the sort order over it.
      if (!source.mayRepeat) for (let i = 0; i < count; i++) bits[cand[i]! >>> 5]! |= 1 << (cand[i]! & 31);
      this.lastPlan = this.lastPlan === 'walk-then-gather' ? this.lastPlan : 'gather-walk';
      // Matches may cluster late in the sort order: past the cost of selecting, select instead.
      const budget = selectCost(count) / COST.bit;
      const n = this.walk(region, q, values, order, lo, hi, offset, size, false, true, budget);
      this.clearBits(count);
      if (n >= 0) return n;
    } else if (source.mayRepeat) this.clearBits(count);
    this.lastPlan = this.lastPlan === 'walk-then-gather' ? this.lastPlan : 'gather-select';
    const keys = this.keys;
    const sign = q.descending ? -1 : 1;
    if (values) for (let i = 0; i < count; i++) keys[i] = sign * values[cand[i]!]!;
    else for (let i = 0; i < count; i++) keys[i] = sign * cand[i]!;
    selectRange(keys, cand, count, offset, end);
    for (let i = offset; i < end; i++) this.page[i - offset] = cand[i]!;
    return end - offset;
  }

  private clearBits(count: number): void {
    const cand = this.candidates;
    const bits = this.bits;
    // Many rows: clearing the whole bitset is cheaper than one random write per row.
    if (count > bits.length >>> 2) bits.fill(0);
    else for (let i = 0; i < count; i++) bits[cand[i]! >>> 5] = 0;
  }

  /** The page's rows as a JSON array, read from rows.json with one positioned read per row. */
  private hydrate(region: RegionIndex, n: number): string {
    let length = 2 + n - 1;
    for (let i = 0; i < n; i++) {
      const row = this.page[i]!;
      length += region.jsonOffsets[row + 1]! - region.jsonOffsets[row]!;
    }
    if (this.json.length < length) this.json = Buffer.alloc(Math.max(length, this.json.length * 2));
    const buf = this.json;
    let at = 0;
    buf[at++] = 0x5b; // [
    for (let i = 0; i < n; i++) {
      if (i > 0) buf[at++] = 0x2c; // ,
      const row = this.page[i]!;
      const start = region.jsonOffsets[row]!;
      const bytes = region.jsonOffsets[row + 1]! - start;
      let done = 0;
      while (done < bytes) {
        const read = readSync(region.jsonFd, buf, at + done, bytes - done, start + done);
        if (read === 0) throw new Error(`rows.json of region ${region.region} is shorter than its offsets`);
        done += read;
      }
      at += bytes;
    }
    buf[at++] = 0x5d; // ]
    // Indexes built since non-ASCII is escaped are ASCII: decoded as such (a fast copy); earlier ones as UTF-8.
    return isAscii(buf.subarray(0, at)) ? buf.toString('latin1', 0, at) : buf.toString('utf8', 0, at);
  }
}

/** Positions counted at once by countBlock. */
const BLOCK = 64;
/** Class table of an absent range: every bucket passes. */
const ALL_PASS = new Uint8Array(RANK_BUCKETS).fill(RANK_PASS);

/**
 * Matches among positions [from, to) of a walked order, counted without branches (a mispredicted branch per
 * row costs more than the tests): packed attributes and two ranges' bucket classes (RANK_PASS = 1, RANK_CHECK
 * = 2). A row in a range's edge bucket (rare, so a well-predicted branch) is tested exactly.
 */
function countBlock(
  m: RowMatcher,
  order: Uint32Array,
  attrs: AttributeArray,
  quads: Uint32Array | null,
  pairs: Uint32Array | null,
  pm: number,
  pw: number,
  b0: Uint8Array,
  c0: Uint8Array,
  b1: Uint8Array,
  c1: Uint8Array,
  from: number,
  to: number,
): number {
  let n = 0;
  if (m.rangeCount === 0 && m.productBytes === null) {
    // Packed conditions alone: one read per row, or per two rows when they are 16-bit.
    let p = from;
    if (pairs !== null) {
      if ((p & 1) !== 0 && p < to) {
        const x = (attrs[p++]! & pm) ^ pw;
        n += 1 ^ ((x | -x) >>> 31);
      }
      const pm2 = pm | (pm << 16);
      const pw2 = pw | (pw << 16);
      for (let w = p >>> 1, end = to >>> 1; w < end; w++) {
        const x = (pairs[w]! & pm2) ^ pw2;
        const low = x & 0xffff;
        const high = x >>> 16;
        n += (1 ^ ((low | -low) >>> 31)) + (1 ^ ((high | -high) >>> 31));
      }
      p = Math.max(p, to & ~1);
    }
    for (; p < to; p++) {
      const x = (attrs[p]! & pm) ^ pw;
      n += 1 ^ ((x | -x) >>> 31);
    }
    return n;
  }
  // Product bytes: a row passes on one of the exact bits; on the "other" bit alone it is checked (a branch).
  // Without a product condition: any bytes, always passing.
  const prod = m.productBytes ?? b0;
  const pOr = m.productBytes ? 0 : 0xff;
  const px = m.productBytes ? m.productExactByte : 0xff;
  const pAmb = m.productBytes ? m.productWantByte & PRODUCT_OTHER : 0;
  const want4 = Math.imul(m.productWantByte, 0x01010101);
  const quadsEnd = to >>> 2;
  for (let p = from; p < to; p++) {
    if (quads !== null && (p & 3) === 0) p = skipQuads(quads, want4, p, quadsEnd, to);
    if (p >= to) break;
    const x = (attrs[p]! & pm) ^ pw;
    const a = c0[b0[p]!]!;
    const b = c1[b1[p]!]!;
    const pb = prod[p]! | pOr;
    if (((a | b) & RANK_CHECK) !== 0 || ((pb & pAmb) !== 0 && (pb & px) === 0)) {
      if (x === 0 && m.passesAt(attrs[p]!, p, order[p]!)) n++;
      continue;
    }
    // 1 when x is 0 (the packed conditions hold), for any 32-bit x; 1 when pb & px is not 0 (below 256).
    n += (1 ^ ((x | -x) >>> 31)) & a & b & (((pb & px) + 255) >>> 8);
  }
  return n;
}

/**
 * Appends to `cand` the rows of order positions [from, to) that pass, when the conditions are packed, up to two
 * ranges and product categories, all read in the order's sequence (the same tests as countBlock, locals
 * hoisted). Returns the new candidate count.
 */
function collectAt(
  m: RowMatcher,
  attrs: AttributeArray,
  order: Uint32Array,
  from: number,
  to: number,
  cand: Uint32Array,
  count: number,
): number {
  const pm = m.packedMask;
  const pw = m.packedWant;
  const b0 = m.rangeCount > 0 ? m.rangeBytes[0]! : null;
  const c0 = m.rangeCount > 0 ? m.classView(0) : ALL_PASS;
  const b1 = m.rangeCount > 1 ? m.rangeBytes[1]! : null;
  const c1 = m.rangeCount > 1 ? m.classView(1) : ALL_PASS;
  const prod = m.productBytes;
  const px = m.productExactByte;
  const pAmb = prod ? m.productWantByte & PRODUCT_OTHER : 0;
  // 16-bit attributes are tested two at a time, as one 32-bit word: rows failing the packed conditions are
  // most of a slice, and skipping them in pairs halves the loop's steps.
  // With a product condition, rows without any wanted product byte are skipped four at a time instead.
  const quads = prod !== null ? quadWords(prod) : null;
  const want4 = Math.imul(m.productWantByte, 0x01010101);
  const quadsEnd = to >>> 2;
  const words = pm !== 0 && quads === null ? pairWords(attrs) : null;
  const pm2 = pm | (pm << 16);
  const pw2 = pw | (pw << 16);
  const pairsEnd = to >>> 1;
  for (let p = from; p < to; p++) {
    if (quads !== null && (p & 3) === 0) {
      p = skipQuads(quads, want4, p, quadsEnd, to);
      if (p >= to) break;
    }
    if (words !== null && (p & 1) === 0) {
      let w = p >>> 1;
      for (; w < pairsEnd; w++) {
        // Some 16-bit half of x is zero (that row passes): the usual has-zero test on two lanes.
        const x = (words[w]! & pm2) ^ pw2;
        if (((x - 0x10001) & ~x & 0x80008000) !== 0) break;
      }
      p = w << 1;
      if (p >= to) break;
    }
    if ((attrs[p]! & pm) !== pw) continue;
    const a = b0 === null ? RANK_PASS : c0[b0[p]!]!;
    const b = b1 === null ? RANK_PASS : c1[b1[p]!]!;
    if ((a & b) === RANK_FAIL && ((a | b) & RANK_CHECK) === 0) continue;
    let pass = (a & b) === RANK_PASS;
    if (prod !== null) {
      const pb = prod[p]!;
      if ((pb & m.productWantByte) === 0) continue;
      if ((pb & px) === 0 && (pb & pAmb) !== 0) pass = false;
    }
    if (pass || m.passesAt(attrs[p]!, p, order[p]!)) cand[count++] = order[p]!;
  }
  return count;
}

/** A 32-bit view of 16-bit attributes (word w holds rows 2w and 2w + 1), or null when they are wider
 *  or not 4-byte aligned. */
function pairWords(attrs: AttributeArray): Uint32Array | null {
  if (attrs.BYTES_PER_ELEMENT !== 2 || attrs.byteOffset % 4 !== 0) return null;
  return new Uint32Array(attrs.buffer, attrs.byteOffset, attrs.length >>> 1);
}

/** A 32-bit view of product bytes (word q holds positions 4q to 4q + 3), or null when not 4-byte aligned. */
function quadWords(bytes: Uint8Array): Uint32Array | null {
  if (bytes.byteOffset % 4 !== 0) return null;
  return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
}

/** From position p (a multiple of 4), the first position whose group of four has a product byte sharing a bit
 *  with the wanted byte (repeated four times in want4), or `to`: most influencers have no product. */
function skipQuads(quads: Uint32Array, want4: number, p: number, quadsEnd: number, to: number): number {
  let q = p >>> 2;
  while (q < quadsEnd && (quads[q]! & want4) === 0) q++;
  return Math.min(to, q << 2);
}

/** Rough cost per row, in nanoseconds at 10M rows: a sequential read, a random (cache- and TLB-missing) read,
 *  a bitset test, a bitset write from a sorted order. */
const COST = { sequential: 2, strided: 10, random: 40, bit: 3, bitSet: 4, packedStep: 6 } as const;

interface GatherPlan {
  /** The source whose rows are scanned. */
  readonly primary: Source;
  /** Other sources marked in bitsets first, their conditions then tested by a bit. */
  readonly marks: readonly Source[];
  /** Estimated cost of collecting the matches. */
  readonly cost: number;
}

/** A range condition tested by its rank bucket: a sequential byte, the value read (at random) on an edge. */
const RANGE_STEP = COST.sequential + (2 / RANK_BUCKETS) * COST.random;

interface GatherShape {
  /** Reads per row from a random row: the packed attributes once, each other condition's column. */
  readonly reads: number;
  /** Range conditions, conditions that are neither packed nor ranges, and the share of rows passing the
   *  packed and range conditions. */
  readonly ranges: number;
  readonly others: number;
  readonly passing: number;
  readonly total: number;
}

/** Picks the source to scan and the sources worth pre-marking, by estimated cost. */
function planGather(sources: readonly Source[], shape: GatherShape): GatherPlan {
  let best: GatherPlan | null = null;
  for (const primary of sources) {
    // A slice of a sort order reads the packed attributes and other ranges in sequence; the rest at random,
    // for the rows passing those.
    const positional = primary.orderField !== null;
    const rowCost = positional
      ? 2 * COST.sequential +
        (shape.ranges - 1) * RANGE_STEP +
        Math.min(1, (shape.passing * shape.total) / Math.max(1, primary.count)) * COST.random * shape.others
      : COST.sequential + primary.readCost * Math.max(0, shape.reads - 1);
    let cost = primary.count * rowCost;
    const passing = Math.min(1, (shape.passing * shape.total) / Math.max(1, primary.count));
    const marks: Source[] = [];
    for (const other of sources) {
      // A packed condition shares one read of the attributes with the others: marking it saves no read. Nor
      // does marking a range or product categories for a positional scan (bytes read in sequence); marking
      // another condition saves its random read for the rows passing the sequential ones.
      if (other === primary || other.packedMask !== 0) continue;
      if (positional && (other.implies === 'range' || other.implies === 'product')) continue;
      const tested = positional ? primary.count * passing : primary.count;
      const saving =
        tested * ((positional ? COST.random : primary.readCost) - COST.bit) - other.count * COST.bitSet;
      if (saving > 0) {
        marks.push(other);
        cost -= saving;
      }
    }
    if (!best || cost < best.cost) best = { primary, marks, cost };
  }
  return best!;
}

/** Picking ranks [offset, offset + size) of `matches` rows by quickselect: gather keys, then two partitions. */
function selectCost(matches: number): number {
  return matches * (COST.random + 9);
}

/** Marking `matches` rows in a bitset, then walking the sort order until `wanted` are passed (with a margin,
 *  since matches may cluster late in the order). */
function bitWalkCost(matches: number, walkLength: number, wanted: number): number {
  return matches * COST.sequential + COST.bit * Math.min(walkLength, (2 * walkLength * wanted) / matches);
}

/** (keys[i], rows[i]) before (keys[j], rows[j]): by key, then row. */
function before(keys: Float64Array, rows: Uint32Array, i: number, j: number): boolean {
  const a = keys[i]!;
  const b = keys[j]!;
  return a < b || (a === b && rows[i]! < rows[j]!);
}

function swap(keys: Float64Array, rows: Uint32Array, i: number, j: number): void {
  const k = keys[i]!;
  keys[i] = keys[j]!;
  keys[j] = k;
  const r = rows[i]!;
  rows[i] = rows[j]!;
  rows[j] = r;
}

/** Rearranges [lo, hi) so that position k holds the element of rank k, smaller before, larger after. */
function nthElement(keys: Float64Array, rows: Uint32Array, lo: number, hi: number, k: number): void {
  let left = lo;
  let right = hi - 1;
  while (right > left) {
    if (right - left < 16) {
      for (let i = left + 1; i <= right; i++)
        for (let j = i; j > left && before(keys, rows, j, j - 1); j--) swap(keys, rows, j, j - 1);
      return;
    }
    // Median of three as pivot, moved to `right`.
    const mid = (left + right) >>> 1;
    if (before(keys, rows, mid, left)) swap(keys, rows, mid, left);
    if (before(keys, rows, right, left)) swap(keys, rows, right, left);
    if (before(keys, rows, mid, right)) swap(keys, rows, mid, right);
    const pivotKey = keys[right]!;
    const pivotRow = rows[right]!;
    let store = left;
    for (let i = left; i < right; i++) {
      const key = keys[i]!;
      if (key < pivotKey || (key === pivotKey && rows[i]! < pivotRow)) swap(keys, rows, i, store++);
    }
    swap(keys, rows, store, right);
    if (store === k) return;
    if (k < store) right = store - 1;
    else left = store + 1;
  }
}

/** Puts the elements of ranks [from, to) of the first `count` pairs, in order, at positions [from, to). */
function selectRange(keys: Float64Array, rows: Uint32Array, count: number, from: number, to: number): void {
  nthElement(keys, rows, 0, count, from);
  if (to - from > 1) {
    nthElement(keys, rows, from + 1, count, to - 1);
    for (let i = from + 2; i < to - 1; i++)
      for (let j = i; j > from + 1 && before(keys, rows, j, j - 1); j--) swap(keys, rows, j, j - 1);
  }
}
