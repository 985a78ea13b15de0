// The walk: follow the sort order (its slice for the sort field's own range), test each row, and collect the
// page, counting whole blocks before it (scan.ts). A descending walk keeps ties in ascending row order.
import { SORT_FIELDS, type InfluencerQuery } from '../query.ts';
import { ALL_PASS, BLOCK, countBlock, countByRow, pairWords, quadWords } from './scan.ts';
import { runEnd, runStart, type NumericColumn, type RegionIndex } from './region.ts';
import type { SearchScratch } from './scratch.ts';

/**
 * Walks the sort order over positions [lo, hi), testing rows with the matcher (or the bitset of gathered
 * matches), collecting rows offset..offset+size-1 of the matches into scratch.page. Returns the number found,
 * or -1 when the budget of visited rows ran out first.
 */
export function walk(
  scratch: SearchScratch,
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
  const page = scratch.page;
  const m = scratch.matcher;
  m.tested = 0;
  const sortField = SORT_FIELDS[q.sortField];
  if (q.sortField === 0) m.bindOrder(region.rowRanks, undefined);
  else m.bindOrder(region.ranks.get(sortField), region.productBytes.get(sortField));
  const bits = scratch.bits;
  const rowAttrs = region.rowAttributes;
  // The packed attributes in the walked order's sequence (user_id order: row order). The commerce sorts have no
  // copy of their own (memory): their rows' attributes are read by row, and no block is counted at once.
  const sequence = q.sortField === 0 ? rowAttrs : region.orderAttributes.get(SORT_FIELDS[q.sortField]);
  const attrs = sequence ?? rowAttrs;
  const byRow = sequence === undefined;
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
        !byRow &&
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
          const c = byRow
            ? countByRow(rowAttrs, order!, pm, pw, p, p + BLOCK)
            : countBlock(m, order, attrs, quads, pairs, pm, pw, b0, c0, b1, c1, p, p + BLOCK);
          if (c <= skip) {
            skip -= c;
            p += BLOCK;
            continue;
          }
        }
        const stop = skip > 0 ? Math.min(end, p + BLOCK) : end;
        for (; p < stop; p++) {
          if (!m.passesAt(attrs[byRow ? order[p]! : p]!, p, order[p]!)) continue;
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
      if (
        useBits ? (bits[row >>> 5]! & (1 << (row & 31))) === 0 : !m.passesAt(attrs[byRow ? row : p]!, p, row)
      )
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
        const c = byRow
          ? countByRow(rowAttrs, order!, pm, pw, p + 1 - BLOCK, p + 1)
          : countBlock(m, order, attrs, quads, pairs, pm, pw, b0, c0, b1, c1, p + 1 - BLOCK, p + 1);
        if (above + c <= offset) {
          above += c;
          p -= BLOCK;
          continue;
        }
      }
      const stop = Math.max(last, p + 1 - BLOCK);
      for (; p >= stop; p--) {
        if (!m.passesAt(attrs[byRow ? order[p]! : p]!, p, order[p]!)) continue;
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
      if (
        useBits ? (bits[row >>> 5]! & (1 << (row & 31))) === 0 : !m.passesAt(attrs[byRow ? row : p]!, p, row)
      )
        continue;
      if (above === offset) break;
      above++;
    }
  if (p < lo) return 0;
  const v0 = values[order[p]!]!;
  const s = runStart(values, order, lo, p + 1, v0);
  const e = runEnd(values, order, p, hi, v0);
  // Matches in the run above p were counted but come after the run's lower rows: take them back.
  if (pure)
    above -= byRow
      ? countByRow(rowAttrs, order!, pm, pw, p + 1, e)
      : countBlock(m, order, attrs, quads, pairs, pm, pw, b0, c0, b1, c1, p + 1, e);
  else
    for (let q = p + 1; q < e; q++) {
      const row = order[q]!;
      if (
        useBits ? (bits[row >>> 5]! & (1 << (row & 31))) === 0 : !m.passesAt(attrs[byRow ? row : q]!, q, row)
      )
        continue;
      above--;
    }
  // 2. From the start of that run, in ascending row order.
  skip = offset - above;
  let from = s;
  // A long run of equal values (e.g. zero products): whole blocks before the page counted at once.
  if (pure)
    while (skip > 0 && from + BLOCK <= e) {
      const c = byRow
        ? countByRow(rowAttrs, order!, pm, pw, from, from + BLOCK)
        : countBlock(m, order, attrs, quads, pairs, pm, pw, b0, c0, b1, c1, from, from + BLOCK);
      if (c > skip) break;
      skip -= c;
      from += BLOCK;
    }
  for (let q = from; q < e; q++) {
    const row = order[q]!;
    if (useBits ? (bits[row >>> 5]! & (1 << (row & 31))) === 0 : !m.passesAt(attrs[byRow ? row : q]!, q, row))
      continue;
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
  if (scratch.runRows.length < 2 * need) {
    scratch.runRows = new Uint32Array(2 * need);
    scratch.runValues = new Float64Array(2 * need);
  }
  const rows = scratch.runRows;
  const vals = scratch.runValues;
  let k = 0;
  let groupStart = 0;
  let groupValue = NaN;
  let ascending = -1; // group stored in ascending order (a long run), if any
  for (let q = s - 1; q >= lo; q--) {
    const row = order[q]!;
    if (useBits ? (bits[row >>> 5]! & (1 << (row & 31))) === 0 : !m.passesAt(attrs[byRow ? row : q]!, q, row))
      continue;
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
        if (
          useBits
            ? (bits[row2 >>> 5]! & (1 << (row2 & 31))) === 0
            : !m.passesAt(attrs[byRow ? row2 : r]!, r, row2)
        )
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
