// Loads a snapshot's serving index: each file read whole into its typed array (no per-row work), rows.json
// kept open for positioned reads of the returned rows only.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SNAPSHOT_INDEX_DIR, SNAPSHOT_MANIFEST_FILE } from '../snapshot/schema.ts';
import {
  CODED_FIELDS,
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
import {
  IndexSearcher,
  type CodeColumn,
  type IndexDictionaries,
  type NumericColumn,
  type PlanKind,
  type PostingLists,
  type RegionIndex,
} from './search/index.ts';
import { RANGE_FIELDS, type InfluencerQuery } from './query.ts';
import { ATTRIBUTE_ORDERS, upgradeFormat1, type AttributeArray } from './attributes.ts';
import { RANK_ORDERS, rankedFields, upgradeFormat2, upgradeFormat4 } from './ranks.ts';
import { PRODUCT_ORDERS, productBits, upgradeFormat3 } from './products.ts';
import type { SearchResult, ServingIndex } from './types.ts';

export class IndexLoadError extends Error {}

/** Upgrade steps by the format they read; each writes the files the next format adds and returns its manifest. */
const UPGRADES: Readonly<
  Record<number, (indexDir: string, manifest: IndexManifest) => Promise<IndexManifest>>
> = {
  1: upgradeFormat1, // packed attributes
  2: upgradeFormat2, // rank buckets per sort order
  3: upgradeFormat3, // product bytes
  4: upgradeFormat4, // rank buckets in row order
};

/** A loaded index, with what benchmarks and operators want to know about it. */
export interface LoadedServingIndex extends ServingIndex {
  /** Influencers in the index. */
  readonly rows: number;
  /** Bytes held in memory by the index's arrays (rows.json stays on disk). */
  readonly residentBytes: number;
  /** Plan used by the last search (for benchmarks and tests). */
  readonly lastPlan: PlanKind;
}

type ArrayKind = 'int32' | 'float64' | 'uint8' | 'uint16' | 'uint32';

async function readArray(path: string, kind: 'int32' | 'float64'): Promise<NumericColumn>;
async function readArray(path: string, kind: 'uint8' | 'uint16' | 'uint32'): Promise<CodeColumn>;
async function readArray(path: string, kind: ArrayKind): Promise<NumericColumn | CodeColumn> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new IndexLoadError(`serving index file missing or unreadable: ${path} (${code})`);
  }
  try {
    const { size } = fstatSync(fd);
    // A fresh ArrayBuffer per file (aligned for every element type), not zero-filled since it is read over
    // whole. Synchronous reads: fewer round trips through the thread pool; loading is start-up work anyway.
    const bytes = new Uint8Array(Buffer.allocUnsafeSlow(size).buffer, 0, size);
    const buffer = bytes.buffer;
    let done = 0;
    while (done < size) {
      const read = readSync(fd, bytes, done, size - done, done);
      if (read === 0) break;
      done += read;
    }
    const width = kind === 'float64' ? 8 : kind === 'uint8' ? 1 : kind === 'uint16' ? 2 : 4;
    if (done !== size || size % width !== 0)
      throw new IndexLoadError(`serving index file ${path} is truncated (${done} of ${size} bytes)`);
    switch (kind) {
      case 'int32':
        return new Int32Array(buffer);
      case 'float64':
        return new Float64Array(buffer);
      case 'uint8':
        return bytes;
      case 'uint16':
        return new Uint16Array(buffer);
      case 'uint32':
        return new Uint32Array(buffer);
    }
  } finally {
    closeSync(fd);
  }
}

async function readU32(path: string, length?: number): Promise<Uint32Array> {
  const array = (await readArray(path, 'uint32')) as Uint32Array;
  if (length !== undefined && array.length !== length)
    throw new IndexLoadError(`serving index file ${path} has ${array.length} entries, expected ${length}`);
  return array;
}

/** Loads `<snapshotDir>/index/` (written by buildServingIndex) for searching. */
export async function loadServingIndex(snapshotDir: string): Promise<LoadedServingIndex> {
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
  // Older formats lack only derived files: each step adds them in place rather than ask for a rebuild.
  for (let step = UPGRADES[manifest.formatVersion]; step; step = UPGRADES[manifest.formatVersion]) {
    const from = manifest.formatVersion;
    try {
      manifest = await step(indexDir, manifest);
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
  const regions = new Map<string, RegionIndex>();
  const fds: number[] = [];
  let residentBytes = 0;
  const count = (a: ArrayBufferView) => ((residentBytes += a.byteLength), a);
  try {
    for (const r of manifest.regions) {
      const dir = join(indexDir, r.dir);
      const columns = new Map<string, NumericColumn>();
      for (const field of NUMERIC_COLUMNS) {
        // sales_flag is only ever tested through the packed attributes: its column stays on disk.
        if (field === 'sales_flag') continue;
        const column = await readArray(
          join(dir, regionFiles.column(field)),
          manifest.columns[field] ?? 'float64',
        );
        if (column.length !== r.rows)
          throw new IndexLoadError(
            `serving index column ${field} of ${r.region} has ${column.length} rows, expected ${r.rows}`,
          );
        columns.set(field, count(column) as NumericColumn);
      }
      const orders = new Map<string, Uint32Array>();
      for (const field of ORDERED_FIELDS)
        orders.set(field, count(await readU32(join(dir, regionFiles.order(field)), r.rows)) as Uint32Array);
      const codes = {} as Record<CodedField, CodeColumn>;
      for (const field of CODED_FIELDS) {
        const width = codeWidth(manifest.dictionaries[field].length);
        codes[field] = count(await readArray(join(dir, regionFiles.codes(field)), width)) as CodeColumn;
      }
      const postings = {} as Record<PostingGroup, PostingLists>;
      for (const group of POSTING_GROUPS) {
        const starts = count(await readU32(join(dir, regionFiles.postingStarts(group)))) as Uint32Array;
        const rows = count(await readU32(join(dir, regionFiles.postings(group)))) as Uint32Array;
        postings[group] = { starts, rows };
      }
      const productCategoryMask = count(
        await readU32(join(dir, regionFiles.productCategoryMask), r.rows * manifest.productCategoryWords),
      ) as Uint32Array;
      const jsonOffsets = count(
        await readArray(join(dir, regionFiles.rowOffsets), 'float64'),
      ) as Float64Array;
      if (jsonOffsets.length !== r.rows + 1 || jsonOffsets[r.rows] !== r.jsonBytes)
        throw new IndexLoadError(`serving index row offsets of ${r.region} do not match its manifest`);
      const attributeKind = manifest.attributes.width;
      const rowAttributes = count(
        await readArray(join(dir, regionFiles.rowAttributes), attributeKind),
      ) as AttributeArray;
      const orderAttributes = new Map<string, AttributeArray>();
      for (const field of ATTRIBUTE_ORDERS) {
        const a = (await readArray(
          join(dir, regionFiles.orderAttributes(field)),
          attributeKind,
        )) as AttributeArray;
        if (a.length !== r.rows)
          throw new IndexLoadError(
            `serving index attributes of ${r.region} (${field}) have ${a.length} rows`,
          );
        orderAttributes.set(field, count(a) as AttributeArray);
      }
      const ranks = new Map<string, ReadonlyMap<string, Uint8Array>>();
      for (const sortField of RANK_ORDERS) {
        const fields = rankedFields(sortField);
        const all = count(await readArray(join(dir, regionFiles.ranks(sortField)), 'uint8')) as Uint8Array;
        if (all.length !== r.rows * fields.length)
          throw new IndexLoadError(
            `serving index ranks of ${r.region} (${sortField}) have ${all.length} bytes`,
          );
        ranks.set(sortField, new Map(fields.map((f, k) => [f, all.subarray(k * r.rows, (k + 1) * r.rows)])));
      }
      const allRowRanks = count(await readArray(join(dir, regionFiles.rowRanks), 'uint8')) as Uint8Array;
      if (allRowRanks.length !== r.rows * RANGE_FIELDS.length)
        throw new IndexLoadError(`serving index row ranks of ${r.region} have ${allRowRanks.length} bytes`);
      const rowRanks = new Map(
        RANGE_FIELDS.map((f, k) => [f as string, allRowRanks.subarray(k * r.rows, (k + 1) * r.rows)]),
      );
      const productBytes = new Map<string, Uint8Array>();
      for (const sortField of PRODUCT_ORDERS) {
        const bytes = count(
          await readArray(join(dir, regionFiles.products(sortField)), 'uint8'),
        ) as Uint8Array;
        if (bytes.length !== r.rows)
          throw new IndexLoadError(
            `serving index products of ${r.region} (${sortField}) have ${bytes.length} bytes`,
          );
        productBytes.set(sortField, bytes);
      }
      if (rowAttributes.length !== r.rows || r.genderCounts.length !== manifest.dictionaries.gender.length)
        throw new IndexLoadError(`serving index attributes of ${r.region} do not match its manifest`);
      const jsonFd = openSync(join(dir, regionFiles.rowsJson), 'r');
      fds.push(jsonFd);
      regions.set(r.region, {
        region: r.region,
        rows: r.rows,
        columns,
        orders,
        codes,
        postings,
        productCategoryMask,
        jsonOffsets,
        jsonFd,
        rowAttributes,
        orderAttributes,
        ranks,
        rowRanks,
        productBytes,
        productBits: productBits(postings.product_category.starts),
        genderCounts: r.genderCounts,
      });
    }
  } catch (err) {
    for (const fd of fds) closeSync(fd);
    throw err;
  }
  const dictionaries: IndexDictionaries = {
    codes: Object.fromEntries(
      CODED_FIELDS.map((f) => [f, new Map(manifest.dictionaries[f].map((v, i) => [v, i]))]),
    ) as Record<CodedField, Map<string, number>>,
    productCategories: new Map(manifest.productCategoryIds.map((id, i) => [id, i])),
    productCategoryWords: manifest.productCategoryWords,
    attributes: manifest.attributes,
  };
  const maxRegionRows = Math.max(0, ...manifest.regions.map((r) => r.rows));
  const searcher = new IndexSearcher(regions, dictionaries, maxRegionRows);
  let closed = false;
  return {
    version: String(snapshot.version ?? ''),
    asOf: String(snapshot.asOf ?? ''),
    regions: manifest.regions.filter((r) => r.rows > 0).map((r) => r.region),
    rows: manifest.rows,
    // Scratch for the gather plan (candidates, keys, bitset) is allocated on first use: 12 bytes per row of
    // the largest region, plus 1 bit.
    residentBytes: residentBytes + maxRegionRows * 12 + (maxRegionRows >>> 3),
    get lastPlan() {
      return searcher.lastPlan;
    },
    search(query: InfluencerQuery): SearchResult {
      if (closed) throw new Error('serving index is closed');
      return searcher.search(query);
    },
    close() {
      if (closed) return;
      closed = true;
      for (const fd of fds) closeSync(fd);
    },
  };
}
