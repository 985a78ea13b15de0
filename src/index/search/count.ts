// Counting the matches of a query whose page a walk found (X-Total-Count): over the slice of the smallest
// range's sort order, packed attributes, up to two other ranges' rank buckets and product bytes read in that
// order's sequence and counted without branches (scan.ts countBlock): about a nanosecond a row.
import { ALL_PASS, countBlock, pairWords, quadWords } from './scan.ts';
import type { QueryConditions, Source } from './conditions.ts';
import type { RegionIndex } from './region.ts';
import type { SearchScratch } from './scratch.ts';

/**
 * The number of matches, counted over the smallest slice of a ranked sort order, or -1 when the conditions
 * cannot all be read in such a sequence (a code or show_case column, a range without buckets there).
 */
export function countBySlice(s: SearchScratch, region: RegionIndex, c: QueryConditions): number {
  const m = s.matcher;
  let best: Source | null = null;
  for (const source of c.sources)
    if (
      source.implies === 'range' &&
      source.orderField !== null &&
      region.ranks.has(source.orderField) &&
      (best === null || source.count < best.count)
    )
      best = source;
  if (best === null || m.restRandom || m.rangeCount > 3) return -1;
  const field = best.orderField!;
  const ranks = region.ranks.get(field)!;
  for (let k = 0; k < m.rangeCount; k++)
    if (m.rangeColumns[k] !== best.column && !ranks.has(m.rangeFields[k]!)) return -1;
  if (m.productWords !== 0 && !region.productBytes.has(field)) return -1;
  m.drop(best);
  m.bindOrder(ranks, region.productBytes.get(field));
  const attrs = region.orderAttributes.get(field)!;
  const [order, lo, hi] = best.segments[0]!;
  const anyBytes = new Uint8Array(attrs.buffer, attrs.byteOffset, attrs.byteLength);
  const b0 = m.rangeCount > 0 ? m.rangeBytes[0]! : anyBytes;
  const c0 = m.rangeCount > 0 ? m.classView(0) : ALL_PASS;
  const b1 = m.rangeCount > 1 ? m.rangeBytes[1]! : anyBytes;
  const c1 = m.rangeCount > 1 ? m.classView(1) : ALL_PASS;
  const quads = m.productBytes ? quadWords(m.productBytes) : null;
  return countBlock(
    m,
    order,
    attrs,
    quads,
    pairWords(attrs),
    m.packedMask,
    m.packedWant,
    b0,
    c0,
    b1,
    c1,
    lo,
    hi,
  );
}
