// The planner: a cost model in rough nanoseconds, the choice between walking the sort order and gathering from
// the most selective source, and which source a gather scans and which it pre-marks in bitsets.
//  - walk: follow the requested sort order (restricted to the sort field's own range, if filtered) and test
//    each row, stopping once the page is full. Cheap when matches are dense.
//  - gather: take the rows of the most selective condition (a range of a presorted order, or a posting list),
//    test them, then pick the page by sort key (quickselect over the matches, or a walk of the sort order over a
//    bitset of the matches when they are many). Cheap when matches are sparse.
// A walk gets a budget of the gather's estimated cost; past it, it gives up and gathers, so a misestimate
// (correlated filters) costs at most about twice the better plan.
import type { InfluencerQuery } from '../query.ts';
import { RANK_BUCKETS } from '../ranks.ts';
import type { QueryConditions, RowMatcher, Source } from './conditions.ts';

export type PlanKind = 'empty' | 'walk' | 'gather-select' | 'gather-walk' | 'walk-then-gather';

/** Rough cost per row, in nanoseconds at 10M rows: a sequential read, a random (cache- and TLB-missing) read,
 *  a bitset test, a bitset write from a sorted order. */
export const COST = { sequential: 2, strided: 10, random: 40, bit: 3, bitSet: 4, packedStep: 6 } as const;

export interface GatherPlan {
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
export function selectCost(matches: number): number {
  return matches * (COST.random + 9);
}

/** Marking `matches` rows in a bitset, then walking the sort order until `wanted` are passed (with a margin,
 *  since matches may cluster late in the order). */
export function bitWalkCost(matches: number, walkLength: number, wanted: number): number {
  return matches * COST.sequential + COST.bit * Math.min(walkLength, (2 * walkLength * wanted) / matches);
}

/** The gather plan for the matcher's current conditions. A gather from a sort order's slice reads ranges and
 *  product bytes in sequence. */
export function gatherPlanFor(m: RowMatcher, c: QueryConditions, total: number): GatherPlan {
  const productBytes = m.productWords !== 0 ? 1 : 0;
  return planGather(c.sources, {
    reads: m.conditions - m.packedConditions + (m.packedConditions > 0 ? 1 : 0),
    ranges: m.rangeCount + productBytes,
    others: m.conditions - m.packedConditions - m.rangeCount - productBytes,
    passing: c.packedDensity * c.rangeDensity,
    total,
  });
}

/** Whether to walk first, and the walk's budget: visits of packed attributes, a row whose other columns are
 *  read weighing `testWeight`. */
export interface WalkChoice {
  readonly walk: boolean;
  readonly noFilters: boolean;
  readonly budget: number;
  readonly testWeight: number;
}

/** Compares the estimated cost of a walk with that of the best gather, selectivities from exact counts,
 *  assumed independent. */
export function chooseWalk(
  m: RowMatcher,
  c: QueryConditions,
  q: InfluencerQuery,
  wanted: number,
  total: number,
): WalkChoice {
  const { sources } = c;
  const walkLength = c.walkHi - c.walkLo;
  const conditions = m.conditions;
  let density = c.countedDensity;
  for (const s of sources) density *= s.count / total;
  // Conditions without a count (show_case_flag other than 0/1): assume half the rows pass each.
  density *= 0.5 ** Math.max(0, conditions - sources.length - c.counted);
  const expectedVisits = density <= 0 ? walkLength : Math.min(walkLength, wanted / density);
  // A walk reads the packed attributes in step with the order (sequential), the other conditions' columns
  // (random) only for rows passing the packed ones and the ranges. Ranges are tested by the rank buckets
  // kept in the walked order's sequence (user_id order: the values themselves, in row order).
  // Product categories too, by the product bytes of a sort order (not in user_id order).
  const productBytes = m.productWords !== 0 ? 1 : 0;
  const walkProduct = q.sortField !== 0 ? productBytes : 0;
  const otherConditions = conditions - m.packedConditions - m.rangeCount - walkProduct;
  // Only packed conditions: a tight loop over the attributes alone.
  const stepCost = conditions > m.packedConditions ? COST.packedStep : COST.sequential;
  const visitCost =
    stepCost +
    c.packedDensity *
      ((m.rangeCount + walkProduct) * RANGE_STEP + c.rangeDensity * COST.random * otherConditions);
  let gatherCost = Infinity;
  if (sources.length > 0) {
    const plan = gatherPlanFor(m, c, total);
    const matches = Math.max(1, Math.min(plan.primary.count, density * total));
    gatherCost = plan.cost + Math.min(selectCost(matches), bitWalkCost(matches, walkLength, wanted));
  }
  const walkCost = expectedVisits * visitCost;
  const noFilters = conditions === 0;
  return {
    walk: sources.length === 0 || noFilters || walkCost <= gatherCost,
    noFilters,
    // A walk that runs far past its estimate (correlated filters) switches to the gather plan. Counted in
    // visits of packed attributes, a row whose other columns are read weighing more: correlated data can make
    // the packed conditions pass far more often than estimated.
    budget: sources.length > 0 ? Math.max(4096, gatherCost / stepCost) : Infinity,
    testWeight: (COST.random * Math.max(1, otherConditions)) / stepCost,
  };
}
