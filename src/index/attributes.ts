// Packed row attributes: the equality conditions of a query (sales/showcase flags, gender, language, category)
// tested with one read of a small integer per row instead of one random read per condition. Besides the copy in
// row order, every sort order has its own copy in that order's sequence, so a walk of a sort order tests these
// conditions with sequential reads and touches a row's other columns only when those pass.
import { derivedFiles, type RegionFiles } from './files.ts';
import {
  CODED_FIELDS,
  codeWidth,
  columnArray,
  regionFiles,
  type AttributeLayout,
  type CodedField,
  type IndexManifest,
} from './layout.ts';
import { SORT_FIELDS } from './query.ts';

/** sales_flag in (1, 3); in (2, 3) (both bits: = 3); show_case_flag = 1. Then the layout's `flags`:
 *  has_contact_email = 1 (bit 3), and show_case_flag = 0 (bit 4) only when the flag has other values than 0
 *  and 1; before format 7, show_case_flag = 0 at bit 3 and no has_contact_email. */
export const ATTR_SALES_VIDEO = 1;
export const ATTR_SALES_LIVE = 2;
export const ATTR_SHOWCASE_1 = 4;
/** The flag bits of a layout written before format 7. */
export const LEGACY_FLAGS = { showCaseZero: 8, contactEmail: 0 } as const;

/** The layout's flag masks (a layout from before format 7 has none: LEGACY_FLAGS). */
export function layoutFlags(layout: AttributeLayout): { showCaseZero: number; contactEmail: number } {
  return layout.flags ?? LEGACY_FLAGS;
}

/** Sort fields with their own attribute copy on disk (user_id order is row order). The commerce sorts of
 *  format 6 get theirs when the index is read (orderAttributes in read.ts): same bytes, no file. */
export const ATTRIBUTE_ORDERS: readonly string[] = SORT_FIELDS.slice(1, 7);

/** The layout of format 7 (`legacy`: of formats 2–6, for an upgrade that later formats' steps rewrite).
 *  `showCaseBinary`: show_case_flag is only ever 0 or 1. */
export function attributeLayout(
  dictionaries: Readonly<Record<CodedField, readonly string[]>>,
  showCaseBinary: boolean,
  legacy = false,
): AttributeLayout {
  const fields: Partial<Record<CodedField, { shift: number; bits: number }>> = {};
  const flags = legacy ? LEGACY_FLAGS : { showCaseZero: showCaseBinary ? 0 : 16, contactEmail: 8 };
  let shift = legacy || showCaseBinary ? 4 : 5;
  // Narrow fields first, so the most of them fit in 32 bits.
  for (const field of [...CODED_FIELDS].sort((a, b) => dictionaries[a].length - dictionaries[b].length)) {
    const bits = Math.max(1, Math.ceil(Math.log2(Math.max(2, dictionaries[field].length))));
    if (shift + bits > 32) continue;
    fields[field] = { shift, bits };
    shift += bits;
  }
  const width = shift <= 16 ? 'uint16' : 'uint32';
  return legacy ? { width, fields } : { width, fields, flags };
}

export type AttributeArray = Uint16Array | Uint32Array;

function codeArray(buffer: ArrayBuffer, dictionarySize: number): ArrayLike<number> {
  const width = codeWidth(dictionarySize);
  return width === 'uint8'
    ? new Uint8Array(buffer)
    : width === 'uint16'
      ? new Uint16Array(buffer)
      : new Uint32Array(buffer);
}

/** Whole-number counts of each gender code in a region (gender has no posting list; the planner needs them). */
export type GenderCounts = readonly number[];

/**
 * Writes a region's attribute files from its already written columns, codes and orders (in `files`).
 * Returns the region's gender code counts.
 */
export async function writeAttributeFiles(
  files: RegionFiles,
  rows: number,
  manifest: Pick<IndexManifest, 'columns' | 'dictionaries'>,
  layout: AttributeLayout,
): Promise<GenderCounts> {
  const attrs = layout.width === 'uint16' ? new Uint16Array(rows) : new Uint32Array(rows);
  const column = async (field: string) => {
    const buffer = await files.read(regionFiles.column(field));
    return columnArray(buffer, manifest.columns[field]);
  };
  const sales = await column('sales_flag');
  const showCase = await column('show_case_flag');
  const { showCaseZero, contactEmail } = layoutFlags(layout);
  const email = contactEmail !== 0 ? await column('has_contact_email') : null;
  for (let r = 0; r < rows; r++) {
    const s = sales[r]!;
    const c = showCase[r]!;
    attrs[r] =
      (s === 1 || s === 3 ? ATTR_SALES_VIDEO : 0) |
      (s === 2 || s === 3 ? ATTR_SALES_LIVE : 0) |
      (c === 1 ? ATTR_SHOWCASE_1 : 0) |
      (c === 0 ? showCaseZero : 0) |
      (email !== null && email[r] === 1 ? contactEmail : 0);
  }
  const genderCounts = new Array<number>(manifest.dictionaries.gender.length).fill(0);
  for (const field of CODED_FIELDS) {
    const size = manifest.dictionaries[field].length;
    const codes = codeArray(await files.read(regionFiles.codes(field)), size);
    if (field === 'gender') for (let r = 0; r < rows; r++) genderCounts[codes[r]!]!++;
    const place = layout.fields[field];
    if (!place) continue;
    for (let r = 0; r < rows; r++) attrs[r]! |= codes[r]! << place.shift;
  }
  await files.write(regionFiles.rowAttributes, attrs);
  const inOrder = layout.width === 'uint16' ? new Uint16Array(rows) : new Uint32Array(rows);
  for (const field of ATTRIBUTE_ORDERS) {
    const order = new Uint32Array(await files.read(regionFiles.order(field)));
    for (let p = 0; p < rows; p++) inOrder[p] = attrs[order[p]!]!;
    await files.write(regionFiles.orderAttributes(field), inOrder);
  }
  return genderCounts;
}

/**
 * Upgrades a format-1 index (written before packed attributes) to format 2 in memory: derives the attribute
 * files from its columns, codes and orders into `derived`. Seconds at 10M influencers, instead of rebuilding
 * the index from the parquet.
 */
export async function upgradeFormat1(
  indexDir: string,
  manifest: IndexManifest,
  derived: Map<string, Uint8Array>,
): Promise<IndexManifest> {
  const layout = attributeLayout(manifest.dictionaries, false, true);
  const regions = [];
  const files = [...manifest.files];
  for (const r of manifest.regions) {
    const region = derivedFiles(indexDir, r.dir, derived);
    const genderCounts = await writeAttributeFiles(region, r.rows, manifest, layout);
    regions.push({ ...r, genderCounts });
    files.push(
      `${r.dir}/${regionFiles.rowAttributes}`,
      ...ATTRIBUTE_ORDERS.map((f) => `${r.dir}/${regionFiles.orderAttributes(f)}`),
    );
  }
  return { ...manifest, formatVersion: 2, regions, attributes: layout, files };
}
