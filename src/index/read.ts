// Reads a snapshot's serving index into typed arrays: each file read whole (no per-row work), older formats
// upgraded in memory (the snapshot folder is never written). Runs in the load worker (load-worker.ts), off the
// request path; the arrays then move to the serving thread without a copy.
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SNAPSHOT_INDEX_DIR, SNAPSHOT_MANIFEST_FILE } from '../snapshot/schema.ts';
import {
  CODED_FIELDS,
  FILTERED_FIELDS,
  INDEX_FORMAT_VERSION,
  INDEX_MANIFEST_FILE,
  NUMERIC_COLUMNS,
  ORDERED_FIELDS,
  POSTING_GROUPS,
  codeWidth,
  regionFiles,
  type CodedField,
  type IndexManifest,
  type PostingGroup,
} from './layout.ts';
import type {
  CodeColumn,
  IndexDictionaries,
  NumericColumn,
  PostingLists,
  RegionIndex,
} from './search/index.ts';
import { upgradeFormat5 } from './commerce.ts';
import { upgradeFormat6 } from './format7.ts';
import { LOOKUP_KEYS, lookupFiles, type LookupKey, type LookupTable } from './lookup.ts';
import { ATTRIBUTE_ORDERS, layoutFlags, upgradeFormat1, type AttributeArray } from './attributes.ts';
import { RANK_ORDERS, rankedFields, upgradeFormat2, upgradeFormat4 } from './ranks.ts';
import {
  KEYWORD_FILES,
  KEYWORD_HEAVY_FILES,
  heavyFromFiles,
  heavyPrefixes,
  type KeywordArrays,
} from './keyword/index.ts';
import { PRODUCT_ORDERS, productBits, upgradeFormat3 } from './products.ts';
import { rowOffsets } from './offsets.ts';
import { packedCodeFields, productKeyCounts, regionKeyCounts } from './key-counts.ts';
import { regionAttributeCounts } from './attribute-counts.ts';

export class IndexLoadError extends Error {}

/** Upgrade steps by the format they read; each derives in memory the files the next format adds (into
 *  `derived`, keyed by their path in the index folder) and returns the manifest of that format. */
const UPGRADES: Readonly<
  Record<
    number,
    (indexDir: string, manifest: IndexManifest, derived: Map<string, Uint8Array>) => Promise<IndexManifest>
  >
> = {
  1: upgradeFormat1, // packed attributes
  2: upgradeFormat2, // rank buckets per sort order
  3: upgradeFormat3, // product bytes
  4: upgradeFormat4, // rank buckets in row order
  5: upgradeFormat5, // commerce columns and orders, has_contact_email
  6: upgradeFormat6, // has_contact_email packed, front-coded keyword dictionary
};

/** A region's arrays as read; the serving thread adds the open rows.json. */
export type RegionArrays = Omit<RegionIndex, 'jsonFd'> & { readonly rowsJsonPath: string };

/** A serving index as read, before its searcher is made. */
export interface IndexParts {
  readonly version: string;
  readonly asOf: string;
  readonly rows: number;
  readonly regions: readonly RegionArrays[];
  readonly dictionaries: IndexDictionaries;
  readonly maxRegionRows: number;
  /** Bytes of the arrays (rows.json stays on disk). */
  readonly arrayBytes: number;
}

type ArrayKind = 'int16' | 'int32' | 'float64' | 'uint8' | 'uint16' | 'uint32';

/** Region files that stay on disk: the rows (read per returned row), and sales_flag and has_contact_email
 *  (tested only through the packed attributes). */
const ON_DISK: ReadonlySet<string> = new Set([
  regionFiles.rowsJson,
  regionFiles.column('sales_flag'),
  regionFiles.column('has_contact_email'),
]);

/** Most bytes in one arena (a typed array view holds fewer than 2^32 elements). */
const ARENA_BYTES = 2 ** 31;

const aligned = (size: number) => Math.ceil(size / 8) * 8;

/**
 * The files of one index folder, held in memory: derived by an upgrade, else read from disk. Every file the
 * manifest lists (but those ON_DISK) gets its place, 8-byte aligned, in a few large ArrayBuffers allocated at
 * once (arenas): the serving thread then takes in one or two buffers, not hundreds, so the memory it is handed
 * counts against its GC heuristics once, and is given back at once on close (load.ts).
 */
class IndexFiles {
  private readonly places = new Map<string, Uint8Array>();
  readonly arenas: ArrayBuffer[] = [];

  constructor(
    private readonly indexDir: string,
    private readonly derived: ReadonlyMap<string, Uint8Array>,
    listed: readonly string[],
    /** Files of a region (by name) kept out of the arenas: on disk, or read only to be converted. */
    outside: ReadonlySet<string>,
  ) {
    const sizes: [string, number][] = [];
    for (const file of listed) {
      if (outside.has(file.slice(file.lastIndexOf('/') + 1))) continue;
      const size = derived.get(file)?.length ?? fileSize(join(indexDir, file));
      if (size !== null) sizes.push([file, size]);
    }
    for (let start = 0; start < sizes.length;) {
      let end = start;
      let bytes = 0;
      while (end < sizes.length && (end === start || bytes + aligned(sizes[end]![1]) <= ARENA_BYTES))
        bytes += aligned(sizes[end++]![1]);
      const arena = new ArrayBuffer(bytes);
      this.arenas.push(arena);
      let offset = 0;
      for (const [file, size] of sizes.slice(start, end)) {
        this.places.set(file, new Uint8Array(arena, offset, size));
        offset += aligned(size);
      }
      start = end;
    }
  }

  /** The whole file `name` of `regionDir` as a typed array of `kind`. */
  read(regionDir: string, name: string, kind: 'float64'): Float64Array;
  read(regionDir: string, name: string, kind: 'int16' | 'int32' | 'float64'): NumericColumn;
  read(regionDir: string, name: string, kind: 'uint8'): Uint8Array;
  read(regionDir: string, name: string, kind: 'uint8' | 'uint16' | 'uint32'): CodeColumn;
  read(regionDir: string, name: string, kind: ArrayKind): NumericColumn | CodeColumn {
    const file = `${regionDir}/${name}`;
    const path = join(this.indexDir, file);
    const derived = this.derived.get(file);
    let bytes = this.places.get(file);
    if (bytes && derived) bytes.set(derived);
    // A file the manifest does not list (or whose size changed) gets a buffer of its own.
    else if (bytes) bytes = readInto(path, bytes) ? bytes : readWhole(path);
    else bytes = derived ?? readWhole(path);
    const width =
      kind === 'float64' ? 8 : kind === 'uint8' ? 1 : kind === 'uint16' || kind === 'int16' ? 2 : 4;
    if (bytes.length % width !== 0)
      throw new IndexLoadError(`serving index file ${path} is truncated (${bytes.length} bytes)`);
    const { buffer, byteOffset } = bytes;
    const length = bytes.length / width;
    switch (kind) {
      case 'int16':
        return new Int16Array(buffer, byteOffset, length);
      case 'int32':
        return new Int32Array(buffer, byteOffset, length);
      case 'float64':
        return new Float64Array(buffer, byteOffset, length);
      case 'uint8':
        return bytes;
      case 'uint16':
        return new Uint16Array(buffer, byteOffset, length);
      case 'uint32':
        return new Uint32Array(buffer, byteOffset, length);
    }
  }

  readU32(regionDir: string, name: string, length?: number): Uint32Array {
    const array = this.read(regionDir, name, 'uint32') as Uint32Array;
    if (length !== undefined && array.length !== length)
      throw new IndexLoadError(
        `serving index file ${join(this.indexDir, regionDir, name)} has ${array.length} entries, expected ${length}`,
      );
    return array;
  }
}

function fileSize(path: string): number | null {
  try {
    return statSync(path).size;
  } catch {
    return null; // reported when read
  }
}

/** Opens a file of the index, or says which and why not. */
function openIndexFile(path: string): number {
  try {
    return openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new IndexLoadError(`serving index file missing or unreadable: ${path} (${code})`);
  }
}

/** Reads the file into `bytes`: false when it is not that size. Synchronous reads: this runs in the load
 *  worker, where nothing else waits. */
function readInto(path: string, bytes: Uint8Array): boolean {
  const fd = openIndexFile(path);
  try {
    if (fstatSync(fd).size !== bytes.length) return false;
    let done = 0;
    while (done < bytes.length) {
      const read = readSync(fd, bytes, done, bytes.length - done, done);
      if (read === 0) return false;
      done += read;
    }
    return true;
  } finally {
    closeSync(fd);
  }
}

/** A file read whole into a fresh ArrayBuffer (aligned for every element type; not zero-filled since it is
 *  read over whole). Synchronous reads: this runs in the load worker, where nothing else waits. */
function readWhole(path: string): Uint8Array {
  const fd = openIndexFile(path);
  try {
    const { size } = fstatSync(fd);
    const bytes = new Uint8Array(Buffer.allocUnsafeSlow(size).buffer, 0, size);
    let done = 0;
    while (done < size) {
      const read = readSync(fd, bytes, done, size - done, done);
      if (read === 0) break;
      done += read;
    }
    if (done !== size)
      throw new IndexLoadError(`serving index file ${path} is truncated (${done} of ${size} bytes)`);
    return bytes;
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads `<snapshotDir>/index/` (written by buildServingIndex), upgrading an older format in memory. With
 * `only` (REGIONS), only those regions' files are read: the others take no memory and are not served.
 */
export async function readServingIndex(snapshotDir: string, only?: readonly string[]): Promise<IndexParts> {
  const indexDir = join(snapshotDir, SNAPSHOT_INDEX_DIR);
  let manifest: IndexManifest;
  let snapshot: { version?: unknown; asOf?: unknown };
  try {
    manifest = JSON.parse(await readFile(join(indexDir, INDEX_MANIFEST_FILE), 'utf8')) as IndexManifest;
    snapshot = JSON.parse(
      await readFile(join(snapshotDir, SNAPSHOT_MANIFEST_FILE), 'utf8'),
    ) as typeof snapshot;
  } catch (err) {
    throw new IndexLoadError(`cannot read the serving index of ${snapshotDir}: ${(err as Error).message}`);
  }
  // Older formats lack only derived files: each step derives them in memory rather than ask for a rebuild.
  const derived = new Map<string, Uint8Array>();
  for (let step = UPGRADES[manifest.formatVersion]; step; step = UPGRADES[manifest.formatVersion]) {
    const from = manifest.formatVersion;
    try {
      manifest = await step(indexDir, manifest, derived);
      if (manifest.formatVersion <= from)
        throw new Error(`the step left it at format ${manifest.formatVersion}`);
    } catch (err) {
      throw new IndexLoadError(
        `cannot upgrade the format-${from} serving index of ${snapshotDir}: ${(err as Error).message}`,
      );
    }
  }
  if (manifest.formatVersion !== INDEX_FORMAT_VERSION)
    throw new IndexLoadError(
      `serving index of ${snapshotDir} has format ${manifest.formatVersion}, this build reads ${INDEX_FORMAT_VERSION}: rebuild it`,
    );
  if (only) {
    const skipped = manifest.regions.filter((r) => !only.includes(r.region)).map((r) => `${r.dir}/`);
    manifest = {
      ...manifest,
      regions: manifest.regions.filter((r) => only.includes(r.region)),
      rows: manifest.regions.reduce((n, r) => n + (only.includes(r.region) ? r.rows : 0), 0),
      files: manifest.files.filter((f) => !skipped.some((dir) => f.startsWith(dir))),
    };
  }
  // Codes of the fields the packed attributes hold are never read by a search: left on disk, and so is
  // show_case_flag's column unless the flag has values other than 0 and 1 (no packed bit says those). The row
  // offsets are read outside the arenas, then held in half the bytes (offsets.ts).
  const packedCodes = CODED_FIELDS.filter((f) => manifest.attributes.fields[f] !== undefined);
  const outside = new Set([...ON_DISK, ...packedCodes.map(regionFiles.codes), regionFiles.rowOffsets]);
  if (layoutFlags(manifest.attributes).showCaseZero === 0) outside.add(regionFiles.column('show_case_flag'));
  const files = new IndexFiles(indexDir, derived, manifest.files, outside);
  const regions: RegionArrays[] = [];
  let arrayBytes = 0;
  const count = <T extends ArrayBufferView>(a: T): T => ((arrayBytes += a.byteLength), a);
  for (const r of manifest.regions) {
    const dir = r.dir;
    const columns = new Map<string, NumericColumn>();
    for (const field of NUMERIC_COLUMNS) {
      if (outside.has(regionFiles.column(field))) continue;
      const column = files.read(dir, regionFiles.column(field), manifest.columns[field] ?? 'float64');
      if (column.length !== r.rows)
        throw new IndexLoadError(
          `serving index column ${field} of ${r.region} has ${column.length} rows, expected ${r.rows}`,
        );
      columns.set(field, count(column));
    }
    const orders = new Map<string, Uint32Array>();
    for (const field of ORDERED_FIELDS)
      orders.set(field, count(files.readU32(dir, regionFiles.order(field), r.rows)));
    const codes = {} as Record<CodedField, CodeColumn>;
    for (const field of CODED_FIELDS) {
      const width = codeWidth(manifest.dictionaries[field].length);
      codes[field] = packedCodes.includes(field)
        ? new Uint8Array(0)
        : count(files.read(dir, regionFiles.codes(field), width));
    }
    const postings = {} as Record<PostingGroup, PostingLists>;
    for (const group of POSTING_GROUPS) {
      const starts = count(files.readU32(dir, regionFiles.postingStarts(group)));
      const rows = count(files.readU32(dir, regionFiles.postings(group)));
      postings[group] = { starts, rows };
    }
    const productCategoryMask = count(
      files.readU32(dir, regionFiles.productCategoryMask, r.rows * manifest.productCategoryWords),
    );
    const fileOffsets = files.read(dir, regionFiles.rowOffsets, 'float64');
    if (fileOffsets.length !== r.rows + 1 || fileOffsets[r.rows] !== r.jsonBytes)
      throw new IndexLoadError(`serving index row offsets of ${r.region} do not match its manifest`);
    const jsonOffsets = rowOffsets(fileOffsets);
    count(jsonOffsets.bases);
    count(jsonOffsets.deltas);
    const attributeKind = manifest.attributes.width;
    const rowAttributes = count(files.read(dir, regionFiles.rowAttributes, attributeKind) as AttributeArray);
    const orderAttributes = new Map<string, AttributeArray>();
    for (const field of ATTRIBUTE_ORDERS) {
      const a = files.read(dir, regionFiles.orderAttributes(field), attributeKind) as AttributeArray;
      if (a.length !== r.rows)
        throw new IndexLoadError(`serving index attributes of ${r.region} (${field}) have ${a.length} rows`);
      orderAttributes.set(field, count(a));
    }
    const ranks = new Map<string, ReadonlyMap<string, Uint8Array>>();
    for (const sortField of RANK_ORDERS) {
      const fields = rankedFields(sortField);
      const all = count(files.read(dir, regionFiles.ranks(sortField), 'uint8'));
      if (all.length !== r.rows * fields.length)
        throw new IndexLoadError(
          `serving index ranks of ${r.region} (${sortField}) have ${all.length} bytes`,
        );
      ranks.set(sortField, new Map(fields.map((f, k) => [f, all.subarray(k * r.rows, (k + 1) * r.rows)])));
    }
    const allRowRanks = count(files.read(dir, regionFiles.rowRanks, 'uint8'));
    if (allRowRanks.length !== r.rows * FILTERED_FIELDS.length)
      throw new IndexLoadError(`serving index row ranks of ${r.region} have ${allRowRanks.length} bytes`);
    const rowRanks = new Map(
      FILTERED_FIELDS.map((f, k) => [f as string, allRowRanks.subarray(k * r.rows, (k + 1) * r.rows)]),
    );
    const productBytes = new Map<string, Uint8Array>();
    for (const sortField of PRODUCT_ORDERS) {
      const bytes = count(files.read(dir, regionFiles.products(sortField), 'uint8'));
      if (bytes.length !== r.rows)
        throw new IndexLoadError(
          `serving index products of ${r.region} (${sortField}) have ${bytes.length} bytes`,
        );
      productBytes.set(sortField, bytes);
    }
    const lookups = {} as Record<LookupKey, LookupTable>;
    for (const key of LOOKUP_KEYS)
      lookups[key] = {
        hashes: count(files.readU32(dir, lookupFiles.hashes(key), r.rows)),
        rows: count(files.readU32(dir, lookupFiles.rows(key), r.rows)),
      };
    if (rowAttributes.length !== r.rows || r.genderCounts.length !== manifest.dictionaries.gender.length)
      throw new IndexLoadError(`serving index attributes of ${r.region} do not match its manifest`);
    // Key counts per range field's order (key-counts.ts), derived here: a region too small gets none.
    const keyed = regionKeyCounts(FILTERED_FIELDS, orders, rowAttributes, orderAttributes);
    if (keyed) count(keyed.all);
    // Attribute counts per range field's rank buckets (attribute-counts.ts), derived here: large regions only.
    const attributeCounts = regionAttributeCounts(FILTERED_FIELDS, rowRanks, rowAttributes);
    if (attributeCounts)
      [attributeCounts.cells, attributeCounts.values, attributeCounts.totals].forEach(count);
    const productKeys = productKeyCounts(
      productCategoryMask,
      manifest.productCategoryWords,
      rowAttributes,
      packedCodeFields(manifest.attributes),
      // Product range counts share the attribute counts' budget (attribute-counts.ts).
      { rowRanks, usedBytes: attributeCounts?.cells.byteLength ?? 0 },
    );
    if (productKeys) count(productKeys.buffer);
    if (productKeys?.ranges) count(productKeys.ranges.cells);
    const emailBit = layoutFlags(manifest.attributes).contactEmail;
    let contactEmails = 0;
    for (let i = 0; i < r.rows; i++) if ((rowAttributes[i]! & emailBit) !== 0) contactEmails++;
    // The keyword index (keyword/index.ts), absent from an index built before it.
    const dictFile = `${dir}/${KEYWORD_FILES.dict}`;
    const keywordFiles: KeywordArrays | null =
      derived.has(dictFile) || existsSync(join(indexDir, dictFile))
        ? {
            dict: count(files.read(dir, KEYWORD_FILES.dict, 'uint8')),
            blocks: count(files.readU32(dir, KEYWORD_FILES.blocks)),
            postings: count(files.read(dir, KEYWORD_FILES.postings, 'uint8')),
          }
        : null;
    // Heavy prefixes as the build wrote them (keyword files from before them: decoded now, slower).
    const heavy = !keywordFiles
      ? null
      : existsSync(join(indexDir, dir, KEYWORD_HEAVY_FILES.prefixes))
        ? heavyFromFiles(
            await readFile(join(indexDir, dir, KEYWORD_HEAVY_FILES.prefixes), 'utf8'),
            count(files.readU32(dir, KEYWORD_HEAVY_FILES.bits)),
            r.rows,
          )
        : heavyPrefixes(keywordFiles, r.rows);
    if (heavy && !existsSync(join(indexDir, dir, KEYWORD_HEAVY_FILES.prefixes)))
      for (const bits of heavy.values()) count(bits);
    const keyword = keywordFiles && heavy ? { ...keywordFiles, heavy } : null;
    regions.push({
      region: r.region,
      rows: r.rows,
      columns,
      orders,
      codes,
      postings,
      productCategoryMask,
      jsonOffsets,
      rowsJsonPath: join(indexDir, dir, regionFiles.rowsJson),
      rowAttributes,
      orderAttributes,
      ranks,
      rowRanks,
      productBytes,
      productBits: productBits(postings.product_category.starts),
      genderCounts: r.genderCounts,
      contactEmails,
      keyCounts: keyed,
      attributeCounts,
      productKeyCounts: productKeys,
      rowsWithoutFigures: manifest.rowsWithoutFigures === true,
      lookups,
      keyword,
    });
  }
  const dictionaries: IndexDictionaries = {
    codes: Object.fromEntries(
      CODED_FIELDS.map((f) => [f, new Map(manifest.dictionaries[f].map((v, i) => [v, i]))]),
    ) as Record<CodedField, Map<string, number>>,
    productCategories: new Map(manifest.productCategoryIds.map((id, i) => [id, i])),
    productCategoryWords: manifest.productCategoryWords,
    attributes: manifest.attributes,
  };
  return {
    version: String(snapshot.version ?? ''),
    asOf: String(snapshot.asOf ?? ''),
    rows: manifest.rows,
    regions,
    dictionaries,
    maxRegionRows: Math.max(0, ...manifest.regions.map((r) => r.rows)),
    arrayBytes,
  };
}

/** The ArrayBuffers under a read index's arrays, each once: what moves to the serving thread. */
export function indexBuffers(parts: IndexParts): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  const add = (a: ArrayBufferView) => buffers.add(a.buffer as ArrayBuffer);
  for (const r of parts.regions) {
    for (const a of r.columns.values()) add(a);
    for (const a of r.orders.values()) add(a);
    for (const a of Object.values(r.codes)) add(a);
    for (const p of Object.values(r.postings)) {
      add(p.starts);
      add(p.rows);
    }
    for (const a of r.orderAttributes.values()) add(a);
    for (const m of r.ranks.values()) for (const a of m.values()) add(a);
    for (const a of r.rowRanks.values()) add(a);
    for (const a of r.productBytes.values()) add(a);
    if (r.keyCounts) add(r.keyCounts.all);
    if (r.attributeCounts)
      [r.attributeCounts.cells, r.attributeCounts.values, r.attributeCounts.totals].forEach(add);
    if (r.productKeyCounts) add(r.productKeyCounts.buffer);
    if (r.productKeyCounts?.ranges) add(r.productKeyCounts.ranges.cells);
    for (const t of Object.values(r.lookups)) [t.hashes, t.rows].forEach(add);
    [
      r.productCategoryMask,
      r.jsonOffsets.bases,
      r.jsonOffsets.deltas,
      r.rowAttributes,
      r.productBits,
    ].forEach(add);
    if (r.keyword) {
      const { heavy, ...files } = r.keyword;
      Object.values(files).forEach(add);
      heavy.forEach(add);
    }
  }
  return [...buffers];
}
