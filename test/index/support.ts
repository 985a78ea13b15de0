// Shared by the index tests: a snapshot's files as they are on disk, and an index made what an earlier build
// wrote.
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

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

/** Makes the built index of `snapshotDir` what a format-`format` build wrote: the files later formats added
 *  removed, the manifest rewritten. */
export async function downgradeIndex(snapshotDir: string, format: 1 | 2 | 3 | 4): Promise<void> {
  const indexDir = join(snapshotDir, 'index');
  const manifestPath = join(indexDir, 'manifest.json');
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Record<string, unknown> & {
    regions: Record<string, unknown>[];
    files: string[];
  };
  const later = (file: string) => ADDED_IN.some(([since, pattern]) => since > format && pattern.test(file));
  for (const file of manifest.files.filter(later)) await rm(join(indexDir, file));
  manifest.files = manifest.files.filter((f) => !later(f));
  if (format === 1) {
    for (const r of manifest.regions) delete r.genderCounts;
    delete manifest.attributes;
  }
  manifest.formatVersion = format;
  await writeFile(manifestPath, JSON.stringify(manifest));
}
