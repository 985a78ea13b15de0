// A region's keyword index and the rows a keyword matches. Layout (files of KEYWORD_FILES, little-endian):
//  - terms: the distinct folded words of the region (text.ts), UTF-8, concatenated in byte order, so the
//    words starting with a prefix are one range [lo, hi) found by two binary searches;
//  - termStarts[t]..termStarts[t+1]: word t's bytes; docs[t+1] - docs[t]: its number of rows (cumulative, so
//    a prefix's total of postings is one subtraction);
//  - postingStarts[t]..postingStarts[t+1]: word t's rows, ascending, varint-coded: the first row, then gaps.
// A keyword's words each match the union of the rows of their range; the keyword matches the intersection.
// The smallest union comes first: when it is small (≤ rows / LIST_SHARE) the matches become a sorted row list
// (a candidate source for the planner; a bitset made only if a walk asks), else only a bitset (dense matches:
// the walk of the sort order finds a page early).

export interface KeywordArrays {
  readonly terms: Uint8Array;
  readonly termStarts: Uint32Array;
  readonly postingStarts: Uint32Array;
  readonly docs: Uint32Array;
  readonly postings: Uint8Array;
}

/** A region's keyword index as loaded: its files, and the bitsets of its heavy prefixes (heavyPrefixes). */
export interface KeywordIndex extends KeywordArrays {
  readonly heavy: ReadonlyMap<string, Int32Array>;
}

/** File names in a region folder. */
export const KEYWORD_FILES = {
  terms: 'kw-terms.utf8',
  termStarts: 'kw-term-starts.u32',
  postingStarts: 'kw-posting-starts.u32',
  docs: 'kw-docs.u32',
  postings: 'kw-postings.bin',
} as const;
/** The heavy prefixes (heavyPrefixes), written by the build so loading reads them: the prefixes, one a line,
 *  and their bitsets, (rows >>> 5) + 1 words each, in that order. */
export const KEYWORD_HEAVY_FILES = { prefixes: 'kw-heavy.txt', bits: 'kw-heavy.u32' } as const;

/** The bitsets of `prefixes` laid end to end in `bits`, as heavyPrefixes returns them. */
export function heavyFromFiles(prefixes: string, bits: Uint32Array, rows: number): Map<string, Int32Array> {
  const words = (rows >>> 5) + 1;
  const names = prefixes === '' ? [] : prefixes.split('\n');
  if (bits.length !== names.length * words)
    throw new Error(`keyword heavy prefixes: ${bits.length} words for ${names.length} prefixes`);
  return new Map(
    names.map((p, i) => [p, new Int32Array(bits.buffer, bits.byteOffset + i * words * 4, words)]),
  );
}

/** A union larger than rows / LIST_SHARE stays a bitset. */
const LIST_SHARE = 8;

/** First word t in [lo, hi) whose bytes compare to `q` above `bias` (bias -1: the first word ≥ q; bias 0: the
 *  first word > q that does not start with q). */
function search(a: KeywordArrays, q: Uint8Array, bias: number, lo: number, hi: number): number {
  const { terms, termStarts } = a;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const from = termStarts[mid]!;
    const length = termStarts[mid + 1]! - from;
    const n = Math.min(length, q.length);
    let c = 0;
    for (let i = 0; i < n && c === 0; i++) c = terms[from + i]! - q[i]!;
    // Equal on the common bytes: a shorter word sorts before q, a longer one starts with q (0).
    if (c === 0 && length < q.length) c = -1;
    if (c > bias) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The words of the region starting with `word`: [lo, hi). */
export function prefixRange(a: KeywordArrays, word: string): [number, number] {
  const q = Buffer.from(word);
  const words = a.termStarts.length - 1;
  const lo = search(a, q, -1, 0, words);
  return [lo, search(a, q, 0, lo, words)];
}

/** Marks the rows of words [lo, hi) in `bits`. */
function markUnion(a: KeywordArrays, lo: number, hi: number, bits: Int32Array): void {
  const post = a.postings;
  for (let t = lo; t < hi; t++) {
    let p = a.postingStarts[t]!;
    const end = a.postingStarts[t + 1]!;
    let row = 0;
    while (p < end) {
      let b = post[p++]!;
      let v = b & 0x7f;
      for (let s = 7; b >= 0x80; s += 7) {
        b = post[p++]!;
        v |= (b & 0x7f) << s;
      }
      row += v;
      bits[row >>> 5]! |= 1 << (row & 31);
    }
  }
}

/** Decodes the rows of word t into `out`; returns how many. */
function decode(a: KeywordArrays, t: number, out: Uint32Array): number {
  const post = a.postings;
  let p = a.postingStarts[t]!;
  const end = a.postingStarts[t + 1]!;
  let row = 0;
  let n = 0;
  while (p < end) {
    let b = post[p++]!;
    let v = b & 0x7f;
    for (let s = 7; b >= 0x80; s += 7) {
      b = post[p++]!;
      v |= (b & 0x7f) << s;
    }
    row += v;
    out[n++] = row;
  }
  return n;
}

/** Byte length of the UTF-8 sequence starting with `lead`. */
const charBytes = (lead: number) => (lead < 0xc0 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4);

/**
 * Bitsets of the region's heavy prefixes: the prefixes of one or two characters whose words hold more than
 * rows / LIST_SHARE postings (`a`, `ma`, …), keyed by the prefix. Made once at load (one pass over the
 * dictionary, the heavy ranges' postings decoded once), so a keyword word among them costs no decoding: the
 * worst case of a keyword is bounded by the lighter prefixes. At most a few dozen, rows / 8 bytes each.
 */
export function heavyPrefixes(a: KeywordArrays, rows: number): Map<string, Int32Array> {
  const out = new Map<string, Int32Array>();
  const { terms, termStarts, docs } = a;
  const words = termStarts.length - 1;
  const threshold = rows / LIST_SHARE;
  for (const chars of [1, 2]) {
    // Prefix length in bytes of word t (its first `chars` characters), or -1 when it is shorter.
    const prefixBytes = (t: number): number => {
      let at = termStarts[t]!;
      const end = termStarts[t + 1]!;
      for (let c = 0; c < chars; c++) {
        if (at >= end) return -1;
        at += charBytes(terms[at]!);
      }
      return at - termStarts[t]!;
    };
    for (let t = 0; t < words;) {
      const length = prefixBytes(t);
      if (length < 0) {
        t++;
        continue;
      }
      const from = termStarts[t]!;
      let end = t + 1;
      for (; end < words; end++) {
        const at = termStarts[end]!;
        if (termStarts[end + 1]! - at < length) break;
        let same = true;
        for (let i = 0; i < length && same; i++) same = terms[at + i] === terms[from + i];
        if (!same) break;
      }
      if (docs[end]! - docs[t]! > threshold) {
        const bits = new Int32Array((rows >>> 5) + 1);
        markUnion(a, t, end, bits);
        out.set(Buffer.from(terms.subarray(from, from + length)).toString('utf8'), bits);
      }
      t = end;
    }
  }
  return out;
}

export const KEYWORD_NONE = 0;
export const KEYWORD_LIST = 1;
export const KEYWORD_BITS = 2;

/** The matches of the last keyword (this thread's buffers, reused: one search at a time). */
export class KeywordMatch {
  /** KEYWORD_LIST: rows[0..count) ascending; KEYWORD_BITS: only `bits` (count unknown, estimate ≥ it). */
  kind = KEYWORD_NONE;
  rows = new Uint32Array(0);
  count = 0;
  estimate = 0;
  /** Bit r set when row r matches, once ensureBits() (always for KEYWORD_BITS): `own`, or a heavy prefix's
   *  bitset (read only). */
  bits: Int32Array = new Int32Array(0);
  private own = new Int32Array(0);
  private ownUsed = false;
  private bitsReady = false;
  private temp = new Int32Array(0);
  private readonly ranges: [number, number, number, Int32Array | undefined][] = [];

  /** Makes `bits` hold the matches. */
  ensureBits(): Int32Array {
    if (!this.bitsReady) {
      const { rows, own } = this;
      for (let i = 0; i < this.count; i++) own[rows[i]! >>> 5]! |= 1 << (rows[i]! & 31);
      this.bits = own;
      this.ownUsed = true;
      this.bitsReady = true;
    }
    return this.bits;
  }

  /** Zeroes what the last keyword set, and sizes the buffers for `rows` rows. */
  private reset(rows: number): void {
    if (this.ownUsed) {
      if (this.kind === KEYWORD_LIST && this.count < this.own.length >>> 3)
        for (let i = 0; i < this.count; i++) this.own[this.rows[i]! >>> 5] = 0;
      else this.own.fill(0);
    }
    this.ownUsed = false;
    this.bitsReady = false;
    this.kind = KEYWORD_NONE;
    this.count = 0;
    const words = (rows >>> 5) + 1;
    if (this.own.length < words) {
      this.own = new Int32Array(words);
      this.temp = new Int32Array(words);
    }
  }

  /**
   * Finds the rows of a region (`rows` rows, index `a`, its heavy prefixes `heavy`) that have, for every word
   * of `words` (folded, see keywordWords), a word starting with it. Returns false when none can.
   */
  match(
    a: KeywordArrays,
    heavy: ReadonlyMap<string, Int32Array>,
    rows: number,
    words: readonly string[],
  ): boolean {
    this.reset(rows);
    const ranges = this.ranges;
    ranges.length = 0;
    for (const w of words) {
      const [lo, hi] = prefixRange(a, w);
      if (lo === hi) return false;
      ranges.push([lo, hi, a.docs[hi]! - a.docs[lo]!, heavy.get(w)]);
    }
    ranges.sort((x, y) => x[2] - y[2]);
    const [lo, hi, postings, heavyFirst] = ranges[0]!;
    this.estimate = Math.min(rows, postings);
    const temp = this.temp;
    if (postings <= rows / LIST_SHARE) {
      if (this.rows.length < Math.min(postings, rows))
        this.rows = new Uint32Array(Math.min(rows, postings * 2));
      const out = this.rows;
      let n: number;
      if (hi - lo === 1) n = decode(a, lo, out);
      else {
        markUnion(a, lo, hi, temp);
        n = 0;
        for (let w = 0; w < temp.length; w++) {
          let word = temp[w]!;
          if (word === 0) continue;
          temp[w] = 0;
          while (word !== 0) {
            const low = word & -word;
            out[n++] = w * 32 + (31 - Math.clz32(low));
            word ^= low;
          }
        }
      }
      for (let k = 1; k < ranges.length && n > 0; k++) {
        const [l, h, , bitset] = ranges[k]!;
        const test = bitset ?? temp;
        if (!bitset) markUnion(a, l, h, temp);
        let kept = 0;
        for (let i = 0; i < n; i++) {
          const row = out[i]!;
          if ((test[row >>> 5]! & (1 << (row & 31))) !== 0) out[kept++] = row;
        }
        n = kept;
        if (!bitset) temp.fill(0);
      }
      this.kind = KEYWORD_LIST;
      this.count = n;
      this.estimate = n;
      return n > 0;
    }
    // Dense: the intersection of the unions as a bitset (a heavy prefix's own when it is the only word).
    this.kind = KEYWORD_BITS;
    this.bitsReady = true;
    if (heavyFirst && ranges.length === 1) {
      this.bits = heavyFirst;
      return true;
    }
    const bits = this.own;
    this.bits = bits;
    this.ownUsed = true;
    if (heavyFirst) bits.set(heavyFirst.subarray(0, Math.min(heavyFirst.length, bits.length)));
    else markUnion(a, lo, hi, bits);
    for (let k = 1; k < ranges.length; k++) {
      const [l, h, , bitset] = ranges[k]!;
      if (bitset) {
        for (let w = 0; w < bitset.length; w++) bits[w]! &= bitset[w]!;
        continue;
      }
      markUnion(a, l, h, temp);
      for (let w = 0; w < bits.length; w++) bits[w]! &= temp[w]!;
      temp.fill(0);
    }
    return true;
  }
}
