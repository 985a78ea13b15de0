// The on-disk layout of a serving index (<snapshot>/index/): what build.ts writes and load.ts reads.
// Every file is a flat little-endian typed array, read whole; rows.json is read only for returned rows.
import { RANGE_FIELDS, SORT_FIELDS } from './query.ts';

// 2: packed attribute arrays (attributes.ts) and per-region gender counts. 3: rank files (ranks.ts).
// 4: product bytes (products.ts). 5: rank buckets in row order. 6: commerce sorts and filters (commerce.ts),
// has_contact_email, and rows.json items with per_views_avg_cnt, total_views_7d_cnt,
// per_video_product_views_avg_cnt and product_category_ids. 7 (issue 9, memory): has_contact_email a bit of the
// packed attributes (no order or rank buckets), show_case_flag = 0 no bit of its own when the flag is 0/1, the
// keyword dictionary front-coded in blocks (keyword/index.ts), Int16 columns.
export const INDEX_FORMAT_VERSION = 7;
export const INDEX_MANIFEST_FILE = 'manifest.json';

/** Fields filtered by a range of values. Each has rank buckets in row order (ranks.u8). */
export const FILTERED_FIELDS: readonly string[] = [...RANGE_FIELDS];

/** Numeric columns written by the build: every filtered field, every sort field, the two flags and
 *  has_contact_email (a 0/1 column derived from contact_email, held in memory as a packed attribute bit). The
 *  flags' and has_contact_email's columns stay on disk (read.ts) but show_case_flag's when it holds a value
 *  other than 0 and 1. */
export const NUMERIC_COLUMNS: readonly string[] = [
  ...new Set<string>([
    ...FILTERED_FIELDS,
    ...SORT_FIELDS.slice(1),
    'sales_flag',
    'show_case_flag',
    'has_contact_email',
  ]),
];

/** Fields with a presorted order (ascending value, then user_id): sort fields and filtered fields. */
export const ORDERED_FIELDS: readonly string[] = [
  ...new Set<string>([...SORT_FIELDS.slice(1), ...FILTERED_FIELDS]),
];

/** SQL (DuckDB, over the snapshot's rows) of a numeric column: the field itself, or what it derives from. */
export function columnSql(field: string): string {
  if (field === 'has_contact_email') return `(coalesce(contact_email, '') <> '')::INTEGER`;
  return `"${field.replace(/"/g, '""')}"`;
}

/** Text fields compared case-insensitively, stored as dictionary codes of their lower-cased value. */
export const CODED_FIELDS = ['category', 'language', 'gender'] as const;
export type CodedField = (typeof CODED_FIELDS)[number];

/** Posting-list groups for the sales_flag / show_case filters (row lists, ascending). */
export const FLAG_GROUPS = ['sales_video', 'sales_live', 'sales_both', 'showcase'] as const;

/** Element type of a numeric column: Int16 or Int32 when every value fits (Int16 since format 7), else
 *  Float64 (exact below 2^53). */
export type ColumnType = 'int16' | 'int32' | 'float64';

/** A numeric column's array over `buffer`, by its type. */
export function columnArray(
  buffer: ArrayBuffer,
  type: ColumnType | undefined,
): Int16Array | Int32Array | Float64Array {
  return type === 'int16'
    ? new Int16Array(buffer)
    : type === 'int32'
      ? new Int32Array(buffer)
      : new Float64Array(buffer);
}
export type CodeWidth = 'uint8' | 'uint16' | 'uint32';

export function codeWidth(dictionarySize: number): CodeWidth {
  return dictionarySize <= 0x100 ? 'uint8' : dictionarySize <= 0x10000 ? 'uint16' : 'uint32';
}

export interface RegionManifest {
  readonly region: string;
  readonly rows: number;
  /** Folder of this region's files, relative to the index folder. */
  readonly dir: string;
  /** Size of rows.json in bytes. */
  readonly jsonBytes: number;
  /** Rows per gender code (gender has no posting list; the planner needs its selectivity). */
  readonly genderCounts: readonly number[];
}

/** Bit positions of the packed row attributes (attributes.ts); a coded field absent from `fields` is not
 *  packed (too wide) and is tested on its code column. */
export interface AttributeLayout {
  readonly width: 'uint16' | 'uint32';
  /** Masks of the flag bits that vary with the index (format 7; absent before: show_case_flag = 0 at bit 3,
   *  no has_contact_email): show_case_flag = 0 (0 when the flag is only ever 0 or 1: no bit set for
   *  show_case_flag = 1 says it), has_contact_email = 1. */
  readonly flags?: { readonly showCaseZero: number; readonly contactEmail: number };
  readonly fields: Readonly<Partial<Record<CodedField, { readonly shift: number; readonly bits: number }>>>;
}

export interface IndexManifest {
  readonly formatVersion: number;
  readonly rows: number;
  readonly columns: Readonly<Record<string, ColumnType>>;
  /** Lower-cased distinct values of each coded field; a row stores its value's position. */
  readonly dictionaries: Readonly<Record<CodedField, readonly string[]>>;
  /** Distinct product category ids; a row's mask has bit i set when it has productCategoryIds[i]. */
  readonly productCategoryIds: readonly string[];
  /** 32-bit words per row in the product-category mask (≥ 1). */
  readonly productCategoryWords: number;
  readonly regions: readonly RegionManifest[];
  readonly attributes: AttributeLayout;
  /** Every file of the index, relative to the index folder. */
  readonly files: readonly string[];
  /** rows.json items lack the figures format 6 serves (an upgraded format-5 index): added when read. */
  readonly rowsWithoutFigures?: boolean;
}

/** File names inside a region folder. */
export const regionFiles = {
  column: (field: string) => `col-${field}.bin`,
  order: (field: string) => `order-${field}.u32`,
  codes: (field: CodedField) => `${field}.codes`,
  postings: (group: string) => `${group}.postings.u32`,
  postingStarts: (group: string) => `${group}.starts.u32`,
  productCategoryMask: 'product_category.mask.u32',
  rowsJson: 'rows.json',
  rowOffsets: 'rows.offsets.f64',
  rowAttributes: 'attrs.bin',
  orderAttributes: (field: string) => `attrs-${field}.bin`,
  ranks: (sortField: string) => `ranks-${sortField}.u8`,
  rowRanks: 'ranks.u8',
  products: (sortField: string) => `products-${sortField}.u8`,
} as const;

/** Posting-list groups of a region: one per coded field with a useful selectivity, plus products and flags. */
export const POSTING_GROUPS = ['category', 'language', 'product_category', 'flags'] as const;
export type PostingGroup = (typeof POSTING_GROUPS)[number];
