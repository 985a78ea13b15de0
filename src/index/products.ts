// Product bytes: a product_category_id condition tested with a sequential one-byte read in a walk of a sort
// order, instead of a random read of the row's product mask. Bit i (i < 7) says the row has the region's i-th
// most common product category id; bit 7 that it has any other. Most influencers have no product at all (byte
// 0: rejected at once); a row with only "other" ids wanted by the query is checked on its mask.
import { regionFiles, type IndexManifest } from './layout.ts';
import { derivedFiles, type RegionFiles } from './files.ts';
import { ATTRIBUTE_ORDERS } from './attributes.ts';

export const PRODUCT_TOP = 7;
export const PRODUCT_OTHER = 0x80;

/** Sort orders with a product byte file. */
export const PRODUCT_ORDERS: readonly string[] = ATTRIBUTE_ORDERS;

/**
 * The byte bit of each product category position in a region: 1 << i for the i-th most common id (most rows
 * first, then lower position), PRODUCT_OTHER for the rest. From the region's posting-list starts.
 */
export function productBits(starts: Uint32Array): Uint8Array {
  const ids = starts.length - 1;
  const byCount = Array.from({ length: ids }, (_, i) => i).sort(
    (a, b) => starts[b + 1]! - starts[b]! - (starts[a + 1]! - starts[a]!) || a - b,
  );
  const bits = new Uint8Array(ids).fill(PRODUCT_OTHER);
  byCount.slice(0, PRODUCT_TOP).forEach((id, i) => (bits[id] = 1 << i));
  return bits;
}

/** Writes a region's product byte files (`products-<sort field>.u8`) from its mask, postings and orders. */
export async function writeProductFiles(files: RegionFiles, rows: number, words: number): Promise<void> {
  const mask = new Uint32Array(await files.read(regionFiles.productCategoryMask));
  const bits = productBits(new Uint32Array(await files.read(regionFiles.postingStarts('product_category'))));
  const byRow = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    let b = 0;
    for (let w = 0; w < words; w++) {
      let m = mask[r * words + w]!;
      while (m !== 0) {
        const low = m & -m;
        b |= bits[w * 32 + 31 - Math.clz32(low)]!;
        m ^= low;
      }
    }
    byRow[r] = b;
  }
  const out = new Uint8Array(rows);
  for (const field of PRODUCT_ORDERS) {
    const order = new Uint32Array(await files.read(regionFiles.order(field)));
    for (let p = 0; p < rows; p++) out[p] = byRow[order[p]!]!;
    await files.write(regionFiles.products(field), out);
  }
}

/** Upgrades a format-3 index (before product bytes) to format 4 in memory, into `derived`. */
export async function upgradeFormat3(
  indexDir: string,
  manifest: IndexManifest,
  derived: Map<string, Uint8Array>,
): Promise<IndexManifest> {
  const files = [...manifest.files];
  for (const r of manifest.regions) {
    await writeProductFiles(derivedFiles(indexDir, r.dir, derived), r.rows, manifest.productCategoryWords);
    files.push(...PRODUCT_ORDERS.map((f) => `${r.dir}/${regionFiles.products(f)}`));
  }
  return { ...manifest, formatVersion: 4, files };
}
