// Counting the matches of a query whose page a walk found (X-Total-Count), exactly, by the cheapest of:
//  - a slice of a ranked sort order, its packed attributes, up to two other ranges' rank buckets and product
//    bytes read in that order's sequence and counted without branches (scan.ts countBlock). With packed
//    conditions alone besides the slice's range, the count is the region's (attribute histogram) minus the
//    matches outside the slice, so only the smaller side is read (about a nanosecond a row);
//  - the rows of the smallest source (a posting list, a range's slice, a keyword's list, a product union),
//    each tested at random: packed attributes, other ranges by their rank buckets in row order (the value read
//    only in an edge bucket), the rest by the matcher; a product union counts a row only in the posting list
//    of the first of its wanted ids, so no bitset is needed to drop repeats;
//  - the bits of a keyword's bitset (a population count when the keyword is the only condition).
// Estimates in COUNT_COST (nanoseconds per row read, measured at 1M, 2026-11-30).
import { KEYWORD_BITS } from '../keyword/index.ts';
import { RANK_CHECK, RANK_FAIL } from '../ranks.ts';
import { ALL_PASS, countBlock, pairWords, quadWords } from './scan.ts';
import type { QueryConditions, RowMatcher, Source } from './conditions.ts';
import type { RegionIndex } from './region.ts';
import type { SearchScratch } from './scratch.ts';

/** Rough cost per row counted, in nanoseconds: a sequential block count of packed attributes alone, one with
 *  rank or product bytes too, a row tested at random, a bitset word. */
export const COUNT_COST = { block: 1, bytes: 6, row: 6, word: 1 } as const;

/** How the last countTotal counted, for benchmarks. */
export let lastCountMethod: 'slice' | 'complement' | 'source' | 'union' | 'keyword-bits' | 'rows' = 'rows';

/** Distinct packed attribute values of a region and their counts: the total of packed conditions alone. */
interface AttributeHistogram {
  readonly values: Uint32Array;
  readonly counts: Float64Array;
}
const HISTOGRAMS = new WeakMap<RegionIndex, AttributeHistogram>();

/** The region's attribute histogram, counted on first use (one pass over the packed attributes). */
function attributeHistogram(region: RegionIndex): AttributeHistogram {
  let h = HISTOGRAMS.get(region);
  if (h) return h;
  const tally = new Map<number, number>();
  const attrs = region.rowAttributes;
  for (let i = 0; i < attrs.length; i++) {
    const v = attrs[i]!;
    tally.set(v, (tally.get(v) ?? 0) + 1);
  }
  h = { values: Uint32Array.from(tally.keys()), counts: Float64Array.from(tally.values()) };
  HISTOGRAMS.set(region, h);
  return h;
}

/** Rows of the region whose packed attributes pass (attribute & mask) === want: a sum over the histogram. */
export function countPacked(region: RegionIndex, mask: number, want: number): number {
  if (mask === 0) return region.rows;
  const { values, counts } = attributeHistogram(region);
  let n = 0;
  for (let i = 0; i < values.length; i++) if ((values[i]! & mask) === want) n += counts[i]!;
  return n;
}

/** A ranked slice whose other conditions can all be read in its order's sequence, or null. */
function rankedSlice(region: RegionIndex, m: RowMatcher, c: QueryConditions): Source | null {
  if (m.restRandom || m.rangeCount > 3) return null;
  let best: Source | null = null;
  for (const source of c.sources)
    if (
      source.implies === 'range' &&
      source.orderField !== null &&
      region.ranks.has(source.orderField) &&
      (best === null || source.count < best.count)
    )
      best = source;
  if (best === null) return null;
  const field = best.orderField!;
  const ranks = region.ranks.get(field)!;
  for (let k = 0; k < m.rangeCount; k++)
    if (m.rangeColumns[k] !== best.column && !ranks.has(m.rangeFields[k]!)) return null;
  if (m.productWords !== 0 && !region.productBytes.has(field)) return null;
  return best;
}

/**
 * The number of rows matching every condition of the matcher (the sort field's own range included, see
 * addSortRange), by the cheapest way to count them. Leaves the matcher with conditions dropped.
 */
export function countTotal(s: SearchScratch, region: RegionIndex, c: QueryConditions): number {
  const m = s.matcher;
  const slice = rankedSlice(region, m, c);
  let sliceCost = Infinity;
  // Packed conditions alone besides the slice's range: only the smaller side of the slice is read.
  const packedRest = slice !== null && m.conditions === m.packedConditions + 1;
  if (slice !== null)
    sliceCost = packedRest
      ? Math.min(slice.count, region.rows - slice.count) * COUNT_COST.block
      : slice.count * COUNT_COST.bytes;
  let smallest: Source | null = null;
  for (const source of c.sources) if (smallest === null || source.count < smallest.count) smallest = source;
  const rowCost = smallest === null ? Infinity : smallest.count * COUNT_COST.row;
  const kw = m.keywordMatch;
  const bitsCost =
    m.hasKeyword && kw.kind === KEYWORD_BITS
      ? (region.rows / 32) * COUNT_COST.word + (m.conditions > 1 ? kw.estimate * COUNT_COST.row : 0)
      : Infinity;
  if (slice !== null && sliceCost <= rowCost && sliceCost <= bitsCost)
    return countSlice(s, region, slice, packedRest);
  if (bitsCost <= rowCost) {
    lastCountMethod = 'keyword-bits';
    return countKeywordBits(m, region);
  }
  if (smallest !== null) {
    lastCountMethod = smallest.mayRepeat ? 'union' : 'source';
    return countSource(m, region, smallest);
  }
  lastCountMethod = 'rows';
  // No condition yields candidate rows nor a bitset: every row is tested.
  let n = 0;
  const attrs = region.rowAttributes;
  for (let row = 0; row < region.rows; row++) if (m.passesRow(attrs, row)) n++;
  return n;
}

/** Counts over a ranked slice in its order's sequence; with packed conditions alone besides the slice's
 *  range, over the smaller of the slice and the rest of the order. */
function countSlice(s: SearchScratch, region: RegionIndex, slice: Source, packedRest: boolean): number {
  const m = s.matcher;
  const field = slice.orderField!;
  m.drop(slice);
  m.bindOrder(region.ranks.get(field)!, region.productBytes.get(field));
  const attrs = region.orderAttributes.get(field)!;
  const [order, lo, hi] = slice.segments[0]!;
  const anyBytes = new Uint8Array(attrs.buffer, attrs.byteOffset, attrs.byteLength);
  const b0 = m.rangeCount > 0 ? m.rangeBytes[0]! : anyBytes;
  const c0 = m.rangeCount > 0 ? m.classView(0) : ALL_PASS;
  const b1 = m.rangeCount > 1 ? m.rangeBytes[1]! : anyBytes;
  const c1 = m.rangeCount > 1 ? m.classView(1) : ALL_PASS;
  const quads = m.productBytes ? quadWords(m.productBytes) : null;
  const pairs = pairWords(attrs);
  const pm = m.packedMask;
  const pw = m.packedWant;
  const count = (from: number, to: number) =>
    countBlock(m, order, attrs, quads, pairs, pm, pw, b0, c0, b1, c1, from, to);
  lastCountMethod = 'slice';
  if (packedRest && hi - lo > order.length - (hi - lo)) {
    lastCountMethod = 'complement';
    return countPacked(region, pm, pw) - count(0, lo) - count(hi, order.length);
  }
  return count(lo, hi);
}

/** Counts the rows of `source` passing every other condition, each row tested at random. */
function countSource(m: RowMatcher, region: RegionIndex, source: Source): number {
  const words = m.productWords;
  m.drop(source);
  const attrs = region.rowAttributes;
  const pm = m.packedMask;
  const pw = m.packedWant;
  const simple = m.conditions === m.packedConditions + m.rangeCount && m.filterCount === 0;
  // A product union: a row counts only in the list of the first wanted id it has (the lists are per id, in
  // the order of the query's ids, each id once).
  const earlier = source.mayRepeat ? new Uint32Array(words) : null;
  const postings = region.postings.product_category;
  let n = 0;
  for (const [rows, from, to] of source.segments) {
    if (earlier !== null) n += countUnionPart(m, attrs, rows, from, to, earlier, words);
    else if (simple && m.rangeCount <= 1) n += countRanged(m, attrs, rows, from, to);
    else
      for (let i = from; i < to; i++) {
        const row = rows[i]!;
        if ((attrs[row]! & pm) === pw && m.test(row)) n++;
      }
    if (earlier !== null) {
      // This segment's id (its posting list starts at `from`) is an earlier one for the next segments.
      let a = 0;
      let b = postings.starts.length - 1;
      while (a < b) {
        const mid = (a + b + 1) >>> 1;
        if (postings.starts[mid]! <= from) a = mid;
        else b = mid - 1;
      }
      // The last id whose list starts at or before `from`: earlier empty lists may start there too.
      earlier[a >>> 5]! |= 1 << (a & 31);
    }
  }
  return n;
}

/** Rows of rows[from..to) passing the packed conditions and at most one range (its rank buckets in row order,
 *  the value read in an edge bucket). */
function countRanged(
  m: RowMatcher,
  attrs: RegionIndex['rowAttributes'],
  rows: Uint32Array,
  from: number,
  to: number,
): number {
  const pm = m.packedMask;
  const pw = m.packedWant;
  let n = 0;
  if (m.rangeCount === 0) {
    for (let i = from; i < to; i++) n += (attrs[rows[i]!]! & pm) === pw ? 1 : 0;
    return n;
  }
  const bytes = m.rangeRowBytes[0]!;
  const classes = m.classView(0);
  const column = m.rangeColumns[0]!;
  const min = m.rangeMin[0]!;
  const max = m.rangeMax[0]!;
  for (let i = from; i < to; i++) {
    const row = rows[i]!;
    if ((attrs[row]! & pm) !== pw) continue;
    const k = classes[bytes[row]!]!;
    if (k === RANK_FAIL) continue;
    if (k === RANK_CHECK) {
      const v = column[row]!;
      if (v < min || v > max) continue;
    }
    n++;
  }
  return n;
}

/** Rows of one id's posting list that pass every other condition and have none of the `earlier` ids. */
function countUnionPart(
  m: RowMatcher,
  attrs: RegionIndex['rowAttributes'],
  rows: Uint32Array,
  from: number,
  to: number,
  earlier: Uint32Array,
  words: number,
): number {
  const pm = m.packedMask;
  const pw = m.packedWant;
  const mask = m.productMask;
  let n = 0;
  for (let i = from; i < to; i++) {
    const row = rows[i]!;
    if ((attrs[row]! & pm) !== pw) continue;
    let seen = 0;
    for (let w = 0, base = row * words; w < words; w++) seen |= mask[base + w]! & earlier[w]!;
    if (seen === 0 && m.test(row)) n++;
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
      if ((attrs[row]! & pm) === pw && (packedOnly || m.test(row))) n++;
    }
  }
  return n;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}
