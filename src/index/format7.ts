// Upgrades a format-6 index to format 7 in memory (into `derived`; the snapshot folder is never written):
// the columns whose values fit narrowed to Int16, the packed attributes rewritten with has_contact_email as a
// bit (and no show_case_flag = 0 bit when the flag is only ever 0 or 1), the rank buckets in row order without
// has_contact_email's, its order dropped, the keyword dictionary front-coded.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { derivedFiles } from './files.ts';
import { KEYWORD_FILES, KEYWORD_FILES_6, frontCode } from './keyword/index.ts';
import { FILTERED_FIELDS, columnArray, regionFiles, type IndexManifest } from './layout.ts';
import { attributeLayout, writeAttributeFiles } from './attributes.ts';

/** Whether every region's show_case_flag is 0 or 1 (read from its column). */
async function showCaseBinary(indexDir: string, manifest: IndexManifest, derived: Map<string, Uint8Array>) {
  for (const r of manifest.regions) {
    const buffer = await derivedFiles(indexDir, r.dir, derived).read(regionFiles.column('show_case_flag'));
    const values = columnArray(buffer, manifest.columns.show_case_flag);
    for (const v of values) if (v !== 0 && v !== 1) return false;
  }
  return true;
}

export async function upgradeFormat6(
  indexDir: string,
  manifest: IndexManifest,
  derived: Map<string, Uint8Array>,
): Promise<IndexManifest> {
  const layout = attributeLayout(manifest.dictionaries, await showCaseBinary(indexDir, manifest, derived));
  // Int32 columns whose values all fit in 16 bits, in every region, narrowed as a format-7 build does.
  const columns = { ...manifest.columns };
  const narrowed = new Map<string, Int16Array[]>();
  for (const [field, type] of Object.entries(manifest.columns)) {
    if (type !== 'int32') continue;
    const parts: Int16Array[] = [];
    for (const r of manifest.regions) {
      const values = new Int32Array(
        await derivedFiles(indexDir, r.dir, derived).read(regionFiles.column(field)),
      );
      const short = Int16Array.from(values);
      if (!values.every((v, i) => v === short[i])) break;
      parts.push(short);
    }
    if (parts.length < manifest.regions.length) continue;
    narrowed.set(field, parts);
    columns[field] = 'int16';
  }
  for (const [field, parts] of narrowed)
    for (const [k, r] of manifest.regions.entries())
      await derivedFiles(indexDir, r.dir, derived).write(regionFiles.column(field), parts[k]!);
  const dropped = new Set(manifest.regions.map((r) => `${r.dir}/${regionFiles.order('has_contact_email')}`));
  const added: string[] = [];
  for (const r of manifest.regions) {
    const files = derivedFiles(indexDir, r.dir, derived);
    await writeAttributeFiles(files, r.rows, { ...manifest, columns }, layout);
    // Format 6's blocks: the range fields, then has_contact_email's.
    const ranks = new Uint8Array(await files.read(regionFiles.rowRanks));
    await files.write(regionFiles.rowRanks, ranks.subarray(0, FILTERED_FIELDS.length * r.rows));
    if (existsSync(join(indexDir, r.dir, KEYWORD_FILES_6.terms))) {
      const read = async (name: string) => new Uint8Array(await files.read(name));
      const u32 = async (name: string) => new Uint32Array(await files.read(name));
      const { dict, blocks } = frontCode(
        await read(KEYWORD_FILES_6.terms),
        await u32(KEYWORD_FILES_6.termStarts),
        await u32(KEYWORD_FILES_6.postingStarts),
        await u32(KEYWORD_FILES_6.docs),
        new Uint8Array(0),
      );
      await files.write(KEYWORD_FILES.dict, dict);
      await files.write(KEYWORD_FILES.blocks, blocks);
      for (const name of Object.values(KEYWORD_FILES_6)) dropped.add(`${r.dir}/${name}`);
      added.push(`${r.dir}/${KEYWORD_FILES.dict}`, `${r.dir}/${KEYWORD_FILES.blocks}`);
    }
  }
  return {
    ...manifest,
    formatVersion: 7,
    columns,
    attributes: layout,
    files: [...manifest.files.filter((f) => !dropped.has(f)), ...added],
  };
}
