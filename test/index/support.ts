// Shared by the index tests: a snapshot's files as they are on disk, and an index made what an earlier build
// wrote.
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { KEYWORD_FILES, KEYWORD_FILES_6, forEachWord } from '../../src/index/keyword/index.ts';

/** Every file under `dir` (recursively): its path relative to `dir`, size and sha256. */
export async function fileHashes(dir: string): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const bytes = await readFile(path);
    hashes.set(relative(dir, path), `${bytes.length} ${createHash('sha256').update(bytes).digest('hex')}`);
  }
  return new Map([...hashes].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Files each index format added (the format-1 files are the rest). */
const ADDED_IN: readonly (readonly [number, RegExp])[] = [
  [2, /\/attrs[-.][^/]*$/], // packed attributes
  [3, /\/ranks-[^/]*$/], // rank buckets per sort order
  [4, /\/products-[^/]*$/], // product bytes
  [5, /\/ranks\.u8$/], // rank buckets in row order
];

/** Columns (and orders) and lookup files format 6 added. */
const FORMAT_6_COLUMNS = [
  'total_sale_gmv_30d_amt',
  'total_followers_7d_cnt',
  'ec_score',
  'total_sale_gmv_amt',
  'has_contact_email',
];
const FORMAT_6 = new RegExp(`/((col|order)-(${FORMAT_6_COLUMNS.join('|')})\\.(bin|u32)|lookup-.*)$`);
const FIGURES = [
  'per_views_avg_cnt',
  'total_views_7d_cnt',
  'per_video_product_views_avg_cnt',
  'product_category_ids',
];

/** Rewrites a region's rows.json (and offsets) without format 6's figures, as a format-5 build wrote it. */
async function dropFigures(regionDir: string): Promise<number> {
  const json = await readFile(join(regionDir, 'rows.json'));
  const raw = await readFile(join(regionDir, 'rows.offsets.f64'));
  const offsets = new Float64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const parts: Buffer[] = [];
  const out = new Float64Array(offsets.length);
  for (let r = 0; r + 1 < offsets.length; r++) {
    const item = JSON.parse(json.toString('utf8', offsets[r], offsets[r + 1])) as Record<string, unknown>;
    for (const f of FIGURES) delete item[f];
    const text = JSON.stringify(item).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    parts.push(Buffer.from(text));
    out[r + 1] = out[r]! + Buffer.byteLength(text);
  }
  await writeFile(join(regionDir, 'rows.json'), Buffer.concat(parts));
  await writeFile(join(regionDir, 'rows.offsets.f64'), new Uint8Array(out.buffer));
  return out[out.length - 1]!;
}

/** Writes a region's keyword dictionary as format 6 did (words concatenated, starts, cumulative rows, posting
 *  starts) in place of format 7's front-coded one. */
async function keywordAsFormat6(regionDir: string): Promise<boolean> {
  let dict: Buffer;
  try {
    dict = await readFile(join(regionDir, KEYWORD_FILES.dict));
  } catch {
    return false;
  }
  const raw = await readFile(join(regionDir, KEYWORD_FILES.blocks));
  const blocks = new Uint32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const words: Buffer[] = [];
  const termStarts = [0];
  const docs = [0];
  const postingStarts = [0];
  forEachWord({ dict, blocks, postings: new Uint8Array(0) }, (word, rows, _from, to) => {
    words.push(Buffer.from(word));
    termStarts.push(termStarts[termStarts.length - 1]! + word.length);
    docs.push(docs[docs.length - 1]! + rows);
    postingStarts.push(to);
  });
  const u32 = (values: number[]) => new Uint8Array(Uint32Array.from(values).buffer);
  await writeFile(join(regionDir, KEYWORD_FILES_6.terms), Buffer.concat(words));
  await writeFile(join(regionDir, KEYWORD_FILES_6.termStarts), u32(termStarts));
  await writeFile(join(regionDir, KEYWORD_FILES_6.docs), u32(docs));
  await writeFile(join(regionDir, KEYWORD_FILES_6.postingStarts), u32(postingStarts));
  await rm(join(regionDir, KEYWORD_FILES.dict));
  await rm(join(regionDir, KEYWORD_FILES.blocks));
  return true;
}

/** Makes the built index of `snapshotDir` what a format-`format` build wrote: the files later formats added
 *  removed, the manifest rewritten. Format 6 (and before): has_contact_email's order and rank buckets (their
 *  content is not read: the upgrade drops them), no attribute flags, the keyword dictionary of format 6. */
export async function downgradeIndex(snapshotDir: string, format: 1 | 2 | 3 | 4 | 5 | 6): Promise<void> {
  const indexDir = join(snapshotDir, 'index');
  const manifestPath = join(indexDir, 'manifest.json');
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Record<string, unknown> & {
    regions: Record<string, unknown>[];
    files: string[];
    attributes?: { flags?: { showCaseZero: number } };
  };
  if (manifest.attributes?.flags?.showCaseZero !== 0)
    throw new Error(
      'downgradeIndex: only for a show_case_flag of 0 and 1 (the fields then sit as in format 6)',
    );
  delete manifest.attributes?.flags;
  for (const r of manifest.regions) {
    const regionDir = join(indexDir, r.dir as string);
    if (await keywordAsFormat6(regionDir)) {
      manifest.files = manifest.files.filter(
        (f) => !f.endsWith(`/${KEYWORD_FILES.dict}`) && !f.endsWith(`/${KEYWORD_FILES.blocks}`),
      );
      manifest.files.push(...Object.values(KEYWORD_FILES_6).map((f) => `${r.dir as string}/${f}`));
    }
  }
  if (format === 6) {
    for (const r of manifest.regions) {
      const regionDir = join(indexDir, r.dir as string);
      const rows = r.rows as number;
      const ranks = await readFile(join(regionDir, 'ranks.u8'));
      await writeFile(join(regionDir, 'ranks.u8'), Buffer.concat([ranks, Buffer.alloc(rows)]));
      await writeFile(join(regionDir, 'order-has_contact_email.u32'), Buffer.alloc(4 * rows));
      manifest.files.push(`${r.dir as string}/order-has_contact_email.u32`);
    }
    manifest.formatVersion = 6;
    await writeFile(manifestPath, JSON.stringify(manifest));
    return;
  }
  const later = (file: string) =>
    ADDED_IN.some(([since, pattern]) => since > format && pattern.test(file)) || FORMAT_6.test(file);
  // Format 6: rows.json items without the figures it added, and format 5's rank buckets in row order.
  for (const r of manifest.regions) r.jsonBytes = await dropFigures(join(indexDir, r.dir as string));
  for (const field of FORMAT_6_COLUMNS) delete (manifest.columns as Record<string, unknown>)[field];
  delete manifest.rowsWithoutFigures;
  if (format === 5)
    for (const r of manifest.regions) {
      const path = join(indexDir, r.dir as string, 'ranks.u8');
      const bytes = await readFile(path);
      await writeFile(path, bytes.subarray(0, 7 * (r.rows as number)));
    }
  for (const file of manifest.files.filter(later)) await rm(join(indexDir, file));
  manifest.files = manifest.files.filter((f) => !later(f));
  if (format === 1) {
    for (const r of manifest.regions) delete r.genderCounts;
    delete manifest.attributes;
  }
  manifest.formatVersion = format;
  await writeFile(manifestPath, JSON.stringify(manifest));
}

/** Items of a page with product_category_ids distinct and sorted: an upgraded format-5 index serves them from
 *  its product mask (distinct, by id), a format-6 build as the snapshot lists them. */
export function canonicalItems(items: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  return items.map((item) =>
    Array.isArray(item.product_category_ids)
      ? { ...item, product_category_ids: [...new Set(item.product_category_ids as string[])].sort() }
      : item,
  );
}
