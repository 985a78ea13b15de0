// The gather: collect the rows of the plan's source that pass every condition (other sources pre-marked in
// bitsets), then pick the page by sort key: a walk of the sort order over a bitset of the matches when they are
// many, else quickselect (nthElement) over their keys.
import type { InfluencerQuery } from '../query.ts';
import { COST, bitWalkCost, selectCost, type GatherPlan } from './planner.ts';
import { collectAt } from './scan.ts';
import type { NumericColumn, RegionIndex } from './region.ts';
import type { SearchScratch } from './scratch.ts';
import { walk } from './walk.ts';

/** Collects the source's rows that pass every condition, then picks the page by sort key. */
export function gather(
  s: SearchScratch,
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
  s.ensureGather();
  if (s.lastPlan !== 'walk-then-gather') s.lastPlan = 'gather-select';
  const m = s.matcher;
  const source = plan.primary;
  const bits = s.bits;
  const walkLength = values ? hi - lo : region.rows;
  // Every row of the source matches (no other condition): no scan; marked straight into the bitset when
  // walking pays.
  if (onlySource(s, plan)) {
    m.drop(source);
    const count = source.count;
    s.total = count;
    if (offset >= count) return 0;
    if (bitWalkCost(count, walkLength, offset + size) < selectCost(count)) {
      for (const [rows, from, to] of source.segments)
        for (let i = from; i < to; i++) {
          const row = rows[i]!;
          bits[row >>> 5]! |= 1 << (row & 31);
        }
      s.lastPlan = s.lastPlan === 'walk-then-gather' ? s.lastPlan : 'gather-walk';
      const budget = selectCost(count) / COST.bit;
      const n = walk(s, region, q, values, order, lo, hi, offset, size, false, true, budget);
      bits.fill(0, 0, (region.rows >>> 5) + 1);
      if (n >= 0) return n;
    }
    // Matches clustered late in the sort order, or few: select over them.
    let k = 0;
    const cand = s.candidates;
    for (const [rows, from, to] of source.segments) for (let i = from; i < to; i++) cand[k++] = rows[i]!;
    return select(s, q, values, count, offset, size);
  }
  const count = collect(s, region, plan);
  s.total = count;
  if (offset >= count) {
    if (source.mayRepeat) s.clearBits(count);
    return 0;
  }
  if (bitWalkCost(count, walkLength, offset + size) < selectCost(count)) {
    // Many matches: mark them in a bitset (small, cache-resident) and walk the sort order over it.
    const cand = s.candidates;
    if (!source.mayRepeat) for (let i = 0; i < count; i++) bits[cand[i]! >>> 5]! |= 1 << (cand[i]! & 31);
    s.lastPlan = s.lastPlan === 'walk-then-gather' ? s.lastPlan : 'gather-walk';
    // Matches may cluster late in the sort order: past the cost of selecting, select instead.
    const budget = selectCost(count) / COST.bit;
    const n = walk(s, region, q, values, order, lo, hi, offset, size, false, true, budget);
    s.clearBits(count);
    if (n >= 0) return n;
  } else if (source.mayRepeat) s.clearBits(count);
  return select(s, q, values, count, offset, size);
}

/** Whether every row of the plan's source matches: no other condition, no repeats. */
function onlySource(s: SearchScratch, plan: GatherPlan): boolean {
  return s.matcher.conditions === 1 && plan.marks.length === 0 && !plan.primary.mayRepeat;
}

/** The page [offset, offset + size) of the first `count` candidates by sort key: quickselect. */
function select(
  s: SearchScratch,
  q: InfluencerQuery,
  values: NumericColumn | null,
  count: number,
  offset: number,
  size: number,
): number {
  const cand = s.candidates;
  const end = Math.min(offset + size, count);
  s.lastPlan = s.lastPlan === 'walk-then-gather' ? s.lastPlan : 'gather-select';
  const keys = s.keys;
  const sign = q.descending ? -1 : 1;
  if (values) for (let i = 0; i < count; i++) keys[i] = sign * values[cand[i]!]!;
  else for (let i = 0; i < count; i++) keys[i] = sign * cand[i]!;
  selectRange(keys, cand, count, offset, end);
  for (let i = offset; i < end; i++) s.page[i - offset] = cand[i]!;
  return end - offset;
}

/** Collects into s.candidates the source's rows that pass every condition (rows of a repeating source also
 *  marked in s.bits: the caller clears them); returns how many. */
function collect(s: SearchScratch, region: RegionIndex, plan: GatherPlan): number {
  const m = s.matcher;
  const source = plan.primary;
  // Every row of the source satisfies its own condition: do not test it again.
  m.drop(source);
  // Conditions cheaper as a bitset (marked from their sorted order or posting list: sequential reads,
  // writes to a small bitset) than as a read of their column for every candidate.
  for (let k = 0; k < plan.marks.length; k++) {
    const mark = plan.marks[k]!;
    const bitset = s.filterBits(k);
    for (const [rows, from, to] of mark.segments)
      for (let i = from; i < to; i++) {
        const row = rows[i]!;
        bitset[row >>> 5]! |= 1 << (row & 31);
      }
    m.drop(mark);
    m.filterBits.push(bitset);
    m.filterCount++;
  }
  const cand = s.candidates;
  const bits = s.bits;
  const rowAttrs = region.rowAttributes;
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
  return count;
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
