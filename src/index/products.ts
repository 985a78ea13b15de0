// Product bytes: a product_category_id condition tested with a sequential one-byte read in a walk of a sort
// order, instead of a random read of the row's product mask. Bit i (i < 7) says the row has the region's i-th
// most common product category id; bit 7 that it has any other. Most influencers have no product at all (byte
// 0: rejected at once); a row with only "other" ids wanted by the query is checked on its mask.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { INDEX_MANIFEST_FILE, regionFiles, type IndexManifest } from './layout.ts';
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

async function readU32(path: string): Promise<Uint32Array> {
  const bytes = await readFile(path);
  return new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** Writes a region's product byte files (`products-<sort field>.u8`) from its mask, postings and orders. */
export async function writeProductFiles(regionDir: string, rows: number, words: number): Promise<void> {
  const mask = await readU32(join(regionDir, regionFiles.productCategoryMask));
  const bits = productBits(await readU32(join(regionDir, regionFiles.postingStarts('product_category'))));
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
    const order = await readU32(join(regionDir, regionFiles.order(field)));
    for (let p = 0; p < rows; p++) out[p] = byRow[order[p]!]!;
    await writeFile(join(regionDir, regionFiles.products(field)), out);
  }
}

/** Upgrades a format-3 index (before product bytes) to format 4 in place; the manifest is rewritten last. */
export async function upgradeFormat3(indexDir: string, manifest: IndexManifest): Promise<IndexManifest> {
  const files = [...manifest.files];
  for (const r of manifest.regions) {
    await writeProductFiles(join(indexDir, r.dir), r.rows, manifest.productCategoryWords);
    files.push(...PRODUCT_ORDERS.map((f) => `${r.dir}/${regionFiles.products(f)}`));
  }
  const upgraded: IndexManifest = { ...manifest, formatVersion: 4, files };
  const path = join(indexDir, INDEX_MANIFEST_FILE);
  await writeFile(`${path}.tmp`, JSON.stringify(upgraded, null, 2) + '\n');
  await rename(`${path}.tmp`, path);
  return upgraded;
}
