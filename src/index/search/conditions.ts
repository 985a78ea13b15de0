// The conditions of one query: RowMatcher, the per-row test (reconfigured per query), and setConditions, which
// turns an InfluencerQuery into matcher conditions and candidate sources with exact counts for the planner.
import { SORT_FIELDS, type InfluencerQuery, type Range, type RangeField } from '../query.ts';
import { FILTERED_FIELDS, type CodedField } from '../layout.ts';
import {
  ATTR_SALES_LIVE,
  ATTR_SALES_VIDEO,
  ATTR_SHOWCASE_1,
  layoutFlags,
  type AttributeArray,
} from '../attributes.ts';
import { RANK_BUCKETS, RANK_CHECK, RANK_FAIL, RANK_ORDERS, rankClasses } from '../ranks.ts';
import { PRODUCT_OTHER } from '../products.ts';
import { KEYWORD_LIST, KeywordMatch } from '../keyword/index.ts';
import { COST } from './planner.ts';
import {
  lowerBound,
  upperBound,
  type CodeColumn,
  type IndexDictionaries,
  type NumericColumn,
  type RegionIndex,
} from './region.ts';

const MAX_RANGES = FILTERED_FIELDS.length;
const FLAG_GROUP = { video: 0, live: 1, both: 2, showcase: 3 } as const;

/** The per-row test of a query's conditions, reconfigured per query (one object, one shape: monomorphic). */
export class RowMatcher {
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
  /** The keyword condition: its matches (this thread's), their bitset once a row is tested. */
  readonly keywordMatch = new KeywordMatch();
  hasKeyword = false;
  keywordBits: Int32Array | null = null;
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
      case 'keyword':
        this.hasKeyword = false;
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
    this.hasKeyword = false;
    this.keywordBits = null;
  }

  get conditions(): number {
    return (
      this.packedConditions +
      this.rangeCount +
      this.codeCount +
      (this.hasShowCase ? 1 : 0) +
      (this.productWords ? 1 : 0) +
      (this.hasKeyword ? 1 : 0)
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
    return this.filterCount !== 0 || this.codeCount !== 0 || this.hasShowCase || this.hasKeyword;
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
    if (this.hasKeyword) {
      const bits = (this.keywordBits ??= this.keywordMatch.ensureBits());
      if ((bits[row >>> 5]! & (1 << (row & 31))) === 0) return false;
    }
    return !product || this.productWords === 0 || this.productAt(row);
  }
}

/** A candidate source for the gather plan. */
export interface Source {
  /** Exact number of rows (upper bound for a product-category union). */
  readonly count: number;
  /** rows[from..to) per segment. */
  readonly segments: readonly (readonly [Uint32Array, number, number])[];
  /** Segments may repeat a row (product-category lists). */
  readonly mayRepeat: boolean;
  /** Bits of the packed attributes holding the source's condition (0: not a packed condition). */
  readonly packedMask: number;
  /** The matcher condition every row of the source satisfies, skipped when gathering from it. */
  readonly implies: 'range' | 'code' | 'sales' | 'showcase' | 'product' | 'keyword';
  /** The column of that condition (range or code), to find it in the matcher. */
  readonly column: NumericColumn | CodeColumn | null;
  /** Cost of reading another column for one of its rows: random for a sorted-order range, strided for a
   *  posting list (rows ascending, so reads move forward through memory). */
  readonly readCost: number;
  /** A slice of this sort field's order: its rows are tested in that order's sequence, packed attributes and
   *  other ranges (rank buckets) read sequentially. */
  readonly orderField: string | null;
}

/** A range condition other than the sort field's own: the slice [lo, hi) of its field's sorted order. */
export interface RangeCondition {
  readonly field: string;
  readonly column: NumericColumn;
  readonly order: Uint32Array;
  readonly lo: number;
  readonly hi: number;
  readonly min: number;
  readonly max: number;
}

/** What setConditions found out about a query, for the planner. */
export interface QueryConditions {
  /** The walk's slice of the sort order (the sort field's own range; the whole region without one). */
  readonly walkLo: number;
  readonly walkHi: number;
  /** The sort field's own range, when filtered: a gather must test it too (addSortRange). */
  readonly sortRange: { readonly min?: number; readonly max?: number } | null;
  readonly ranges: readonly RangeCondition[];
  readonly sources: Source[];
  /** Conditions that are not a source but have an exact count, and their combined selectivity. */
  readonly counted: number;
  readonly countedDensity: number;
  /** Selectivity of the packed conditions alone (tested before the others in a walk). */
  readonly packedDensity: number;
  /** Selectivity of the range conditions (the sort field's own once addSortRange added it). */
  rangeDensity: number;
}

/**
 * Configures `m` for the conditions of `q` on `region` and lists the candidate sources of a gather. Returns
 * null when no row can match (an empty range, an unknown code, an empty posting list).
 */
export function setConditions(
  m: RowMatcher,
  region: RegionIndex,
  dictionaries: IndexDictionaries,
  q: InfluencerQuery,
): QueryConditions | null {
  m.reset();
  const total = region.rows;
  const sortField = SORT_FIELDS[q.sortField];
  const sortColumn = q.sortField === 0 ? null : region.columns.get(sortField)!;
  const sortOrder = q.sortField === 0 ? null : region.orders.get(sortField)!;
  let walkLo = 0;
  let walkHi = total;
  const sources: Source[] = [];
  const ranges: RangeCondition[] = [];
  for (const field of FILTERED_FIELDS) {
    const r: Range | undefined = q.ranges[field as RangeField];
    if (!r || (r.min === undefined && r.max === undefined)) continue;
    if (Number.isNaN(r.min)) return null;
    const min = r.min ?? -Infinity;
    const max = r.max === undefined || Number.isNaN(r.max) ? Infinity : r.max;
    if (min > max) return null;
    const column = region.columns.get(field)!;
    const order = region.orders.get(field)!;
    const lo = min === -Infinity ? 0 : lowerBound(column, order, 0, total, min);
    const hi = max === Infinity ? total : upperBound(column, order, lo, total, max);
    if (lo >= hi) return null;
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
    sortColumn && sortOrder && (walkLo > 0 || walkHi < total) ? q.ranges[sortField as RangeField]! : null;

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
  const layout = dictionaries.attributes;
  for (const [field, wanted] of coded) {
    if (wanted === undefined) continue;
    const code = dictionaries.codes[field].get(wanted);
    if (code === undefined) return null;
    const place = layout.fields[field];
    const packedMask = place ? (((1 << place.bits) - 1) << place.shift) | 0 : 0;
    if (place) m.addPacked(packedMask, (code << place.shift) | 0);
    else {
      m.codeColumns.push(region.codes[field]);
      m.codeWanted[m.codeCount++] = code;
    }
    if (field === 'gender') {
      const n = region.genderCounts[code] ?? 0;
      if (n === 0) return null;
      counted++;
      countedDensity *= n / total;
      if (place) packedDensity *= n / total;
    } else {
      const p = region.postings[field];
      const from = p.starts[code]!;
      const to = p.starts[code + 1]!;
      if (from === to) return null;
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
    if (flagSource(group, mask) === 0) return null;
  }
  if (q.salesFlag === 4) {
    if (q.showCaseFlag !== undefined && q.showCaseFlag !== 1) return null;
    if (flagSource(FLAG_GROUP.showcase, ATTR_SHOWCASE_1) === 0) return null;
  } else if (q.showCaseFlag === 1) {
    if (flagSource(FLAG_GROUP.showcase, ATTR_SHOWCASE_1) === 0) return null;
  } else if (q.showCaseFlag === 0) {
    // No posting list for show_case_flag = 0; its count is the rest of the region (flags are 0 or 1). Its own
    // bit, or (the flag only ever 0 or 1) the show_case_flag = 1 bit clear.
    const zero = total - (flags.starts[FLAG_GROUP.showcase + 1]! - flags.starts[FLAG_GROUP.showcase]!);
    const bit = layoutFlags(layout).showCaseZero;
    if (bit !== 0) m.addPacked(bit, bit);
    else m.addPacked(ATTR_SHOWCASE_1, 0);
    counted++;
    countedDensity *= zero / total;
    packedDensity *= zero / total;
  } else if (q.showCaseFlag !== undefined) {
    // The column is loaded only when the flag has values other than 0 and 1: else no row has this one.
    const column = region.columns.get('show_case_flag');
    if (!column) return null;
    m.hasShowCase = true;
    m.showCaseWanted = q.showCaseFlag;
    m.showCaseColumn = column;
  }
  if (q.hasContactEmail !== undefined) {
    // A packed bit (format 7), counted per region when read.
    const bit = layoutFlags(layout).contactEmail;
    const n = q.hasContactEmail === 1 ? region.contactEmails : total - region.contactEmails;
    if (n === 0) return null;
    m.addPacked(bit, q.hasContactEmail === 1 ? bit : 0);
    counted++;
    countedDensity *= n / total;
    packedDensity *= n / total;
  }

  if (q.productCategoryIds && q.productCategoryIds.length > 0) {
    const words = dictionaries.productCategoryWords;
    const wanted = new Uint32Array(words);
    const p = region.postings.product_category;
    const segments: [Uint32Array, number, number][] = [];
    let count = 0;
    for (const id of q.productCategoryIds) {
      const pos = dictionaries.productCategories.get(id);
      if (pos === undefined || (wanted[pos >>> 5]! & (1 << (pos & 31))) !== 0) continue;
      wanted[pos >>> 5]! |= 1 << (pos & 31);
      const from = p.starts[pos]!;
      const to = p.starts[pos + 1]!;
      if (to > from) segments.push([p.rows, from, to]);
      count += to - from;
    }
    if (count === 0) return null;
    m.productWords = words;
    m.productMask = region.productCategoryMask;
    m.productWanted = wanted;
    let want = 0;
    let exact = 0;
    for (const id of q.productCategoryIds) {
      const pos = dictionaries.productCategories.get(id);
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

  if (q.keyword !== undefined && q.keyword.length > 0) {
    // Few matches: a sorted row list, a source like a posting list; many: a bitset the walk tests.
    const kw = m.keywordMatch;
    if (!region.keyword) throw new Error('this serving index has no keyword index: rebuild it');
    if (!kw.match(region.keyword, region.keyword.heavy, total, q.keyword)) return null;
    m.hasKeyword = true;
    if (kw.kind === KEYWORD_LIST)
      sources.push({
        count: kw.count,
        segments: [[kw.rows, 0, kw.count]],
        mayRepeat: false,
        packedMask: 0,
        implies: 'keyword',
        column: null,
        readCost: COST.strided,
        orderField: null,
      });
    else {
      counted++;
      countedDensity *= kw.estimate / total;
    }
  }

  let rangeDensity = 1;
  for (const r of ranges) rangeDensity *= (r.hi - r.lo) / total;
  return { walkLo, walkHi, sortRange, ranges, sources, counted, countedDensity, packedDensity, rangeDensity };
}

/** Adds the sort field's own range (enforced by a walk's slice) as a condition and a source, for a gather. */
export function addSortRange(
  m: RowMatcher,
  c: QueryConditions,
  region: RegionIndex,
  sortField: string,
  sortColumn: NumericColumn,
  sortOrder: Uint32Array,
): void {
  const { sortRange, walkLo, walkHi } = c;
  if (!sortRange) return;
  m.addRange(
    sortField,
    sortColumn,
    sortRange.min ?? -Infinity,
    sortRange.max === undefined || Number.isNaN(sortRange.max) ? Infinity : sortRange.max,
    sortOrder,
    walkLo,
    walkHi,
    region.rowRanks.get(sortField)!,
  );
  c.sources.push({
    count: walkHi - walkLo,
    segments: [[sortOrder, walkLo, walkHi]],
    mayRepeat: false,
    packedMask: 0,
    implies: 'range',
    column: sortColumn,
    readCost: COST.random,
    orderField: sortField,
  });
  c.rangeDensity *= (walkHi - walkLo) / region.rows;
}
