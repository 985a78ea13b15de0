// Key counts: for each range field's sorted order, cut into buckets of 4096 positions, how many rows of
// each low-attribute key (the packed attributes' six low bits: the sales, show-case and contact-email flags and
// the gender in format 7's layout) lie before each bucket boundary. A range plus equality conditions on those
// bits alone is then counted exactly from two boundaries' counts and the positions of its two edge buckets:
// at most a bucket of rows read, however large the region (search/count-tables.ts). Derived when the index is
// read (no file of its own): about 0.6 bytes per influencer (10 fields × 64 keys × 4 bytes per 4096 rows).
import type { AttributeArray } from './attributes.ts';
import type { AttributeLayout } from './layout.ts';
import { keyBucketSize } from '../config.ts';
import { groupRangeCounts, type GroupRangeCounts } from './attribute-counts.ts';

/** Attribute bits a key holds (any layout: a query whose packed mask has other bits is counted otherwise). */
export const KEY_MASK = 0x3f;
export const KEYS = KEY_MASK + 1;

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
  // 4096 positions, or KOLSCOPE_KEY_BUCKET (config.ts).
  const bucket = keyBucketSize();
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

/** Regions from this many rows get product key counts (at the default bucket, 128k rows). */
export function productKeysMinRows(): number {
  return 32 * keyBucketSize();
}

/** Product id sets a region's product key counts keep at most (its commonest; 2048 at the default bucket,
 *  fewer with the small buckets of tests): a row with another set is listed and tested at random. */
export function signaturesKept(): number {
  return Math.min(2048, 2 * keyBucketSize());
}

/** A coded field packed above the key bits (category, language): its mask in the attributes and its shift. */
export interface PackedCodeField {
  readonly mask: number;
  readonly shift: number;
}

/** Product key counts of a region (productKeyCounts). */
export interface ProductKeyCounts {
  /** The distinct product id sets kept (signatures), as masks of `words` words each, commonest first. */
  readonly signatures: Uint32Array;
  readonly count: number;
  readonly words: number;
  /** Over all rows: entry k * count + s is the number of rows with signature s and key k; entry
   *  KEYS * count + s, the rows with signature s. */
  readonly all: Uint32Array;
  /** Per coded field packed above the key bits, per code: the same counts over that code's rows alone, for
   *  the codes with productKeysMinRows() / 8 rows or more that have a product (undefined for the others). */
  readonly byCode: readonly {
    readonly field: PackedCodeField;
    readonly tables: (Uint32Array | undefined)[];
  }[];
  /** Rows with a product whose signature is not kept, ascending. */
  readonly leftover: Uint32Array;
  /** Every table, one after the other (what they hold in memory, with the signatures and the leftover). */
  readonly buffer: Uint32Array;
  /** In a large region, the rows per kept signature and rank bucket of each range field (attribute-counts.ts
   *  groupRangeCounts): a product union and one range alone is counted from them. */
  readonly ranges: GroupRangeCounts | null;
}

/**
 * Product key counts of a region: the rows per product id set (a row's signature: its product mask) and key,
 * over all rows and over the rows of each common code of `fields` (a language or a category). A product union
 * with key conditions and at most one such code is then counted by testing each signature against the wanted
 * ids once and summing its cells (search/count-tables.ts), whatever the ids: a union's rows tested at random
 * cost 30–95 ns each in a region of 4M rows, and a list of many ids holds hundreds of thousands. The commonest
 * signaturesKept() signatures are kept; rows with another are listed (`leftover`). From the rows' product
 * masks (`words` words per row) and packed attributes. Null for a region under productKeysMinRows(). A table
 * is (KEYS + 1) × 4 bytes per signature (the synthetic data has 465 signatures: 121 KB); a code gets
 * one from productKeysMinRows() / 8 rows with products.
 */
export function productKeyCounts(
  mask: Uint32Array,
  words: number,
  attributes: AttributeArray,
  fields: readonly PackedCodeField[],
  ranges?: { readonly rowRanks: ReadonlyMap<string, Uint8Array>; readonly usedBytes: number },
): ProductKeyCounts | null {
  const rows = attributes.length;
  if (rows < productKeysMinRows() || words === 0) return null;
  // Each row's signature, found once (a number for one word, the words joined for more; -1: no product), its
  // rows and an example row; and the rows with a product per code of each field.
  const key = (row: number): number | string => {
    if (words === 1) return mask[row]!;
    let k = '';
    for (let w = 0; w < words; w++) k += `${mask[row * words + w]!},`;
    return k;
  };
  const ids = new Map<number | string, number>();
  const sigOf = new Int32Array(rows).fill(-1);
  const sigRows: number[] = [];
  const sigRow: number[] = [];
  const tallies = fields.map((f) => new Uint32Array((f.mask >>> f.shift) + 1));
  for (let row = 0; row < rows; row++) {
    let any = 0;
    for (let w = 0; w < words; w++) any |= mask[row * words + w]!;
    if (any === 0) continue;
    const k = key(row);
    let id = ids.get(k);
    if (id === undefined) {
      ids.set(k, (id = sigRows.length));
      sigRows.push(0);
      sigRow.push(row);
    }
    sigRows[id]!++;
    sigOf[row] = id;
    const a = attributes[row]!;
    for (let i = 0; i < fields.length; i++) tallies[i]![(a & fields[i]!.mask) >>> fields[i]!.shift]!++;
  }
  // The commonest signatures kept, numbered from 0; the others' rows listed.
  const kept = sigRows
    .map((_, id) => id)
    .sort((x, y) => sigRows[y]! - sigRows[x]! || x - y)
    .slice(0, signaturesKept());
  const count = kept.length;
  const slotOf = new Int32Array(sigRows.length).fill(-1);
  kept.forEach((id, s) => (slotOf[id] = s));
  let leftovers = 0;
  for (let id = 0; id < sigRows.length; id++) if (slotOf[id]! < 0) leftovers += sigRows[id]!;
  const minRows = productKeysMinRows() / 8;
  let tables = 1;
  const slots = tallies.map((t) => Array.from(t, (n) => (n >= minRows ? tables++ : -1)));
  const size = (KEYS + 1) * count;
  // One buffer: the tables, the signatures, the leftover rows.
  const buffer = new Uint32Array(tables * size + count * words + leftovers);
  const table = (slot: number) => buffer.subarray(slot * size, (slot + 1) * size);
  const signatures = buffer.subarray(tables * size, tables * size + count * words);
  const leftover = buffer.subarray(tables * size + count * words);
  kept.forEach((id, s) => {
    const row = sigRow[id]!;
    signatures.set(mask.subarray(row * words, (row + 1) * words), s * words);
  });
  const codeSlots = slots.map((s) => Int32Array.from(s, (slot) => (slot < 0 ? -1 : slot * size)));
  const total = KEYS * count;
  let n = 0;
  for (let row = 0; row < rows; row++) {
    const id = sigOf[row]!;
    if (id < 0) continue;
    const s = slotOf[id]!;
    // Each row's kept signature from here on (−1: none, or not kept), for the range counts.
    sigOf[row] = s;
    if (s < 0) {
      leftover[n++] = row;
      continue;
    }
    const a = attributes[row]!;
    const entry = (a & KEY_MASK) * count + s;
    buffer[entry]!++;
    buffer[total + s]!++;
    for (let i = 0; i < fields.length; i++) {
      const at = codeSlots[i]![(a & fields[i]!.mask) >>> fields[i]!.shift]!;
      if (at >= 0) {
        buffer[at + entry]!++;
        buffer[at + total + s]!++;
      }
    }
  }
  return {
    signatures,
    count,
    words,
    all: table(0),
    byCode: fields.map((field, i) => ({
      field,
      tables: slots[i]!.map((slot) => (slot < 0 ? undefined : table(slot))),
    })),
    leftover,
    buffer,
    ranges: ranges
      ? groupRangeCounts(sigOf, count, [...ranges.rowRanks.keys()], ranges.rowRanks, ranges.usedBytes)
      : null,
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
