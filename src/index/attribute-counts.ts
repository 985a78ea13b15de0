// Attribute counts: in a large region, for each range field, how many rows of each distinct packed attribute
// value (category, language, gender and flags together) lie in each of the field's 256 rank buckets. One range
// plus any equality conditions on packed attributes (a category with a language or a gender, say) is then
// counted exactly from the cells of the values that pass, over the range's whole buckets, and its one or two
// edge buckets read (search/count-tables.ts): instead of testing each row of a category's posting list, whose
// 100–200k rows in a region of 4M sweep arrays far larger than the cache (0.6–1.4 ms at 10M). Derived when
// the index is read (no file of its own), from the packed attributes and the rank buckets in row order.
import type { AttributeArray } from './attributes.ts';
import { RANK_BUCKETS, bucketStart } from './ranks.ts';
import { keyBucketSize } from '../config.ts';

/** The attribute counts of a region's range fields. */
export interface AttributeCounts {
  /** The region's distinct packed attribute values, ascending. */
  readonly values: Uint32Array;
  /** Rows per value. */
  readonly totals: Uint32Array;
  /** Per range field: entry v * RANK_BUCKETS + b is the rows with values[v] in rank bucket b of the field. */
  readonly fields: ReadonlyMap<string, Uint16Array | Uint32Array>;
  /** Every field's cells, one after the other (what they hold in memory, with values and totals). */
  readonly cells: Uint16Array | Uint32Array;
}

/** The distinct packed attribute values of a region's rows, ascending, and the rows of each: a count through
 *  an array by value for 16-bit attributes, a map otherwise. */
export function attributeValueCounts(rowAttributes: AttributeArray): {
  readonly values: Uint32Array;
  readonly totals: Uint32Array;
} {
  const tally = new Map<number, number>();
  if (rowAttributes instanceof Uint16Array) {
    const byValue = new Uint32Array(0x10000);
    for (let row = 0; row < rowAttributes.length; row++) byValue[rowAttributes[row]!]!++;
    byValue.forEach((n, v) => n > 0 && tally.set(v, n));
  } else
    for (let row = 0; row < rowAttributes.length; row++) {
      const a = rowAttributes[row]!;
      tally.set(a, (tally.get(a) ?? 0) + 1);
    }
  const values = Uint32Array.from(tally.keys()).sort();
  return { values, totals: Uint32Array.from(values, (v) => tally.get(v)!) };
}

/** Regions from this many rows get attribute counts (at the default key bucket, 1,048,576: where a row read
 *  at random misses the cache, count.ts's LARGE_REGION). */
export function attributeCountsMinRows(): number {
  return RANK_BUCKETS * keyBucketSize();
}

/** Bytes per row of the region that its attribute counts and product range counts may take together at most
 *  (at the default key bucket; tests' smaller buckets allow as many times more as they are smaller, for their
 *  small regions of many values): a table that would go beyond is not made, and its counts test rows as
 *  before. */
export const LARGE_REGION_TABLE_BYTES_PER_ROW = 4;

/** Whether a region of `rows` rows gets a table of `bytes` bytes beside tables of `used` bytes: large enough,
 *  and within LARGE_REGION_TABLE_BYTES_PER_ROW. */
function fitsLargeRegion(rows: number, bytes: number, used = 0): boolean {
  return (
    rows >= attributeCountsMinRows() &&
    bytes + used <= rows * LARGE_REGION_TABLE_BYTES_PER_ROW * Math.max(1, 4096 / keyBucketSize())
  );
}

/**
 * The attribute counts of each of `fields` (from their rank buckets in row order), or null for a region under
 * attributeCountsMinRows() rows or with too many distinct values (LARGE_REGION_TABLE_BYTES_PER_ROW). The
 * synthetic data's US at 10M: 4M rows, 60 distinct values besides the category (2,158 with it), 11 MB.
 */
export function regionAttributeCounts(
  fields: readonly string[],
  rowRanks: ReadonlyMap<string, Uint8Array>,
  rowAttributes: AttributeArray,
): AttributeCounts | null {
  const rows = rowAttributes.length;
  if (rows < attributeCountsMinRows()) return null;
  const { values, totals } = attributeValueCounts(rowAttributes);
  // A cell holds at most a bucket of rows: 16 bits do up to 256 × 65535 rows.
  const wide = bucketStart(1, rows) > 0xffff;
  const size = values.length * RANK_BUCKETS;
  if (!fitsLargeRegion(rows, size * fields.length * (wide ? 4 : 2))) return null;
  // Each row's first cell (its value's index × RANK_BUCKETS): through an array by value for 16-bit attributes.
  const valueOf = new Uint32Array(rows);
  if (rowAttributes instanceof Uint16Array) {
    const byValue = new Uint32Array(0x10000);
    values.forEach((v, i) => (byValue[v] = i * RANK_BUCKETS));
    for (let row = 0; row < rows; row++) valueOf[row] = byValue[rowAttributes[row]!]!;
  } else {
    const index = new Map<number, number>();
    values.forEach((v, i) => index.set(v, i * RANK_BUCKETS));
    for (let row = 0; row < rows; row++) valueOf[row] = index.get(rowAttributes[row]!)!;
  }
  const cells = wide ? new Uint32Array(size * fields.length) : new Uint16Array(size * fields.length);
  const map = new Map<string, Uint16Array | Uint32Array>();
  fields.forEach((field, k) => {
    const into = cells.subarray(k * size, (k + 1) * size);
    const ranks = rowRanks.get(field)!;
    for (let row = 0; row < rows; row++) into[valueOf[row]! + ranks[row]!]!++;
    map.set(field, into);
  });
  return { values, totals, fields: map, cells };
}

/** Per range field: entry s * RANK_BUCKETS + b is the rows of group s (a kept product id set) in rank bucket b
 *  of the field. */
export interface GroupRangeCounts {
  readonly fields: ReadonlyMap<string, Uint16Array | Uint32Array>;
  readonly cells: Uint16Array | Uint32Array;
}

/**
 * Rows per group and rank bucket of each of `fields`, for a large region (as attribute counts): `groupOf` is
 * each row's group number (0 ≤ g < groups, or −1 for none). Null for a region under
 * attributeCountsMinRows() rows, or whose cells would take it past LARGE_REGION_TABLE_BYTES_PER_ROW beside
 * the `used` bytes of its attribute counts.
 */
export function groupRangeCounts(
  groupOf: Int32Array,
  groups: number,
  fields: readonly string[],
  rowRanks: ReadonlyMap<string, Uint8Array>,
  used: number,
): GroupRangeCounts | null {
  const rows = groupOf.length;
  const wide = bucketStart(1, rows) > 0xffff;
  const size = groups * RANK_BUCKETS;
  if (!fitsLargeRegion(rows, size * fields.length * (wide ? 4 : 2), used)) return null;
  const cells = wide ? new Uint32Array(size * fields.length) : new Uint16Array(size * fields.length);
  const map = new Map<string, Uint16Array | Uint32Array>();
  fields.forEach((field, k) => {
    const into = cells.subarray(k * size, (k + 1) * size);
    const ranks = rowRanks.get(field)!;
    for (let row = 0; row < rows; row++) {
      const g = groupOf[row]!;
      if (g >= 0) into[g * RANK_BUCKETS + ranks[row]!]!++;
    }
    map.set(field, into);
  });
  return { fields: map, cells };
}
