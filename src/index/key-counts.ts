// Key counts: for each range field's sorted order, cut into buckets of 4096 positions, how many rows of
// each low-attribute key (the packed attributes' six low bits: the sales, show-case and contact-email flags and
// the gender in format 7's layout) lie before each bucket boundary. A range plus equality conditions on those
// bits alone is then counted exactly from two boundaries' counts and the positions of its two edge buckets:
// at most a bucket of rows read, however large the region (search/count.ts). Derived when the index is read
// (no file of its own): about 0.6 bytes per influencer (10 fields × 64 keys × 4 bytes per 4096 rows).
import type { AttributeArray } from './attributes.ts';
import type { AttributeLayout } from './layout.ts';

/** Attribute bits a key holds (any layout: a query whose packed mask has other bits is counted otherwise). */
export const KEY_MASK = 0x3f;
export const KEYS = KEY_MASK + 1;
/** Positions per bucket: a count reads at most half of it on each edge. KOLSCOPE_KEY_BUCKET sets another
 *  (tests: small regions). */
export function keyBucket(): number {
  return Number(process.env.KOLSCOPE_KEY_BUCKET) || 4096;
}

/** The key counts of a region's range fields. */
export interface KeyCounts {
  /** Positions per bucket. */
  readonly bucket: number;
  /** Every field's counts, one after the other. */
  readonly all: Uint32Array;
  readonly fields: ReadonlyMap<string, Uint32Array>;
}

/** Buckets of a region of `rows` rows (the last one possibly partial). */
export function keyBuckets(rows: number, bucket: number): number {
  return Math.ceil(rows / bucket);
}

/** The key counts of each of `fields`' orders, or null for a region under four buckets (its counts are cheap
 *  anyway, and it saves memory). One array for all fields. */
export function regionKeyCounts(
  fields: readonly string[],
  orders: ReadonlyMap<string, Uint32Array>,
  rowAttributes: AttributeArray,
  orderAttributes: ReadonlyMap<string, AttributeArray>,
): KeyCounts | null {
  const bucket = keyBucket();
  const rows = rowAttributes.length;
  if (rows < 4 * bucket) return null;
  const size = (keyBuckets(rows, bucket) + 1) * KEYS;
  const all = new Uint32Array(size * fields.length);
  const map = new Map<string, Uint32Array>();
  // Each row's key, once: an order without an attribute copy reads a byte by row, not its attributes.
  const keys = new Uint8Array(rows);
  for (let row = 0; row < rows; row++) keys[row] = rowAttributes[row]! & KEY_MASK;
  fields.forEach((field, k) => {
    const into = all.subarray(k * size, (k + 1) * size);
    keyCounts(orders.get(field)!, keys, orderAttributes.get(field), bucket, into);
    map.set(field, into);
  });
  return { bucket, all, fields: map };
}

/**
 * Cumulative key counts of one order: entry b * KEYS + k is the number of positions p < min(b * bucket,
 * rows) whose row's attributes have key k, for b in 0..keyBuckets(rows). `inOrder` is the attributes in the
 * order's sequence when there is such a copy (sequential reads), else the rows' keys are read by row.
 */
export function keyCounts(
  order: Uint32Array,
  rowKeys: Uint8Array,
  inOrder: AttributeArray | undefined,
  bucket: number,
  into: Uint32Array,
): Uint32Array {
  const rows = order.length;
  const buckets = keyBuckets(rows, bucket);
  const tally = new Uint32Array(KEYS);
  for (let b = 0; b < buckets; b++) {
    const end = Math.min(rows, (b + 1) * bucket);
    if (inOrder !== undefined) for (let p = b * bucket; p < end; p++) tally[inOrder[p]! & KEY_MASK]!++;
    else for (let p = b * bucket; p < end; p++) tally[rowKeys[order[p]!]!]!++;
    into.set(tally, (b + 1) * KEYS);
  }
  return into;
}

/** Regions from this many rows get product key counts (64 KB: at most half a byte per row at the default
 *  bucket). */
export function productKeysMinRows(): number {
  return 32 * keyBucket();
}

/** A coded field packed above the key bits (category, language): its mask in the attributes and its shift. */
export interface PackedCodeField {
  readonly mask: number;
  readonly shift: number;
}

/** Product key counts of a region (productKeyCounts). */
export interface ProductKeyCounts {
  /** Over all rows: entry s * KEYS + k. */
  readonly all: Uint32Array;
  /** Per coded field packed above the key bits, per code: the same counts over that code's rows alone, for
   *  the codes with productKeysMinRows() / 4 rows or more that have a product (undefined for the others). */
  readonly byCode: readonly {
    readonly field: PackedCodeField;
    readonly tables: (Uint32Array | undefined)[];
  }[];
  /** Every table, one after the other (what it holds in memory). */
  readonly buffer: Uint32Array;
}

/** Entries of one table of product key counts: 256 product byte subsets by KEYS keys (64 KB). */
const TABLE = 256 * KEYS;

/**
 * Product key counts of a region: entry s * KEYS + k of a table is the number of rows whose product byte
 * (products.ts) is a non-zero subset of the bits of s and whose attributes have key k (a sum over subsets, so
 * that the rows whose byte meets a set of bits are those of 255 minus those of its complement: at most 64
 * subtractions per count). One table over all rows, and one per common code of each of `fields` (a language
 * or a category with a product union: its rows tested at random cost 5–10 ns each at 10M). From one sort
 * order's product bytes and attributes in its sequence (the same rows in another order). A product union of
 * the region's most common ids, key conditions and at most one such code is then counted from these
 * (search/count.ts). Null for a region under productKeysMinRows(). A table is 64 KB; a code gets one from
 * productKeysMinRows() / 4 rows with products, so they take at most 2 bytes per such row and field.
 */
export function productKeyCounts(
  bytes: Uint8Array | undefined,
  attributes: AttributeArray | undefined,
  fields: readonly PackedCodeField[],
): ProductKeyCounts | null {
  if (bytes === undefined || attributes === undefined || bytes.length < productKeysMinRows()) return null;
  // Rows with a product per code of each field, then a table for each common code.
  const tallies = fields.map((f) => new Uint32Array((f.mask >>> f.shift) + 1));
  for (let p = 0; p < bytes.length; p++)
    if (bytes[p] !== 0)
      for (let i = 0; i < fields.length; i++)
        tallies[i]![(attributes[p]! & fields[i]!.mask) >>> fields[i]!.shift]!++;
  const minRows = productKeysMinRows() / 4;
  let tables = 1;
  const slots = tallies.map((t) => Array.from(t, (n) => (n >= minRows ? tables++ : -1)));
  const buffer = new Uint32Array(tables * TABLE);
  const table = (slot: number) => buffer.subarray(slot * TABLE, (slot + 1) * TABLE);
  const all = table(0);
  // Per row: its table offsets (all rows', and each field's code's when that code has one).
  const codeSlots = slots.map((s) => Int32Array.from(s, (slot) => (slot < 0 ? -1 : slot * TABLE)));
  for (let p = 0; p < bytes.length; p++) {
    const b = bytes[p]!;
    if (b === 0) continue;
    const a = attributes[p]!;
    const entry = b * KEYS + (a & KEY_MASK);
    buffer[entry]!++;
    for (let i = 0; i < fields.length; i++) {
      const at = codeSlots[i]![(a & fields[i]!.mask) >>> fields[i]!.shift]!;
      if (at >= 0) buffer[at + entry]!++;
    }
  }
  // Sums over subsets, one bit at a time, in every table.
  for (let slot = 0; slot < tables; slot++) {
    const counts = table(slot);
    for (let bit = 1; bit < 256; bit <<= 1)
      for (let set = 0; set < 256; set++)
        if ((set & bit) !== 0)
          for (let k = 0; k < KEYS; k++) counts[set * KEYS + k]! += counts[(set ^ bit) * KEYS + k]!;
  }
  return {
    all,
    byCode: fields.map((field, i) => ({
      field,
      tables: slots[i]!.map((slot) => (slot < 0 ? undefined : table(slot))),
    })),
    buffer,
  };
}

/** The table of product key counts for packed conditions (mask, want), or null when they are on more than
 *  the key bits and one code with a table. */
export function productKeyTable(counts: ProductKeyCounts, mask: number, want: number): Uint32Array | null {
  const rest = mask & ~KEY_MASK;
  if (rest === 0) return counts.all;
  for (const { field, tables } of counts.byCode)
    if (rest === field.mask) return tables[(want & field.mask) >>> field.shift] ?? null;
  return null;
}

/** The coded fields of a layout packed above the key bits. */
export function packedCodeFields(layout: AttributeLayout): PackedCodeField[] {
  const out: PackedCodeField[] = [];
  for (const field of ['category', 'language'] as const) {
    const place = layout.fields[field];
    if (place === undefined || place.shift < 6) continue;
    out.push({ mask: (((1 << place.bits) - 1) << place.shift) | 0, shift: place.shift });
  }
  return out;
}
