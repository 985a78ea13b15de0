// Lookup of influencers by user_id or by handle (unique_id, case-insensitive), for the detail endpoint: per
// region, the 32-bit hashes of the key sorted ascending (ties by row) and the rows in that order. A lookup is a
// binary search per region; a hash match is confirmed on the row's served JSON, so collisions cost a read,
// never a wrong answer. 16 bytes per influencer resident (two keys, hash and row each).
import type { RegionFiles } from './files.ts';

/** The two lookup keys. */
export const LOOKUP_KEYS = ['user_id', 'unique_id'] as const;
export type LookupKey = (typeof LOOKUP_KEYS)[number];

export const lookupFiles = {
  hashes: (key: LookupKey) => `lookup-${key}.hash.u32`,
  rows: (key: LookupKey) => `lookup-${key}.rows.u32`,
} as const;

/** A key's hashes ascending and the row of each. */
export interface LookupTable {
  readonly hashes: Uint32Array;
  readonly rows: Uint32Array;
}

/** The value a key is compared on: user ids as given, handles lower-cased. */
export function lookupValue(key: LookupKey, value: string): string {
  return key === 'unique_id' ? value.toLowerCase() : value;
}

/** FNV-1a over the UTF-16 code units of `s`. */
export function lookupHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Writes the lookup table of `key` from the key's values in row order. */
export async function writeLookupFiles(
  files: RegionFiles,
  key: LookupKey,
  values: readonly string[],
): Promise<void> {
  // (hash, row) packed in 64 bits and sorted: ascending hash, ties by row.
  const packed = new BigUint64Array(values.length);
  for (let r = 0; r < values.length; r++)
    packed[r] = (BigInt(lookupHash(lookupValue(key, values[r]!))) << 32n) | BigInt(r);
  packed.sort();
  const hashes = new Uint32Array(values.length);
  const rows = new Uint32Array(values.length);
  for (let i = 0; i < packed.length; i++) {
    hashes[i] = Number(packed[i]! >> 32n);
    rows[i] = Number(packed[i]! & 0xffffffffn);
  }
  await files.write(lookupFiles.hashes(key), hashes);
  await files.write(lookupFiles.rows(key), rows);
}

/** Positions [from, to) of `hash` in the table (empty when absent). */
export function hashRange(table: LookupTable, hash: number): [number, number] {
  const h = table.hashes;
  let lo = 0;
  let hi = h.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (h[mid]! < hash) lo = mid + 1;
    else hi = mid;
  }
  let end = lo;
  while (end < h.length && h[end] === hash) end++;
  return [lo, end];
}
