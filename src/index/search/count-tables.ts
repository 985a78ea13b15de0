// Counts from tables derived from the index (key-counts.ts) or made on first use, for countTotal (count.ts):
//  - key counts: one range and key conditions, from the counts at two bucket boundaries of the range's order
//    and its edge positions;
//  - rank pairs: two ranges alone, from the rows per pair of their rank buckets and the slices' edges;
//  - product key counts: a product union, key conditions and at most one category or language, from the rows
//    per product id set;
//  - attribute counts (large regions): one range and any packed conditions, from the rows per attribute value
//    and rank bucket and the range's edge positions; product range counts (large regions): a product union
//    and one range alone, from the rows per product id set and rank bucket and the range's edge positions.
// Each way has a cost function (null or -1 when it cannot count the query) and a count function.
import { KEYS, KEY_MASK, keyBuckets, productKeyTable, type ProductKeyCounts } from '../key-counts.ts';
import { RANK_BUCKETS, RANK_CHECK, bucketStart } from '../ranks.ts';
import type { AttributeArray } from '../attributes.ts';
import { countByRow, popcount } from './scan.ts';
import type { CountCosts } from './count.ts';
import type { RowMatcher } from './conditions.ts';
import type { RegionIndex } from './region.ts';

/** Rank pair counts kept per region at most (lazily counted: 128 KB each with 16-bit cells). */
const RANK_PAIRS_KEPT = 8;
/** Per region, per pair of range fields (`a|b`, a before b): rows per (rank bucket of a, rank bucket of b). */
const RANK_PAIRS = new WeakMap<RegionIndex, Map<string, Uint16Array | Uint32Array>>();

/** The rows of the region per pair of rank buckets of two range fields (their row-order rank bytes), counted
 *  on first use (one pass over two byte arrays); null when the region keeps RANK_PAIRS_KEPT already. */
function rankPairCounts(
  region: RegionIndex,
  key: string,
  bytesA: Uint8Array,
  bytesB: Uint8Array,
): Uint16Array | Uint32Array | null {
  let pairs = RANK_PAIRS.get(region);
  if (pairs === undefined) RANK_PAIRS.set(region, (pairs = new Map()));
  let counts = pairs.get(key);
  if (counts !== undefined) return counts;
  if (pairs.size >= RANK_PAIRS_KEPT) return null;
  // A cell holds at most a bucket of rows: 16 bits do up to 256 × 65535 rows.
  counts =
    bucketStart(1, region.rows) <= 0xffff
      ? new Uint16Array(RANK_BUCKETS * RANK_BUCKETS)
      : new Uint32Array(RANK_BUCKETS * RANK_BUCKETS);
  for (let row = 0; row < region.rows; row++) counts[(bytesA[row]! << 8) | bytesB[row]!]!++;
  pairs.set(key, counts);
  return counts;
}

/** How positions [lo, hi) of an order are counted from per-bucket counts: the buckets [from, to) whole, and
 *  up to two spans of positions (from, to, sign: -1 for a bucket's part outside the range, subtracted), the
 *  positions they read in all. */
interface BucketSplit {
  from: number;
  to: number;
  readonly spans: Float64Array;
  rows: number;
}

const newSplit = (): BucketSplit => ({ from: 0, to: 0, spans: new Float64Array(6), rows: 0 });

/** Splits positions [lo, hi) of an order cut into `buckets` buckets (bucket b starts at `start(b)`, and
 *  start(buckets) is the order's length) into whole buckets and edge spans, each edge read on its bucket's
 *  smaller side: inside the range, or the rest of the bucket subtracted from the bucket's count. */
function splitBuckets(
  lo: number,
  hi: number,
  buckets: number,
  start: (b: number) => number,
  into: BucketSplit,
): void {
  const spans = into.spans;
  spans.fill(0);
  into.rows = 0;
  into.from = into.to = 0;
  if (lo >= hi) return;
  const rows = start(buckets);
  // First bucket starting at or after lo, last boundary at or before hi.
  let f = Math.floor((lo * buckets) / rows);
  while (start(f) < lo) f++;
  while (f > 0 && start(f - 1) >= lo) f--;
  let t = Math.min(buckets, Math.floor((hi * buckets) / rows));
  while (t < buckets && start(t + 1) <= hi) t++;
  while (start(t) > hi) t--;
  if (f >= t) {
    // Within at most two buckets, none whole: the positions themselves.
    spans.set([lo, hi, 1], 0);
    into.rows = hi - lo;
    return;
  }
  const fs = start(f);
  if (lo < fs) {
    const prev = start(f - 1);
    if (lo - prev < fs - lo) {
      f--;
      spans.set([prev, lo, -1], 0);
      into.rows += lo - prev;
    } else {
      spans.set([lo, fs, 1], 0);
      into.rows += fs - lo;
    }
  }
  const ts = start(t);
  if (hi > ts) {
    const next = start(t + 1);
    if (next - hi < hi - ts) {
      t++;
      spans.set([hi, next, -1], 3);
      into.rows += next - hi;
    } else {
      spans.set([ts, hi, 1], 3);
      into.rows += hi - ts;
    }
  }
  into.from = f;
  into.to = t;
}

/** Splits [lo, hi) of an order of `rows` rows by its rank buckets. */
function splitRanks(lo: number, hi: number, rows: number, into: BucketSplit): void {
  splitBuckets(lo, hi, RANK_BUCKETS, (b) => bucketStart(b, rows), into);
}

const SPLIT_A = newSplit();
const SPLIT_B = newSplit();

/** A count by rank pairs: which of the matcher's two ranges is `a` (the field first by name), the cells of
 *  whole buckets summed, the edge positions read and the estimated cost. */
export interface RankPair {
  readonly a: number;
  readonly counts: Uint16Array | Uint32Array;
  readonly rows: number;
  readonly cost: number;
}

/**
 * Two ranges alone (commerce ranges have no rank bytes in each other's order): the rows per pair of rank
 * buckets give the rows in both slices' whole buckets; the edge positions of each slice (at most half a
 * bucket per edge: 1/512 of the region) are read in its order and tested at random. For a region of
 * key-counts.ts productKeysMinRows() rows or more, where a source's rows tested at random cost most.
 */
export function rankPair(
  region: RegionIndex,
  m: RowMatcher,
  rowCost: number,
  perRow: number,
): RankPair | null {
  if (m.rangeCount !== 2 || m.conditions !== 2 || m.filterCount !== 0) return null;
  // The regions with product key counts (productKeysMinRows() at load: 32 key buckets).
  const keys = region.keyCounts;
  if (keys === null || region.rows < 32 * keys.bucket) return null;
  const a = m.rangeFields[0]! < m.rangeFields[1]! ? 0 : 1;
  const b = 1 - a;
  splitRanks(m.rangeFrom[a]!, m.rangeTo[a]!, region.rows, SPLIT_A);
  splitRanks(m.rangeFrom[b]!, m.rangeTo[b]!, region.rows, SPLIT_B);
  const cells = (SPLIT_A.to - SPLIT_A.from) * (SPLIT_B.to - SPLIT_B.from);
  const rows = SPLIT_A.rows + SPLIT_B.rows;
  const cost = rows * perRow + cells * RANK_CELL_COST;
  if (cost > rowCost) return null;
  const key = `${m.rangeFields[a]!}|${m.rangeFields[b]!}`;
  const counts = rankPairCounts(region, key, m.rangeRowBytes[a]!, m.rangeRowBytes[b]!);
  if (counts === null) return null;
  return { a, counts, rows, cost };
}

/** Estimated cost of a cell summed (sequential 16-bit reads). */
const RANK_CELL_COST = 0.5;

/** Counts two ranges by rank pairs (rankPair; SPLIT_A and SPLIT_B hold their splits). */
export function countRankPair(m: RowMatcher, pair: RankPair): number {
  const a = pair.a;
  const b = 1 - a;
  const { counts } = pair;
  let n = 0;
  // Whole buckets of both.
  for (let x = SPLIT_A.from; x < SPLIT_A.to; x++) {
    const base = x << 8;
    for (let y = SPLIT_B.from; y < SPLIT_B.to; y++) n += counts[base + y]!;
  }
  // a's edge positions, b tested exactly (its bucket class, the value in an edge bucket).
  const orderA = m.rangeOrders[a]!;
  const bytesB = m.rangeRowBytes[b]!;
  const classesB = m.classView(b);
  const columnB = m.rangeColumns[b]!;
  const minB = m.rangeMin[b]!;
  const maxB = m.rangeMax[b]!;
  for (let s = 0; s < 6; s += 3) {
    const sign = SPLIT_A.spans[s + 2]!;
    if (sign === 0) continue;
    let c = 0;
    for (let p = SPLIT_A.spans[s]!, end = SPLIT_A.spans[s + 1]!; p < end; p++) {
      const row = orderA[p]!;
      const k = classesB[bytesB[row]!]!;
      if (k === RANK_CHECK) {
        const v = columnB[row]!;
        if (v >= minB && v <= maxB) c++;
      } else c += k;
    }
    n += sign * c;
  }
  // b's edge positions whose a bucket is one of a's whole buckets.
  const orderB = m.rangeOrders[b]!;
  const bytesA = m.rangeRowBytes[a]!;
  const fromA = SPLIT_A.from;
  const widthA = SPLIT_A.to - SPLIT_A.from;
  for (let s = 0; s < 6; s += 3) {
    const sign = SPLIT_B.spans[s + 2]!;
    if (sign === 0) continue;
    let c = 0;
    for (let p = SPLIT_B.spans[s]!, end = SPLIT_B.spans[s + 1]!; p < end; p++)
      if ((bytesA[orderB[p]!]! - fromA) >>> 0 < widthA) c++;
    n += sign * c;
  }
  return n;
}

/** Estimated cost of a product key counts' cell summed, or of a signature tested (sequential reads). */
const SIGNATURE_CELL_COST = 0.5;

/** The estimated cost of a count by product key counts (signatures tested, cells summed, leftover rows
 *  tested at random), or -1 when it cannot count: product categories, key conditions and at most one common
 *  category or language alone (productKeyTable). */
export function productKeysCost(region: RegionIndex, m: RowMatcher, ascending: number): number {
  const counts = region.productKeyCounts;
  if (counts === null || m.productWords === 0 || m.conditions !== m.packedConditions + 1) return -1;
  if (productKeyTable(counts, m.packedMask, m.packedWant) === null) return -1;
  const km = m.packedMask & KEY_MASK;
  const keys = km === 0 ? 1 : KEYS >>> popcount(km);
  // A leftover row reads its attributes and its mask, in ascending order.
  return counts.count * (1 + keys) * SIGNATURE_CELL_COST + counts.leftover.length * 2 * ascending;
}

/** Which signatures of the last count by product key counts have a wanted id (1) or not (0), reused. */
let signatureHits = new Uint8Array(0);

/** Each kept signature tested once against the wanted ids: 1 when it has one, else 0 (signatureHits). */
function signatureHitsOf(counts: ProductKeyCounts, wanted: Int32Array | Uint32Array): Uint8Array {
  const { signatures, count, words } = counts;
  if (signatureHits.length < count) signatureHits = new Uint8Array(count);
  const hits = signatureHits;
  for (let s = 0; s < count; s++) {
    let any = 0;
    for (let w = 0, base = s * words; w < words; w++) any |= signatures[base + w]! & wanted[w]!;
    hits[s] = any === 0 ? 0 : 1;
  }
  return hits;
}

/**
 * Counts a product union, key conditions and at most one code by product key counts: each signature tested
 * once against the wanted ids, the cells of the keys that pass summed for the signatures that have one, and
 * the leftover rows (signatures not kept) tested at random.
 */
export function countProductKeyed(region: RegionIndex, m: RowMatcher): number {
  const pm = m.packedMask;
  const pw = m.packedWant;
  const counts = region.productKeyCounts!;
  const table = productKeyTable(counts, pm, pw)!;
  const { count, words, leftover } = counts;
  const wanted = m.productWanted;
  const hits = signatureHitsOf(counts, wanted);
  const km = pm & KEY_MASK;
  const kw = pw & KEY_MASK;
  // Branch-free: a signature without a wanted id adds 0. Without key conditions, the signatures' totals.
  let n = 0;
  if (km === 0) for (let s = 0, base = KEYS * count; s < count; s++) n += hits[s]! * table[base + s]!;
  else
    for (let k = 0; k < KEYS; k++) {
      if ((k & km) !== kw) continue;
      for (let s = 0, base = k * count; s < count; s++) n += hits[s]! * table[base + s]!;
    }
  const attrs = region.rowAttributes;
  const mask = region.productCategoryMask;
  for (let i = 0; i < leftover.length; i++) {
    const row = leftover[i]!;
    if ((attrs[row]! & pm) !== pw) continue;
    let any = 0;
    for (let w = 0, base = row * words; w < words; w++) any |= mask[base + w]! & wanted[w]!;
    if (any !== 0) n++;
  }
  return n;
}

/** The range a count by key counts (key-counts.ts) reads, and what it costs. */
export interface KeyedRange {
  readonly counts: Uint32Array;
  readonly order: Uint32Array;
  /** The attributes in the order's sequence, when there is such a copy. */
  readonly inOrder: AttributeArray | undefined;
  /** Positions read (KEY_SPLIT), and their estimated cost. */
  readonly rows: number;
  readonly cost: number;
}

/** The range a count by key counts can count, or null: one range whose order has key counts, and packed
 *  conditions on the key bits alone. */
export function keyedRange(region: RegionIndex, m: RowMatcher, costs: CountCosts): KeyedRange | null {
  if (m.rangeCount !== 1 || m.conditions !== m.packedConditions + 1) return null;
  if ((m.packedMask & ~KEY_MASK) !== 0) return null;
  const field = m.rangeFields[0]!;
  const keys = region.keyCounts;
  const counts = keys?.fields.get(field);
  if (keys === null || counts === undefined) return null;
  const lo = m.rangeFrom[0]!;
  const hi = m.rangeTo[0]!;
  const inOrder = region.orderAttributes.get(field);
  const { bucket } = keys;
  const rows = region.rows;
  splitBuckets(lo, hi, keyBuckets(rows, bucket), (b) => Math.min(rows, b * bucket), KEY_SPLIT);
  const cost = KEY_SPLIT.rows * (inOrder !== undefined ? costs.block : costs.row);
  return { counts, order: m.rangeOrders[0]!, inOrder, rows: KEY_SPLIT.rows, cost };
}

/** The split of the last keyedRange, which countKeyed counts. */
const KEY_SPLIT = newSplit();

/** Counts a range and key conditions (keyedRange; KEY_SPLIT holds its split) by the key counts at the
 *  whole buckets' two boundaries and its edge positions. */
export function countKeyed(region: RegionIndex, m: RowMatcher, r: KeyedRange): number {
  const pm = m.packedMask;
  const pw = m.packedWant;
  const { counts } = r;
  const a = KEY_SPLIT.from * KEYS;
  const b = KEY_SPLIT.to * KEYS;
  let n = 0;
  for (let k = 0; k < KEYS; k++) if ((k & pm) === pw) n += counts[b + k]! - counts[a + k]!;
  const spans = KEY_SPLIT.spans;
  for (let s = 0; s < 6; s += 3) {
    const sign = spans[s + 2]!;
    if (sign === 0) continue;
    n += sign * countAttributes(region.rowAttributes, r.inOrder, r.order, pm, pw, spans[s]!, spans[s + 1]!);
  }
  return n;
}

/** Positions [from, to) of an order whose attributes pass the packed conditions: read in sequence when the
 *  order has a copy of them, else by row. */
function countAttributes(
  rowAttributes: AttributeArray,
  inOrder: AttributeArray | undefined,
  order: Uint32Array,
  pm: number,
  pw: number,
  from: number,
  to: number,
): number {
  if (inOrder === undefined) return countByRow(rowAttributes, order, pm, pw, from, to);
  let n = 0;
  for (let p = from; p < to; p++) {
    const x = (inOrder[p]! & pm) ^ pw;
    n += 1 ^ ((x | -x) >>> 31);
  }
  return n;
}

/** Rows of group g (an attribute value, a product id set) in a split's whole rank buckets, from cells of
 *  RANK_BUCKETS per group: those buckets' cells summed, or the group's `total` less the other buckets' when
 *  they are fewer. */
function wholeBuckets(
  cells: Uint16Array | Uint32Array,
  g: number,
  total: number,
  split: BucketSplit,
): number {
  const base = g * RANK_BUCKETS;
  const { from, to } = split;
  let c = 0;
  if (to - from <= RANK_BUCKETS - (to - from)) for (let b = base + from; b < base + to; b++) c += cells[b]!;
  else {
    c = total;
    for (let b = base; b < base + from; b++) c -= cells[b]!;
    for (let b = base + to; b < base + RANK_BUCKETS; b++) c -= cells[b]!;
  }
  return c;
}

/** Estimated cost of an attribute count's cell summed (sequential reads). */
const ATTRIBUTE_CELL_COST = 0.5;

/** The range a count by attribute counts (attribute-counts.ts) reads, and what it costs. */
export interface AttributeRange {
  readonly cells: Uint16Array | Uint32Array;
  readonly order: Uint32Array;
  /** The attributes in the order's sequence, when there is such a copy. */
  readonly inOrder: AttributeArray | undefined;
  /** Attribute values passing the packed conditions: the first `matched` of ATTRIBUTE_VALUES. */
  readonly matched: number;
  /** Edge positions read (ATTRIBUTE_SPLIT), and the estimated cost. */
  readonly rows: number;
  readonly cost: number;
}

/** The split of the last attributeRange, which countAttributeRange counts. */
const ATTRIBUTE_SPLIT = newSplit();
/** Indexes of the attribute values that passed in the last attributeRange, reused. */
let ATTRIBUTE_VALUES = new Uint32Array(0);

/** The range a count by attribute counts can count, or null: one range and packed conditions alone, in a
 *  region with attribute counts. */
export function attributeRange(region: RegionIndex, m: RowMatcher, costs: CountCosts): AttributeRange | null {
  const counts = region.attributeCounts;
  if (counts === null || m.rangeCount !== 1 || m.conditions !== m.packedConditions + 1) return null;
  const field = m.rangeFields[0]!;
  const cells = counts.fields.get(field);
  if (cells === undefined) return null;
  const { values } = counts;
  if (ATTRIBUTE_VALUES.length < values.length) ATTRIBUTE_VALUES = new Uint32Array(values.length);
  const pm = m.packedMask;
  const pw = m.packedWant;
  let matched = 0;
  for (let v = 0; v < values.length; v++) if ((values[v]! & pm) === pw) ATTRIBUTE_VALUES[matched++] = v;
  splitRanks(m.rangeFrom[0]!, m.rangeTo[0]!, region.rows, ATTRIBUTE_SPLIT);
  const whole = ATTRIBUTE_SPLIT.to - ATTRIBUTE_SPLIT.from;
  const inOrder = region.orderAttributes.get(field);
  const cost =
    values.length * ATTRIBUTE_CELL_COST +
    matched * Math.min(whole, RANK_BUCKETS - whole + 1) * ATTRIBUTE_CELL_COST +
    ATTRIBUTE_SPLIT.rows * (inOrder !== undefined ? costs.block : costs.row);
  return { cells, order: m.rangeOrders[0]!, inOrder, matched, rows: ATTRIBUTE_SPLIT.rows, cost };
}

/** Counts a range and packed conditions (attributeRange; ATTRIBUTE_SPLIT holds its split): the cells of the
 *  values that pass over the whole buckets (or their totals less the other buckets, when fewer), and the
 *  edge positions. */
export function countAttributeRange(region: RegionIndex, m: RowMatcher, r: AttributeRange): number {
  const { cells, matched } = r;
  const totals = region.attributeCounts!.totals;
  let n = 0;
  for (let i = 0; i < matched; i++) {
    const v = ATTRIBUTE_VALUES[i]!;
    n += wholeBuckets(cells, v, totals[v]!, ATTRIBUTE_SPLIT);
  }
  const spans = ATTRIBUTE_SPLIT.spans;
  for (let s = 0; s < 6; s += 3) {
    const sign = spans[s + 2]!;
    if (sign === 0) continue;
    n +=
      sign *
      countAttributes(
        region.rowAttributes,
        r.inOrder,
        r.order,
        m.packedMask,
        m.packedWant,
        spans[s]!,
        spans[s + 1]!,
      );
  }
  return n;
}

/** The split of the last productRange, which countProductRange counts. */
const PRODUCT_SPLIT = newSplit();

/** A count by product range counts: the rows it reads (leftover rows and edge positions), and its cost. */
export interface ProductRange {
  readonly rows: number;
  readonly cost: number;
}

/** A count by product range counts (signatures tested, cells summed, leftover rows tested in ascending order,
 *  the range's edge positions tested at random), or null when it cannot count: a product union and one range
 *  alone, in a region with them (key-counts.ts ProductKeyCounts.ranges). */
export function productRange(region: RegionIndex, m: RowMatcher, costs: CountCosts): ProductRange | null {
  const ranges = region.productKeyCounts?.ranges;
  if (!ranges || m.productWords === 0 || m.rangeCount !== 1 || m.conditions !== 2) return null;
  if (m.packedConditions !== 0 || m.filterCount !== 0 || m.hasKeyword) return null;
  if (!ranges.fields.has(m.rangeFields[0]!)) return null;
  const counts = region.productKeyCounts!;
  const hits = signatureHitsOf(counts, m.productWanted);
  let hit = 0;
  for (let s = 0; s < counts.count; s++) hit += hits[s]!;
  splitRanks(m.rangeFrom[0]!, m.rangeTo[0]!, region.rows, PRODUCT_SPLIT);
  const whole = PRODUCT_SPLIT.to - PRODUCT_SPLIT.from;
  const cost =
    (counts.count + hit * Math.min(whole, RANK_BUCKETS - whole + 1)) * SIGNATURE_CELL_COST +
    counts.leftover.length * 2 * costs.ascending +
    PRODUCT_SPLIT.rows * costs.row;
  return { rows: counts.leftover.length + PRODUCT_SPLIT.rows, cost };
}

/** Counts a product union and one range (productRange; PRODUCT_SPLIT and signatureHits hold its split and
 *  the signatures with a wanted id): the cells of the
 *  signatures with a wanted id over the whole buckets (or their totals less the other buckets, when fewer),
 *  the leftover rows with a wanted id in those buckets, and the edge positions with a wanted id. */
export function countProductRange(region: RegionIndex, m: RowMatcher): number {
  const counts = region.productKeyCounts!;
  const { count, words, leftover, all } = counts;
  const cells = counts.ranges!.fields.get(m.rangeFields[0]!)!;
  const wanted = m.productWanted;
  // The signatures productRange tested.
  const hits = signatureHits;
  const { from, to } = PRODUCT_SPLIT;
  let n = 0;
  for (let s = 0; s < count; s++)
    if (hits[s] !== 0) n += wholeBuckets(cells, s, all[KEYS * count + s]!, PRODUCT_SPLIT);
  const mask = region.productCategoryMask;
  const hit = (row: number) => {
    let any = 0;
    for (let w = 0, base = row * words; w < words; w++) any |= mask[base + w]! & wanted[w]!;
    return any !== 0;
  };
  // Leftover rows are in no cell: those in the whole buckets (an edge's positions count them there).
  const bytes = m.rangeRowBytes[0]!;
  for (let i = 0; i < leftover.length; i++) {
    const row = leftover[i]!;
    if ((bytes[row]! - from) >>> 0 < to - from && hit(row)) n++;
  }
  const order = m.rangeOrders[0]!;
  const spans = PRODUCT_SPLIT.spans;
  for (let s = 0; s < 6; s += 3) {
    const sign = spans[s + 2]!;
    if (sign === 0) continue;
    let c = 0;
    for (let p = spans[s]!, end = spans[s + 1]!; p < end; p++) if (hit(order[p]!)) c++;
    n += sign * c;
  }
  return n;
}
