// Counting the matches of a query whose page a walk found (X-Total-Count), exactly, by the cheapest of:
//  - a slice of a sort order with an attribute copy: packed attributes, up to two other ranges' rank buckets and
//    product bytes read in that order's sequence. With packed conditions alone besides the slice's range they
//    are counted two rows per word (scan.ts countBlock, about a nanosecond a row), and when the slice is the
//    larger side the count is the region's (attribute histogram) minus the matches outside it;
//  - the rows of the cheapest source (a posting list, a range's slice, a keyword's list, a product union),
//    each tested at random: packed attributes, other ranges by their rank buckets in row order (the value read
//    only in an edge bucket), the rest by the matcher; a product union counts each row once through a
//    cache-resident bitset;
//  - the bits of a keyword's bitset (a population count when the keyword is the only condition), or a range's
//    rows tested on that bitset alone;
//  - tables (count-tables.ts): key counts for one range and key conditions, attribute counts for one range and
//    any packed conditions in a large region, rank pairs for two ranges alone, product key counts for a
//    product union with key conditions and at most one category or language, product range counts for a
//    product union and one range alone in a large region.
// Estimates in countCosts (nanoseconds per row read, measured at 1M and 10M, 2026-11-30).
import { KEYWORD_BITS } from '../keyword/index.ts';
import { RANK_CHECK, RANK_FAIL } from '../ranks.ts';
import type { AttributeArray } from '../attributes.ts';
import { attributeValueCounts } from '../attribute-counts.ts';
import { ALL_PASS, countBlock, pairWords, popcount } from './scan.ts';
import {
  attributeRange,
  countAttributeRange,
  countKeyed,
  countProductKeyed,
  countProductRange,
  countRankPair,
  keyedRange,
  productKeysCost,
  productRange,
  rankPair,
} from './count-tables.ts';
import type { QueryConditions, RowMatcher, Source } from './conditions.ts';
import type { NumericColumn, RegionIndex } from './region.ts';
import type { SearchScratch } from './scratch.ts';

/** Rough cost per row counted, in nanoseconds: a sequential block count of packed attributes alone, one with
 *  rank or product bytes too, a row tested at random, one of rows tested in ascending order, a bitset word, a
 *  row of a sorted order tested on a keyword's bitset alone (the bitset, rows / 8 bytes, stays in cache). In
 *  a region of up to LARGE_REGION rows (measured: 400k rows at 1M) the arrays a row test reads stay in the
 *  32 MB L3 cache. */
export const COUNT_COST = { block: 1, bytes: 5, row: 8, ascending: 4, word: 1, bit: 2 } as const;
/** The same in a larger region (measured: 4M rows at 10M), where a row tested at random misses the cache in
 *  each array it reads (70 ns for a range's rows with a product union, against 7–10 ns for the union's rows
 *  in ascending order with the range's rank bytes). */
export const COUNT_COST_LARGE = { block: 1, bytes: 5, row: 60, ascending: 10, word: 1, bit: 2 } as const;
export const LARGE_REGION = 1 << 20;

export type CountCosts = typeof COUNT_COST | typeof COUNT_COST_LARGE;

/** The count costs of a region of `rows` rows. */
export function countCosts(rows: number): CountCosts {
  return rows > LARGE_REGION ? COUNT_COST_LARGE : COUNT_COST;
}

/** The ways countTotal counts. */
export type CountMethod =
  | 'none'
  | 'source-size'
  | 'keys'
  | 'attribute-counts'
  | 'product-keys'
  | 'product-ranges'
  | 'rank-pairs'
  | 'slice'
  | 'complement'
  | 'source'
  | 'range-bits'
  | 'union'
  | 'keyword-bits'
  | 'rows';

/** How the last countTotal counted, for benchmarks. */
export let lastCountMethod: CountMethod = 'none';

/** Rows (or positions) the last countTotal's way reads (estimated for a union and keyword bits), for
 *  benchmarks. */
export let lastCountRows = 0;

/** Forgets lastCountMethod (tests: which way the next count takes). */
export function resetCountMethod(): void {
  lastCountMethod = 'none';
  lastCountRows = 0;
}

/** Distinct packed attribute values of a region and their counts: the total of packed conditions alone. */
interface AttributeHistogram {
  readonly values: Uint32Array;
  readonly totals: Uint32Array;
}
const HISTOGRAMS = new WeakMap<RegionIndex, AttributeHistogram>();

/** The region's attribute histogram: its attribute counts' when it has them (a large region), else counted on
 *  first use (one pass over the packed attributes). */
function attributeHistogram(region: RegionIndex): AttributeHistogram {
  if (region.attributeCounts !== null) return region.attributeCounts;
  let h = HISTOGRAMS.get(region);
  if (h === undefined) HISTOGRAMS.set(region, (h = attributeValueCounts(region.rowAttributes)));
  return h;
}

/** Rows of the region whose packed attributes pass (attribute & mask) === want: a sum over the histogram. */
export function countPacked(region: RegionIndex, mask: number, want: number): number {
  if (mask === 0) return region.rows;
  const { values, totals } = attributeHistogram(region);
  let n = 0;
  for (let i = 0; i < values.length; i++) if ((values[i]! & mask) === want) n += totals[i]!;
  return n;
}

/** A slice of a sort order to count over: positions [lo, hi) of the order of `field`, and the source (a range
 *  condition) it implies. */
interface Slice {
  readonly field: string;
  readonly order: Uint32Array;
  readonly lo: number;
  readonly hi: number;
  readonly source: Source;
  /** Only packed conditions are left besides the slice's range: the smaller side of the slice is read. */
  readonly packedRest: boolean;
  readonly cost: number;
}

/** The field of a range source (its sort order's), or null. */
function rangeField(m: RowMatcher, source: Source): string | null {
  if (source.implies !== 'range') return null;
  if (source.orderField !== null) return source.orderField;
  for (let k = 0; k < m.rangeCount; k++) if (m.rangeColumns[k] === source.column) return m.rangeFields[k]!;
  return null;
}

/** Whether, with `except` dropped, every remaining condition can be read in the sequence of `field`'s order:
 *  its rank bytes for up to two ranges, its product bytes. */
function readableIn(
  region: RegionIndex,
  m: RowMatcher,
  field: string,
  except: NumericColumn | null,
): boolean {
  const ranks = region.ranks.get(field);
  if (ranks === undefined || m.restRandom) return false;
  let ranges = 0;
  for (let k = 0; k < m.rangeCount; k++) {
    if (m.rangeColumns[k] === except) continue;
    if (!ranks.has(m.rangeFields[k]!)) return false;
    ranges++;
  }
  return ranges <= 2 && (m.productWords === 0 || region.productBytes.has(field));
}

/** The cheapest slice of a sort order to count over, or null: a range source whose order carries the packed
 *  attributes in sequence (and the other conditions' bytes). A whole order read for its product bytes cost
 *  about 6 ns a row (1M, 2026-11-30): more than a product union's rows. */
function bestSlice(region: RegionIndex, m: RowMatcher, c: QueryConditions, costs: CountCosts): Slice | null {
  let best: Slice | null = null;
  const packedRest = m.conditions === m.packedConditions + 1;
  for (const source of c.sources) {
    const field = rangeField(m, source);
    if (field === null || !region.orderAttributes.has(field)) continue;
    if (!packedRest && !readableIn(region, m, field, source.column as NumericColumn)) continue;
    const cost = packedRest
      ? Math.min(source.count, region.rows - source.count) * costs.block
      : source.count * costs.bytes;
    if (best === null || cost < best.cost) {
      const [order, lo, hi] = source.segments[0]!;
      best = { field, order, lo, hi, source, packedRest, cost };
    }
  }
  return best;
}

/**
 * The number of rows matching every condition of the matcher (the sort field's own range included, see
 * addSortRange), by the cheapest way to count them. Leaves the matcher with conditions dropped.
 */
export function countTotal(s: SearchScratch, region: RegionIndex, c: QueryConditions): number {
  const m = s.matcher;
  // A source without repeats whose condition is the only one: its size.
  if (m.conditions === 1 && c.sources.length === 1 && !c.sources[0]!.mayRepeat) {
    lastCountMethod = 'source-size';
    return c.sources[0]!.count;
  }
  // One range and equality conditions on the attributes' low keys (gender, flags) alone: the key counts of the
  // range's order at the boundaries of its buckets, and its two edge buckets read.
  const costs = countCosts(region.rows);
  const keyed = keyedRange(region, m, costs);
  // The source whose rows cost least to test: a range's rows come from its sorted order (random reads), a
  // posting list's or a keyword list's are ascending (reads move forwards).
  let smallest: Source | null = null;
  let rowCost = Infinity;
  // A range and a keyword alone: the range's rows, read from its order in sequence, each tested on the
  // keyword's bitset (made first for a keyword list, unless a walk made it). At 10M, `be` with 5 % of US by
  // followers: 200k positions instead of the keyword's 408k rows, each of those reading the range's rank byte.
  const kw = m.keywordMatch;
  const bitsOnly = m.hasKeyword && m.conditions === 2 && m.packedConditions === 0;
  const bitsMade = kw.hasBits ? 0 : kw.count * costs.word;
  for (const source of c.sources) {
    const perRow = source.implies !== 'range' ? costs.ascending : bitsOnly ? costs.bit : costs.row;
    const cost = source.count * perRow + (bitsOnly && source.implies === 'range' ? bitsMade : 0);
    if (cost < rowCost) {
      smallest = source;
      rowCost = cost;
    }
  }
  if (keyed !== null && keyed.cost <= rowCost) {
    lastCountMethod = 'keys';
    lastCountRows = keyed.rows;
    return countKeyed(region, m, keyed);
  }
  const productCost = productKeysCost(region, m, costs.ascending);
  if (productCost >= 0 && productCost <= rowCost) {
    lastCountMethod = 'product-keys';
    lastCountRows = region.productKeyCounts!.leftover.length;
    return countProductKeyed(region, m);
  }
  // A product union and one range alone, in a large region: the product range counts' cells of the id sets
  // with a wanted id, and the range's edge positions.
  const products = productRange(region, m, costs);
  if (products !== null && products.cost <= rowCost) {
    lastCountMethod = 'product-ranges';
    lastCountRows = products.rows;
    return countProductRange(region, m);
  }
  const slice = bestSlice(region, m, c, costs);
  const sliceCost = slice === null ? Infinity : slice.cost;
  // One range and packed conditions on more than the key bits (a category, a language) in a large region:
  // the attribute counts' cells of the values that pass, and the range's edge positions.
  const attributes = keyed === null ? attributeRange(region, m, costs) : null;
  if (attributes !== null && attributes.cost <= rowCost && attributes.cost <= sliceCost) {
    lastCountMethod = 'attribute-counts';
    lastCountRows = attributes.rows;
    return countAttributeRange(region, m, attributes);
  }
  const bitsCost =
    m.hasKeyword && kw.kind === KEYWORD_BITS
      ? (region.rows / 32) * costs.word + (m.conditions > 1 ? kw.estimate * costs.ascending : 0)
      : Infinity;
  // Rank pairs, when cheaper than the others (their counts made only then).
  const pair = rankPair(region, m, Math.min(rowCost, sliceCost, bitsCost), costs.row);
  if (pair !== null) {
    lastCountMethod = 'rank-pairs';
    lastCountRows = pair.rows;
    return countRankPair(m, pair);
  }
  if (slice !== null && sliceCost <= rowCost && sliceCost <= bitsCost) return countSlice(s, region, slice);
  if (bitsCost <= rowCost) {
    lastCountMethod = 'keyword-bits';
    return countKeywordBits(m, region);
  }
  if (smallest !== null) {
    lastCountMethod = smallest.mayRepeat
      ? 'union'
      : bitsOnly && smallest.implies === 'range'
        ? 'range-bits'
        : 'source';
    lastCountRows = smallest.count;
    return countSource(s, region, smallest);
  }
  lastCountMethod = 'rows';
  // No condition yields candidate rows nor a bitset: every row is tested.
  let n = 0;
  const attrs = region.rowAttributes;
  for (let row = 0; row < region.rows; row++) if (m.passesRow(attrs, row)) n++;
  return n;
}

/** Counts over a slice of a sort order in its sequence; with packed conditions alone besides the slice's
 *  range, over the smaller of the slice and the rest of the order. */
function countSlice(s: SearchScratch, region: RegionIndex, slice: Slice): number {
  const m = s.matcher;
  const { field, order, lo, hi } = slice;
  m.drop(slice.source);
  m.bindOrder(region.ranks.get(field), region.productBytes.get(field));
  const attrs = region.orderAttributes.get(field)!;
  const pm = m.packedMask;
  const pw = m.packedWant;
  lastCountMethod = 'slice';
  lastCountRows = hi - lo;
  if (m.rangeCount === 0 && m.productBytes === null) {
    // Packed conditions alone: countBlock's two rows per word.
    const count = (from: number, to: number) =>
      countBlock(
        m,
        order,
        attrs,
        null,
        pairWords(attrs),
        pm,
        pw,
        attrs8(attrs),
        ALL_PASS,
        attrs8(attrs),
        ALL_PASS,
        from,
        to,
      );
    if (slice.packedRest && hi - lo > order.length - (hi - lo)) {
      lastCountMethod = 'complement';
      lastCountRows = order.length - (hi - lo);
      return countPacked(region, pm, pw) - count(0, lo) - count(hi, order.length);
    }
    return count(lo, hi);
  }
  s.ensureGather();
  return countPositions(m, order, attrs, s.candidates, lo, hi);
}

/** The bytes of an attribute array (any byte array for a range's absent bucket, with an all-pass class). */
function attrs8(attrs: AttributeArray): Uint8Array {
  return new Uint8Array(attrs.buffer, attrs.byteOffset, attrs.byteLength);
}

/**
 * Matches among positions [from, to) of the bound order (bindOrder): packed attributes, up to two ranges'
 * bucket classes and product bytes read in sequence, without a call in the loop (measured: 3.5 ns a row
 * without, 6 with a call for edge rows): a row in a range's edge bucket, or matching only on the product
 * byte's "other" bit, is queued in `pending` and tested exactly after the loop.
 */
function countPositions(
  m: RowMatcher,
  order: Uint32Array,
  attrs: AttributeArray,
  pending: Uint32Array,
  from: number,
  to: number,
): number {
  const pm = m.packedMask;
  const pw = m.packedWant;
  const any = attrs8(attrs);
  const b0 = m.rangeCount > 0 ? m.rangeBytes[0]! : any;
  const c0 = m.rangeCount > 0 ? m.classView(0) : ALL_PASS;
  const b1 = m.rangeCount > 1 ? m.rangeBytes[1]! : any;
  const c1 = m.rangeCount > 1 ? m.classView(1) : ALL_PASS;
  const prod = m.productBytes;
  let n = 0;
  let k = 0;
  if (prod === null) {
    for (let p = from; p < to; p++) {
      const x = (attrs[p]! & pm) ^ pw;
      const a = c0[b0[p]!]!;
      const b = c1[b1[p]!]!;
      if (((a | b) & RANK_CHECK) !== 0) {
        if (x === 0) pending[k++] = p;
        continue;
      }
      // 1 when x is 0 (the packed conditions hold), for any 32-bit x.
      n += (1 ^ ((x | -x) >>> 31)) & a & b;
    }
  } else {
    const want = m.productWantByte;
    const exact = m.productExactByte;
    for (let p = from; p < to; p++) {
      const pb = prod[p]!;
      // Most influencers have no product: one well-predicted branch.
      if ((pb & want) === 0) continue;
      const x = (attrs[p]! & pm) ^ pw;
      const a = c0[b0[p]!]!;
      const b = c1[b1[p]!]!;
      if (((a | b) & RANK_CHECK) !== 0 || (pb & exact) === 0) {
        if (x === 0) pending[k++] = p;
        continue;
      }
      n += (1 ^ ((x | -x) >>> 31)) & a & b;
    }
  }
  for (let i = 0; i < k; i++) {
    const p = pending[i]!;
    if (m.passesAt(attrs[p]!, p, order[p]!)) n++;
  }
  return n;
}

/** Share of rows passing the packed conditions above which they are tested without a branch. */
const DENSE_PACKED = 0.3;

/** Counts the rows of `source` passing every other condition, each row tested at random. */
function countSource(s: SearchScratch, region: RegionIndex, source: Source): number {
  const m = s.matcher;
  m.drop(source);
  const attrs = region.rowAttributes;
  const pm = m.packedMask;
  const pw = m.packedWant;
  const simple = m.conditions === m.packedConditions + m.rangeCount && m.filterCount === 0;
  let n = 0;
  if (source.mayRepeat) {
    // A product union: each row counted once, its first time marked in a bitset (cache-resident, cleared
    // after); posting lists are ascending, so their rows' attributes are read forwards.
    s.ensureGather();
    const bits = s.bits;
    const rest = m.conditions !== m.packedConditions;
    if (simple && m.rangeCount <= 2) n = countUnionRanged(m, attrs, bits, source);
    else
      for (const [rows, from, to] of source.segments)
        for (let i = from; i < to; i++) {
          const row = rows[i]!;
          const bit = 1 << (row & 31);
          const w = bits[row >>> 5]!;
          if ((w & bit) !== 0) continue;
          bits[row >>> 5] = w | bit;
          if ((pm === 0 || (attrs[row]! & pm) === pw) && (!rest || m.test(row))) n++;
        }
    if (source.count > bits.length >>> 2) bits.fill(0);
    else
      for (const [rows, from, to] of source.segments)
        for (let i = from; i < to; i++) bits[rows[i]! >>> 5] = 0;
    return n;
  }
  // A keyword that is not the source: tested by its bitset in the loop (made on first use, as by the matcher).
  const keyword =
    m.hasKeyword && m.conditions === m.packedConditions + m.rangeCount + 1 && m.filterCount === 0;
  const kw = keyword ? m.keywordMatch.ensureBits() : null;
  // Packed conditions most rows pass (a gender) are tested without a branch; selective ones (a sales flag, a
  // language) skip the row's other reads when they fail (1M: 0.030 ms against 0.045 without the branch).
  const dense = pm !== 0 && countPacked(region, pm, pw) > DENSE_PACKED * region.rows;
  for (const [rows, from, to] of source.segments)
    if ((simple || keyword) && m.rangeCount <= 1) n += countRanged(m, attrs, kw, dense, rows, from, to);
    else if ((simple || keyword) && m.rangeCount === 2)
      n += countRanged2(m, attrs, kw, dense, rows, from, to);
    else
      for (let i = from; i < to; i++) {
        const row = rows[i]!;
        if ((pm === 0 || (attrs[row]! & pm) === pw) && m.test(row)) n++;
      }
  return n;
}

/** Rows of rows[from..to) passing the packed conditions (`dense`: most rows do, tested without a branch), at
 *  most one range (its rank buckets in row order, the value read in an edge bucket) and the keyword's bitset
 *  when given. */
function countRanged(
  m: RowMatcher,
  attrs: RegionIndex['rowAttributes'],
  kw: Int32Array | null,
  dense: boolean,
  rows: Uint32Array,
  from: number,
  to: number,
): number {
  const pm = m.packedMask;
  const pw = m.packedWant;
  let n = 0;
  if (m.rangeCount === 0 && kw === null) {
    for (let i = from; i < to; i++) {
      const x = (attrs[rows[i]!]! & pm) ^ pw;
      n += 1 ^ ((x | -x) >>> 31);
    }
    return n;
  }
  if (m.rangeCount === 0 && pm === 0) {
    // The bitset alone, without a branch: the reads of successive rows overlap (10M, a range's 212k rows:
    // 0.5 ms, against 1.0 with a branch on the bit).
    for (let i = from; i < to; i++) {
      const row = rows[i]!;
      n += (kw![row >>> 5]! >>> (row & 31)) & 1;
    }
    return n;
  }
  if (m.rangeCount === 0) {
    for (let i = from; i < to; i++) {
      const row = rows[i]!;
      if ((kw![row >>> 5]! & (1 << (row & 31))) === 0) continue;
      if ((attrs[row]! & pm) === pw) n++;
    }
    return n;
  }
  const bytes = m.rangeRowBytes[0]!;
  const classes = m.classView(0);
  const column = m.rangeColumns[0]!;
  const min = m.rangeMin[0]!;
  const max = m.rangeMax[0]!;
  if (kw === null && pm === 0) return countOneRange(bytes, classes, column, min, max, rows, from, to);
  for (let i = from; i < to; i++) {
    const row = rows[i]!;
    if (kw !== null && (kw[row >>> 5]! & (1 << (row & 31))) === 0) continue;
    // Without packed conditions their attributes are not read (a random read saved); with them, 1 when they
    // hold, without a branch (a gender passes about every other row: unpredictable).
    let ok = 1;
    if (pm !== 0) {
      const x = (attrs[row]! & pm) ^ pw;
      ok = 1 ^ ((x | -x) >>> 31);
      if (!dense && ok === 0) continue;
    }
    const k = classes[bytes[row]!]!;
    if (k === RANK_CHECK) {
      const v = column[row]!;
      if (ok === 1 && v >= min && v <= max) n++;
      continue;
    }
    // RANK_PASS is 1, RANK_FAIL 0: no branch on whether the row passes (unpredictable for a middling range).
    n += ok & k;
  }
  return n;
}

/** Rows of rows[from..to) in one range (its rank buckets in row order, the value read in an edge bucket):
 *  countRanged without packed conditions or a keyword, in a loop of its own (1M, a keyword's 40.8k rows:
 *  3.4 ns a row against 4.0 in countRanged's). */
function countOneRange(
  bytes: Uint8Array,
  classes: Uint8Array,
  column: NumericColumn,
  min: number,
  max: number,
  rows: Uint32Array,
  from: number,
  to: number,
): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const row = rows[i]!;
    const k = classes[bytes[row]!]!;
    if (k === RANK_CHECK) {
      const v = column[row]!;
      if (v >= min && v <= max) n++;
      continue;
    }
    n += k;
  }
  return n;
}

/** Distinct rows of a product union passing the packed conditions and up to two ranges (rank buckets in row
 *  order), each marked in `bits` on its first time (left marked: the caller clears them), without a call in
 *  the loop (through the matcher: about 11 ns a row at 1M). */
function countUnionRanged(
  m: RowMatcher,
  attrs: RegionIndex['rowAttributes'],
  bits: Int32Array,
  source: Source,
): number {
  const pm = m.packedMask;
  const pw = m.packedWant;
  const one = m.rangeCount > 0;
  const two = m.rangeCount > 1;
  const bytes0 = one ? m.rangeRowBytes[0]! : null;
  const classes0 = one ? m.classView(0) : ALL_PASS;
  const column0 = one ? m.rangeColumns[0]! : null;
  const min0 = one ? m.rangeMin[0]! : -Infinity;
  const max0 = one ? m.rangeMax[0]! : Infinity;
  const bytes1 = two ? m.rangeRowBytes[1]! : null;
  const classes1 = two ? m.classView(1) : ALL_PASS;
  const column1 = two ? m.rangeColumns[1]! : null;
  const min1 = two ? m.rangeMin[1]! : -Infinity;
  const max1 = two ? m.rangeMax[1]! : Infinity;
  let n = 0;
  for (const [rows, from, to] of source.segments)
    for (let i = from; i < to; i++) {
      const row = rows[i]!;
      const bit = 1 << (row & 31);
      const w = bits[row >>> 5]!;
      if ((w & bit) !== 0) continue;
      bits[row >>> 5] = w | bit;
      if (pm !== 0 && (attrs[row]! & pm) !== pw) continue;
      if (bytes0 !== null) {
        const k0 = classes0[bytes0[row]!]!;
        if (k0 === RANK_FAIL) continue;
        if (k0 === RANK_CHECK) {
          const v = column0![row]!;
          if (v < min0 || v > max0) continue;
        }
      }
      if (bytes1 !== null) {
        const k1 = classes1[bytes1[row]!]!;
        if (k1 === RANK_FAIL) continue;
        if (k1 === RANK_CHECK) {
          const v = column1![row]!;
          if (v < min1 || v > max1) continue;
        }
      }
      n++;
    }
  return n;
}

/** Rows of rows[from..to) passing the packed conditions, two ranges (rank buckets in row order, the value
 *  read in an edge bucket) and the keyword's bitset when given, without a call in the loop (with m.test per
 *  row: about 9 ns a row at 1M). */
function countRanged2(
  m: RowMatcher,
  attrs: RegionIndex['rowAttributes'],
  kw: Int32Array | null,
  dense: boolean,
  rows: Uint32Array,
  from: number,
  to: number,
): number {
  const pm = m.packedMask;
  const pw = m.packedWant;
  const bytes0 = m.rangeRowBytes[0]!;
  const classes0 = m.classView(0);
  const column0 = m.rangeColumns[0]!;
  const min0 = m.rangeMin[0]!;
  const max0 = m.rangeMax[0]!;
  const bytes1 = m.rangeRowBytes[1]!;
  const classes1 = m.classView(1);
  const column1 = m.rangeColumns[1]!;
  const min1 = m.rangeMin[1]!;
  const max1 = m.rangeMax[1]!;
  let n = 0;
  for (let i = from; i < to; i++) {
    const row = rows[i]!;
    if (kw !== null && (kw[row >>> 5]! & (1 << (row & 31))) === 0) continue;
    let ok = 1;
    if (pm !== 0) {
      const x = (attrs[row]! & pm) ^ pw;
      ok = 1 ^ ((x | -x) >>> 31);
      if (!dense && ok === 0) continue;
    }
    const k0 = classes0[bytes0[row]!]!;
    const k1 = classes1[bytes1[row]!]!;
    // RANK_PASS is 1, RANK_FAIL 0: no branch on whether the row passes but for an edge bucket (rare).
    if (((k0 | k1) & RANK_CHECK) === 0) {
      n += ok & k0 & k1;
      continue;
    }
    if (ok === 0 || k0 === RANK_FAIL || k1 === RANK_FAIL) continue;
    if (k0 === RANK_CHECK) {
      const v = column0[row]!;
      if (v < min0 || v > max0) continue;
    }
    if (k1 === RANK_CHECK) {
      const v = column1[row]!;
      if (v < min1 || v > max1) continue;
    }
    n++;
  }
  return n;
}

/** Counts the set bits of the keyword's bitset whose rows pass every other condition. */
function countKeywordBits(m: RowMatcher, region: RegionIndex): number {
  const bits = m.keywordMatch.ensureBits();
  m.hasKeyword = false;
  const words = (region.rows >>> 5) + 1;
  let n = 0;
  if (m.conditions === 0) {
    for (let w = 0; w < words; w++) n += popcount(bits[w]!);
    return n;
  }
  const attrs = region.rowAttributes;
  const pm = m.packedMask;
  const pw = m.packedWant;
  const packedOnly = m.conditions === m.packedConditions;
  for (let w = 0; w < words; w++) {
    let x = bits[w]!;
    while (x !== 0) {
      const row = (w << 5) | (31 - Math.clz32(x & -x));
      x &= x - 1;
      if ((pm === 0 || (attrs[row]! & pm) === pw) && (packedOnly || m.test(row))) n++;
    }
  }
  return n;
}
