// Rank buckets: a range condition tested with a sequential one-byte read instead of a random read of its column.
// A row's rank in a range field is its position in that field's sorted order; a range [min, max] is exactly a
// slice [lo, hi) of those positions (two binary searches). Cut to 256 equal-count buckets, the rank fits a byte,
// and a bucket lies wholly inside the slice, wholly outside, or on one of its two edges (at most 2/256 of the
// rows, whose value is then read). Each sort order keeps the buckets of every other range field in its own
// sequence, so walking it (or gathering from a range of it) tests ranges with sequential reads; the buckets in
// row order serve random rows (gathers from posting lists): a read of a byte array a quarter to an eighth the
// size of the column, so far fewer cache misses.
import { FILTERED_FIELDS, regionFiles, type IndexManifest } from './layout.ts';
import { derivedFiles, type RegionFiles } from './files.ts';
import { RANGE_FIELDS } from './query.ts';
import { ATTRIBUTE_ORDERS } from './attributes.ts';

export const RANK_BUCKETS = 256;
/** Bucket classes of a range condition: the row fails, passes, or its value must be compared. */
export const RANK_FAIL = 0;
export const RANK_PASS = 1;
export const RANK_CHECK = 2;

/** Sort orders with rank files (user_id order is row order: its column reads are sequential already). */
export const RANK_ORDERS: readonly string[] = ATTRIBUTE_ORDERS;

/** Range fields whose buckets the sort orders keep (those of format 5: later filters read their values, so
 *  resident memory does not grow by a byte per order per filter). */
const ORDER_RANKED_FIELDS: readonly string[] = RANGE_FIELDS.slice(0, 7);

/** Range fields whose buckets a sort order keeps, in file order (its own field is the walk's slice). */
export function rankedFields(sortField: string): readonly string[] {
  return ORDER_RANKED_FIELDS.filter((f) => f !== sortField);
}

/** First rank of bucket b in a region of `rows` rows (bucket of rank p: floor(p * 256 / rows)). */
export function bucketStart(b: number, rows: number): number {
  return Math.ceil((b * rows) / RANK_BUCKETS);
}

/** Fills `into[at .. at + 256)` with the class of each bucket for the rank slice [lo, hi). */
export function rankClasses(lo: number, hi: number, rows: number, into: Uint8Array, at: number): void {
  for (let b = 0; b < RANK_BUCKETS; b++) {
    const start = bucketStart(b, rows);
    const end = bucketStart(b + 1, rows);
    into[at + b] = start >= lo && end <= hi ? RANK_PASS : end <= lo || start >= hi ? RANK_FAIL : RANK_CHECK;
  }
}

/** Writes a region's rank files from its already written orders: `ranks.u8` (row order, one block of `rows`
 *  bytes per range field) and, unless `rowOrderOnly`, `ranks-<sort field>.u8` (one block per ranked field). */
export async function writeRankFiles(
  files: RegionFiles,
  rows: number,
  rowOrderOnly = false,
  fields: readonly string[] = FILTERED_FIELDS,
): Promise<void> {
  const all = new Uint8Array(rows * fields.length);
  const buckets = new Map<string, Uint8Array>();
  for (const [k, field] of fields.entries()) {
    const order = new Uint32Array(await files.read(regionFiles.order(field)));
    const bucket = all.subarray(k * rows, (k + 1) * rows);
    for (let p = 0; p < rows; p++) bucket[order[p]!] = Math.floor((p * RANK_BUCKETS) / rows);
    buckets.set(field, bucket);
  }
  await files.write(regionFiles.rowRanks, all);
  if (rowOrderOnly) return;
  for (const sortField of RANK_ORDERS) {
    const order = new Uint32Array(await files.read(regionFiles.order(sortField)));
    const fields = rankedFields(sortField);
    const out = new Uint8Array(rows * fields.length);
    fields.forEach((field, k) => {
      const bucket = buckets.get(field)!;
      const base = k * rows;
      for (let p = 0; p < rows; p++) out[base + p] = bucket[order[p]!]!;
    });
    await files.write(regionFiles.ranks(sortField), out);
  }
}

/** Upgrades a format-2 index (written before rank files) to format 3 in memory: derives the rank files from
 *  its orders into `derived`. */
export async function upgradeFormat2(
  indexDir: string,
  manifest: IndexManifest,
  derived: Map<string, Uint8Array>,
): Promise<IndexManifest> {
  const files = [...manifest.files];
  for (const r of manifest.regions) {
    await writeRankFiles(derivedFiles(indexDir, r.dir, derived), r.rows, false, ORDER_RANKED_FIELDS);
    files.push(...RANK_ORDERS.map((f) => `${r.dir}/${regionFiles.ranks(f)}`));
  }
  return { ...manifest, formatVersion: 3, files };
}

/** Upgrades a format-4 index (before rank buckets in row order) to format 5 in memory, into `derived`. */
export async function upgradeFormat4(
  indexDir: string,
  manifest: IndexManifest,
  derived: Map<string, Uint8Array>,
): Promise<IndexManifest> {
  const files = [...manifest.files];
  for (const r of manifest.regions) {
    // The fields of format 5 (format 6's upgrade adds the others).
    await writeRankFiles(derivedFiles(indexDir, r.dir, derived), r.rows, true, ORDER_RANKED_FIELDS);
    files.push(`${r.dir}/${regionFiles.rowRanks}`);
  }
  return { ...manifest, formatVersion: 5, files };
}
