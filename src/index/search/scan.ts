// Counting and skipping over a walked order's sequential arrays (packed attributes, rank buckets, product
// bytes): whole blocks counted without branches, 16-bit attributes tested two at a time, product bytes skipped
// four at a time. The walk skips to its page with these; a gather from a sort order's slice collects with them.
import type { AttributeArray } from '../attributes.ts';
import { RANK_BUCKETS, RANK_CHECK, RANK_FAIL, RANK_PASS } from '../ranks.ts';
import { PRODUCT_OTHER } from '../products.ts';
import type { RowMatcher } from './conditions.ts';

/** Positions counted at once by countBlock. */
export const BLOCK = 64;
/** Class table of an absent range: every bucket passes. */
export const ALL_PASS = new Uint8Array(RANK_BUCKETS).fill(RANK_PASS);

/**
 * Matches among positions [from, to) of a walked order, counted without branches (a mispredicted branch per
 * row costs more than the tests): packed attributes and two ranges' bucket classes (RANK_PASS = 1, RANK_CHECK
 * = 2). A row in a range's edge bucket (rare, so a well-predicted branch) is tested exactly.
 */
export function countBlock(
  m: RowMatcher,
  order: Uint32Array,
  attrs: AttributeArray,
  quads: Uint32Array | null,
  pairs: Uint32Array | null,
  pm: number,
  pw: number,
  b0: Uint8Array,
  c0: Uint8Array,
  b1: Uint8Array,
  c1: Uint8Array,
  from: number,
  to: number,
): number {
  let n = 0;
  if (m.rangeCount === 0 && m.productBytes === null) {
    // Packed conditions alone: one read per row, or per two rows when they are 16-bit.
    let p = from;
    if (pairs !== null) {
      if ((p & 1) !== 0 && p < to) {
        const x = (attrs[p++]! & pm) ^ pw;
        n += 1 ^ ((x | -x) >>> 31);
      }
      const pm2 = pm | (pm << 16);
      const pw2 = pw | (pw << 16);
      for (let w = p >>> 1, end = to >>> 1; w < end; w++) {
        const x = (pairs[w]! & pm2) ^ pw2;
        const low = x & 0xffff;
        const high = x >>> 16;
        n += (1 ^ ((low | -low) >>> 31)) + (1 ^ ((high | -high) >>> 31));
      }
      p = Math.max(p, to & ~1);
    }
    for (; p < to; p++) {
      const x = (attrs[p]! & pm) ^ pw;
      n += 1 ^ ((x | -x) >>> 31);
    }
    return n;
  }
  // Product bytes: a row passes on one of the exact bits; on the "other" bit alone it is checked (a branch).
  // Without a product condition: any bytes, always passing.
  const prod = m.productBytes ?? b0;
  const pOr = m.productBytes ? 0 : 0xff;
  const px = m.productBytes ? m.productExactByte : 0xff;
  const pAmb = m.productBytes ? m.productWantByte & PRODUCT_OTHER : 0;
  const want4 = Math.imul(m.productWantByte, 0x01010101);
  const quadsEnd = to >>> 2;
  for (let p = from; p < to; p++) {
    if (quads !== null && (p & 3) === 0) p = skipQuads(quads, want4, p, quadsEnd, to);
    if (p >= to) break;
    const x = (attrs[p]! & pm) ^ pw;
    const a = c0[b0[p]!]!;
    const b = c1[b1[p]!]!;
    const pb = prod[p]! | pOr;
    if (((a | b) & RANK_CHECK) !== 0 || ((pb & pAmb) !== 0 && (pb & px) === 0)) {
      if (x === 0 && m.passesAt(attrs[p]!, p, order[p]!)) n++;
      continue;
    }
    // 1 when x is 0 (the packed conditions hold), for any 32-bit x; 1 when pb & px is not 0 (below 256).
    n += (1 ^ ((x | -x) >>> 31)) & a & b & (((pb & px) + 255) >>> 8);
  }
  return n;
}

/**
 * Appends to `cand` the rows of order positions [from, to) that pass, when the conditions are packed, up to two
 * ranges and product categories, all read in the order's sequence (the same tests as countBlock, locals
 * hoisted). Returns the new candidate count.
 */
export function collectAt(
  m: RowMatcher,
  attrs: AttributeArray,
  order: Uint32Array,
  from: number,
  to: number,
  cand: Uint32Array,
  count: number,
): number {
  const pm = m.packedMask;
  const pw = m.packedWant;
  const b0 = m.rangeCount > 0 ? m.rangeBytes[0]! : null;
  const c0 = m.rangeCount > 0 ? m.classView(0) : ALL_PASS;
  const b1 = m.rangeCount > 1 ? m.rangeBytes[1]! : null;
  const c1 = m.rangeCount > 1 ? m.classView(1) : ALL_PASS;
  const prod = m.productBytes;
  const px = m.productExactByte;
  const pAmb = prod ? m.productWantByte & PRODUCT_OTHER : 0;
  // 16-bit attributes are tested two at a time, as one 32-bit word: rows failing the packed conditions are
  // most of a slice, and skipping them in pairs halves the loop's steps.
  // With a product condition, rows without any wanted product byte are skipped four at a time instead.
  const quads = prod !== null ? quadWords(prod) : null;
  const want4 = Math.imul(m.productWantByte, 0x01010101);
  const quadsEnd = to >>> 2;
  const words = pm !== 0 && quads === null ? pairWords(attrs) : null;
  const pm2 = pm | (pm << 16);
  const pw2 = pw | (pw << 16);
  const pairsEnd = to >>> 1;
  for (let p = from; p < to; p++) {
    if (quads !== null && (p & 3) === 0) {
      p = skipQuads(quads, want4, p, quadsEnd, to);
      if (p >= to) break;
    }
    if (words !== null && (p & 1) === 0) {
      let w = p >>> 1;
      for (; w < pairsEnd; w++) {
        // Some 16-bit half of x is zero (that row passes): the usual has-zero test on two lanes.
        const x = (words[w]! & pm2) ^ pw2;
        if (((x - 0x10001) & ~x & 0x80008000) !== 0) break;
      }
      p = w << 1;
      if (p >= to) break;
    }
    if ((attrs[p]! & pm) !== pw) continue;
    const a = b0 === null ? RANK_PASS : c0[b0[p]!]!;
    const b = b1 === null ? RANK_PASS : c1[b1[p]!]!;
    if ((a & b) === RANK_FAIL && ((a | b) & RANK_CHECK) === 0) continue;
    let pass = (a & b) === RANK_PASS;
    if (prod !== null) {
      const pb = prod[p]!;
      if ((pb & m.productWantByte) === 0) continue;
      if ((pb & px) === 0 && (pb & pAmb) !== 0) pass = false;
    }
    if (pass || m.passesAt(attrs[p]!, p, order[p]!)) cand[count++] = order[p]!;
  }
  return count;
}

/** A 32-bit view of 16-bit attributes (word w holds rows 2w and 2w + 1), or null when they are wider
 *  or not 4-byte aligned. */
export function pairWords(attrs: AttributeArray): Uint32Array | null {
  if (attrs.BYTES_PER_ELEMENT !== 2 || attrs.byteOffset % 4 !== 0) return null;
  return new Uint32Array(attrs.buffer, attrs.byteOffset, attrs.length >>> 1);
}

/** A 32-bit view of product bytes (word q holds positions 4q to 4q + 3), or null when not 4-byte aligned. */
export function quadWords(bytes: Uint8Array): Uint32Array | null {
  if (bytes.byteOffset % 4 !== 0) return null;
  return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
}

/** From position p (a multiple of 4), the first position whose group of four has a product byte sharing a bit
 *  with the wanted byte (repeated four times in want4), or `to`: most influencers have no product. */
function skipQuads(quads: Uint32Array, want4: number, p: number, quadsEnd: number, to: number): number {
  let q = p >>> 2;
  while (q < quadsEnd && (quads[q]! & want4) === 0) q++;
  return Math.min(to, q << 2);
}

/** Set bits of a 32-bit word. */
export function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Matches among positions [from, to) of an order without an attribute copy in its sequence, packed
 *  conditions alone: each row's attributes read by row, counted without branches. */
export function countByRow(
  rowAttrs: AttributeArray,
  order: Uint32Array,
  pm: number,
  pw: number,
  from: number,
  to: number,
): number {
  let n = 0;
  for (let p = from; p < to; p++) {
    const x = (rowAttrs[order[p]!]! & pm) ^ pw;
    n += 1 ^ ((x | -x) >>> 31);
  }
  return n;
}
