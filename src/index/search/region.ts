// The region model the searcher works on: one region's typed arrays as loaded (see ../layout.ts), the
// dictionaries shared by every region, and positions in a sorted order (binary searches, runs of equal values).
import type { AttributeLayout, CodedField, PostingGroup } from '../layout.ts';
import type { AttributeArray } from '../attributes.ts';
import type { LookupKey, LookupTable } from '../lookup.ts';
import type { KeywordIndex } from '../keyword/index.ts';
import type { RowOffsets } from '../offsets.ts';
import type { KeyCounts, ProductKeyCounts } from '../key-counts.ts';
import type { AttributeCounts } from '../attribute-counts.ts';

export type NumericColumn = Int16Array | Int32Array | Float64Array;
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
  /** Codes of the coded fields the packed attributes do not hold (a packed field's: empty, not loaded). */
  readonly codes: Readonly<Record<CodedField, CodeColumn>>;
  readonly postings: Readonly<Record<PostingGroup, PostingLists>>;
  readonly productCategoryMask: Uint32Array;
  /** Byte offsets of each row's JSON in rows.json (rows + 1 entries; offsets.ts). */
  readonly jsonOffsets: RowOffsets;
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
  /** Rows with has_contact_email = 1 (the packed attributes' bit). */
  readonly contactEmails: number;
  /** Per range field: cumulative counts of the attributes' low keys per bucket of its order (key-counts.ts);
   *  none for a small region. */
  readonly keyCounts: KeyCounts | null;
  /** Per range field: rows per distinct packed attribute value and rank bucket (attribute-counts.ts); only
   *  for a large region. */
  readonly attributeCounts: AttributeCounts | null;
  /** Rows per product id set and attribute key, over all rows and per common category and language
   *  (key-counts.ts); none for a small region. */
  readonly productKeyCounts: ProductKeyCounts | null;
  /** Lookup tables of the detail endpoint, per key (lookup.ts). */
  readonly lookups: Readonly<Record<LookupKey, LookupTable>>;
  /** rows.json items lack format 6's figures (an upgraded format-5 index): hydration adds them. */
  readonly rowsWithoutFigures: boolean;
  /** The keyword index (keyword/index.ts); null for an index built before it. */
  readonly keyword: KeywordIndex | null;
}

/** Dictionaries shared by every region. */
export interface IndexDictionaries {
  readonly codes: Readonly<Record<CodedField, ReadonlyMap<string, number>>>;
  readonly productCategories: ReadonlyMap<string, number>;
  readonly productCategoryWords: number;
  readonly attributes: AttributeLayout;
}

/** First position p in [lo, hi) of `order` with values[order[p]] >= x (hi when none). */
export function lowerBound(
  values: NumericColumn,
  order: Uint32Array,
  lo: number,
  hi: number,
  x: number,
): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[order[mid]!]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First position p in [lo, hi) of `order` with values[order[p]] > x (hi when none). */
export function upperBound(
  values: NumericColumn,
  order: Uint32Array,
  lo: number,
  hi: number,
  x: number,
): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[order[mid]!]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First position of the run of value v ending at position end - 1 (values[order[end - 1]] is v), not before
 *  lo: galloping down, then a binary search, so a short run (the usual case) costs a few reads, not log n. */
export function runStart(
  values: NumericColumn,
  order: Uint32Array,
  lo: number,
  end: number,
  v: number,
): number {
  let known = end - 1;
  for (let step = 1; ; step *= 2) {
    const probe = known - step;
    if (probe < lo) return lowerBound(values, order, lo, known, v);
    if (values[order[probe]!]! < v) return lowerBound(values, order, probe + 1, known, v);
    known = probe;
  }
}

/** End (exclusive) of the run of value v holding position from (values[order[from]] is v), not past hi. */
export function runEnd(
  values: NumericColumn,
  order: Uint32Array,
  from: number,
  hi: number,
  v: number,
): number {
  let known = from;
  for (let step = 1; ; step *= 2) {
    const probe = known + step;
    if (probe >= hi) return upperBound(values, order, known + 1, hi, v);
    if (values[order[probe]!]! > v) return upperBound(values, order, known + 1, probe, v);
    known = probe;
  }
}
