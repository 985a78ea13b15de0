// Hydration: the page's rows as the JSON array the API splices into its envelope, copied from rows.json.
import { isAscii } from 'node:buffer';
import { readSync } from 'node:fs';
import { rowOffset } from '../offsets.ts';
import type { RegionIndex } from './region.ts';
import type { SearchScratch } from './scratch.ts';
/** The page's rows as a JSON array, read from rows.json with one positioned read per row. `productIds`: the
 *  index's product category ids by position (for an index whose items lack format 6's figures). */
export function hydrate(
  s: SearchScratch,
  region: RegionIndex,
  n: number,
  productIds: readonly string[],
): string {
  if (region.rowsWithoutFigures) return hydrateWithFigures(s, region, n, productIds);
  let length = 2 + n - 1;
  for (let i = 0; i < n; i++) {
    const row = s.page[i]!;
    length += rowOffset(region.jsonOffsets, row + 1) - rowOffset(region.jsonOffsets, row);
  }
  if (s.json.length < length) s.json = Buffer.alloc(Math.max(length, s.json.length * 2));
  const buf = s.json;
  let at = 0;
  buf[at++] = 0x5b; // [
  for (let i = 0; i < n; i++) {
    if (i > 0) buf[at++] = 0x2c; // ,
    const row = s.page[i]!;
    const start = rowOffset(region.jsonOffsets, row);
    const bytes = rowOffset(region.jsonOffsets, row + 1) - start;
    let done = 0;
    while (done < bytes) {
      const read = readSync(region.jsonFd, buf, at + done, bytes - done, start + done);
      if (read === 0) throw new Error(`rows.json of region ${region.region} is shorter than its offsets`);
      done += read;
    }
    at += bytes;
  }
  buf[at++] = 0x5d; // ]
  // Indexes built since non-ASCII is escaped are ASCII: decoded as such (a fast copy); earlier ones as UTF-8.
  return isAscii(buf.subarray(0, at)) ? buf.toString('latin1', 0, at) : buf.toString('utf8', 0, at);
}

/** The figures format 6 serves, as the JSON members appended to an older index's item. */
function figures(region: RegionIndex, row: number, productIds: readonly string[]): string {
  const c = region.columns;
  const words = region.productCategoryMask.length / region.rows;
  const ids: string[] = [];
  for (let w = 0; w < words; w++) {
    const bits = region.productCategoryMask[row * words + w]!;
    for (let b = 0; b < 32; b++) if ((bits & (1 << b)) !== 0) ids.push(productIds[w * 32 + b]!);
  }
  return (
    `,"per_views_avg_cnt":${c.get('per_views_avg_cnt')![row]},` +
    `"total_views_7d_cnt":${c.get('total_views_7d_cnt')![row]},` +
    `"per_video_product_views_avg_cnt":${c.get('per_video_product_views_avg_cnt')![row]},` +
    `"product_category_ids":${JSON.stringify(ids)}`
  );
}

/** hydrate for an upgraded format-5 index: each item with the figures appended (from the columns). */
function hydrateWithFigures(
  s: SearchScratch,
  region: RegionIndex,
  n: number,
  productIds: readonly string[],
): string {
  const items: string[] = [];
  for (let i = 0; i < n; i++) {
    const row = s.page[i]!;
    const start = rowOffset(region.jsonOffsets, row);
    const bytes = rowOffset(region.jsonOffsets, row + 1) - start;
    const buf = Buffer.allocUnsafe(bytes);
    let done = 0;
    while (done < bytes) {
      const read = readSync(region.jsonFd, buf, done, bytes - done, start + done);
      if (read === 0) throw new Error(`rows.json of region ${region.region} is shorter than its offsets`);
      done += read;
    }
    const item = buf.toString('utf8');
    items.push(`${item.slice(0, item.lastIndexOf('}'))}${figures(region, row, productIds)}}`);
  }
  return `[${items.join(',')}]`;
}
