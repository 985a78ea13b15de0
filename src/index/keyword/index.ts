// A region's keyword index and the rows a keyword matches. Layout (files of KEYWORD_FILES, little-endian):
//  - dict: the distinct folded words of the region (text.ts) in UTF-8 byte order, so the words starting with
//    a prefix are one range [lo, hi) of word numbers, front-coded in blocks of DICT_BLOCK words: a block's
//    first word as varint length + bytes, each other as varint bytes shared with the word before + varint
//    length of the rest + the rest; after each word, varint rows (its number of postings) and varint bytes
//    of its postings;
//  - blocks: per block, three uint32 (where it starts in dict, rows of the words before it, where its first
//    word's postings start), then the same three for the end, then the number of words;
//  - postings: each word's rows, ascending, varint-coded: the first row, then gaps.
// A prefix is found by a binary search of the blocks' first words and a scan of one block (two of them
// for a range); a prefix's total of postings by the blocks' counts and the words of two partial blocks.
// A keyword's words each match the union of the rows of their range; the keyword matches the intersection.
// The smallest union comes first: when it is small (≤ rows / LIST_SHARE) the matches become a sorted row list
// (a candidate source for the planner; a bitset made only if a walk asks), else only a bitset (dense matches:
// the walk of the sort order finds a page early).

export interface KeywordArrays {
  readonly dict: Uint8Array;
  readonly blocks: Uint32Array;
  readonly postings: Uint8Array;
}

/** A region's keyword index as loaded: its files, and the bitsets of its heavy prefixes (heavyPrefixes). */
export interface KeywordIndex extends KeywordArrays {
  readonly heavy: ReadonlyMap<string, Int32Array>;
}

/** File names in a region folder (format 7). */
export const KEYWORD_FILES = {
  dict: 'kw-dict.bin',
  blocks: 'kw-blocks.u32',
  postings: 'kw-postings.bin',
} as const;
/** The files of format 6, front-coded when such an index is read (upgradeKeywordFiles). */
export const KEYWORD_FILES_6 = {
  terms: 'kw-terms.utf8',
  termStarts: 'kw-term-starts.u32',
  postingStarts: 'kw-posting-starts.u32',
  docs: 'kw-docs.u32',
} as const;
/** The heavy prefixes (heavyPrefixes), written by the build so loading reads them: the prefixes, one a line,
 *  and their bitsets, (rows >>> 5) + 1 words each, in that order. */
export const KEYWORD_HEAVY_FILES = { prefixes: 'kw-heavy.txt', bits: 'kw-heavy.u32' } as const;

/** Words per block of the dictionary. */
export const DICT_BLOCK = 16;

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

/** Number of words of the dictionary. */
export function wordCount(a: KeywordArrays): number {
  return a.blocks[a.blocks.length - 1]!;
}

/**
 * A position in the dictionary, stepped word by word: the word's number, its bytes (in `word[0..length)`,
 * when `withBytes`), rows and postings. One per thread (reused; words are short, the buffer grows if not).
 */
class Cursor {
  t = 0;
  /** Where the next word's entry starts in dict. */
  private at = 0;
  word = new Uint8Array(64);
  length = 0;
  /** Rows of the words before this one; this word's rows; where its postings start, and their bytes. */
  docsBefore = 0;
  docs = 0;
  postStart = 0;
  postBytes = 0;
  private dict: Uint8Array = new Uint8Array(0);

  private varint(): number {
    const d = this.dict;
    let b = d[this.at++]!;
    let v = b & 0x7f;
    for (let s = 7; b >= 0x80; s += 7) {
      b = d[this.at++]!;
      v += (b & 0x7f) * 2 ** s;
    }
    return v;
  }

  /** Places the cursor on the first word of block `block` (not read yet: next() reads it). */
  seekBlock(a: KeywordArrays, block: number): void {
    this.dict = a.dict;
    this.at = a.blocks[3 * block]!;
    this.t = block * DICT_BLOCK - 1;
    this.docsBefore = a.blocks[3 * block + 1]!;
    this.docs = 0;
    this.postStart = a.blocks[3 * block + 2]!;
    this.postBytes = 0;
  }

  /** Reads the next word (its bytes only when `withBytes`: else `word` is stale). */
  next(withBytes: boolean): void {
    this.t++;
    this.docsBefore += this.docs;
    this.postStart += this.postBytes;
    if (this.t % DICT_BLOCK === 0) {
      const n = this.varint();
      if (withBytes) this.copy(0, n);
      this.at += n;
      this.length = n;
    } else {
      const shared = this.varint();
      const rest = this.varint();
      if (withBytes) this.copy(shared, rest);
      this.at += rest;
      this.length = shared + rest;
    }
    this.docs = this.varint();
    this.postBytes = this.varint();
  }

  private copy(to: number, n: number): void {
    if (this.word.length < to + n) {
      const grown = new Uint8Array(Math.max(2 * this.word.length, to + n));
      grown.set(this.word.subarray(0, to));
      this.word = grown;
    }
    this.word.set(this.dict.subarray(this.at, this.at + n), to);
  }

  /** Moves to word t (reading the words of its block before it). */
  seek(a: KeywordArrays, t: number): void {
    this.seekBlock(a, Math.floor(t / DICT_BLOCK));
    while (this.t < t) this.next(false);
  }
}
const CURSOR = new Cursor();

/** Calls `each` with every word of the dictionary in order: its bytes (a view, reused), its number of rows,
 *  and where its postings start and end. */
export function forEachWord(
  a: KeywordArrays,
  each: (word: Uint8Array, rows: number, postingStart: number, postingEnd: number) => void,
): void {
  const c = new Cursor();
  const words = wordCount(a);
  if (words > 0) c.seekBlock(a, 0);
  for (let t = 0; t < words; t++) {
    c.next(true);
    each(c.word.subarray(0, c.length), c.docs, c.postStart, c.postStart + c.postBytes);
  }
}

/** Sign of (word bytes vs q), 0 when the word starts with q (a shorter word equal on its bytes: -1). */
function compare(word: Uint8Array, from: number, length: number, q: Uint8Array): number {
  const n = Math.min(length, q.length);
  for (let i = 0; i < n; i++) {
    const c = word[from + i]! - q[i]!;
    if (c !== 0) return c;
  }
  return length < q.length ? -1 : 0;
}

/** First word t whose bytes compare to `q` above `bias` (bias -1: the first word ≥ q; bias 0: the first word
 *  > q that does not start with q): the blocks' first words by binary search, then one block. */
function search(a: KeywordArrays, q: Uint8Array, bias: number): number {
  const { dict, blocks } = a;
  const words = wordCount(a);
  const count = Math.ceil(words / DICT_BLOCK);
  // First block whose first word is above: the word sought is in the block before, or is that one.
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    let at = blocks[3 * mid]!;
    let length = 0;
    for (let s = 0, b = 0x80; b >= 0x80; s += 7) {
      b = dict[at++]!;
      length += (b & 0x7f) * 2 ** s;
    }
    if (compare(dict, at, length, q) > bias) hi = mid;
    else lo = mid + 1;
  }
  if (lo === 0) return 0;
  const c = CURSOR;
  c.seekBlock(a, lo - 1);
  const end = Math.min(words, lo * DICT_BLOCK);
  for (c.next(true); c.t < end; c.next(true)) {
    if (compare(c.word, 0, c.length, q) > bias) return c.t;
    if (c.t + 1 === end) break;
  }
  return end;
}

/** The words of the region starting with `word`: [lo, hi). */
export function prefixRange(a: KeywordArrays, word: string): [number, number] {
  const q = Buffer.from(word);
  const lo = search(a, q, -1);
  return [lo, Math.max(lo, search(a, q, 0))];
}

/** Postings (rows, counted once per word) of the words before word t. */
function docsBefore(a: KeywordArrays, t: number): number {
  if (t >= wordCount(a)) return a.blocks[a.blocks.length - 3]!;
  CURSOR.seek(a, t);
  return CURSOR.docsBefore;
}

/** Postings of words [lo, hi). */
export function rangeDocs(a: KeywordArrays, lo: number, hi: number): number {
  return hi <= lo ? 0 : docsBefore(a, hi) - docsBefore(a, lo);
}

/** Marks the rows of words [lo, hi) in `bits`. */
function markUnion(a: KeywordArrays, lo: number, hi: number, bits: Int32Array): void {
  const post = a.postings;
  const c = CURSOR;
  c.seek(a, lo);
  for (;;) {
    let p = c.postStart;
    const end = p + c.postBytes;
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
    if (c.t + 1 >= hi) return;
    c.next(false);
  }
}

/** Decodes the rows of word t into `out`; returns how many. */
function decode(a: KeywordArrays, t: number, out: Uint32Array): number {
  const post = a.postings;
  CURSOR.seek(a, t);
  let p = CURSOR.postStart;
  const end = p + CURSOR.postBytes;
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

function pushVarint(out: number[], value: number): void {
  while (value >= 0x80) {
    out.push((value % 0x80) | 0x80);
    value = Math.floor(value / 0x80);
  }
  out.push(value);
}

/** The dictionary and blocks of format 7 from the arrays of format 6 (words concatenated, and per word its
 *  start, its postings' start and the cumulative rows): the build's last step, and a format-6 index's upgrade. */
export function frontCode(
  terms: Uint8Array,
  termStarts: Uint32Array,
  postingStarts: Uint32Array,
  docs: Uint32Array,
  postings: Uint8Array,
): KeywordArrays {
  const words = termStarts.length - 1;
  const count = Math.ceil(words / DICT_BLOCK);
  const blocks = new Uint32Array(3 * (count + 1) + 1);
  let bytes: number[] = [];
  const chunks: Uint8Array[] = [];
  let dictLength = 0;
  for (let t = 0; t < words; t++) {
    const from = termStarts[t]!;
    const length = termStarts[t + 1]! - from;
    if (t % DICT_BLOCK === 0) {
      const b = t / DICT_BLOCK;
      chunks.push(Uint8Array.from(bytes));
      dictLength += bytes.length;
      bytes = [];
      blocks[3 * b] = dictLength;
      blocks[3 * b + 1] = docs[t]!;
      blocks[3 * b + 2] = postingStarts[t]!;
      pushVarint(bytes, length);
      for (let i = 0; i < length; i++) bytes.push(terms[from + i]!);
    } else {
      const prev = termStarts[t - 1]!;
      const limit = Math.min(length, from - prev);
      let shared = 0;
      while (shared < limit && terms[prev + shared] === terms[from + shared]) shared++;
      pushVarint(bytes, shared);
      pushVarint(bytes, length - shared);
      for (let i = shared; i < length; i++) bytes.push(terms[from + i]!);
    }
    pushVarint(bytes, docs[t + 1]! - docs[t]!);
    pushVarint(bytes, postingStarts[t + 1]! - postingStarts[t]!);
  }
  chunks.push(Uint8Array.from(bytes));
  dictLength += bytes.length;
  blocks[3 * count] = dictLength;
  blocks[3 * count + 1] = docs[words]!;
  blocks[3 * count + 2] = postingStarts[words]!;
  blocks[3 * count + 3] = words;
  const dict = new Uint8Array(dictLength);
  let at = 0;
  for (const c of chunks) {
    dict.set(c, at);
    at += c.length;
  }
  return { dict, blocks, postings };
}

/** Byte length of the UTF-8 sequence starting with `lead`. */
const charBytes = (lead: number) => (lead < 0xc0 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4);

/**
 * Bitsets of the region's heavy prefixes: the prefixes of one or two characters whose words hold more than
 * rows / LIST_SHARE postings (`a`, `ma`, …), keyed by the prefix. Made once, by the build (or at load for
 * keyword files without them: one pass over the dictionary, the heavy ranges' postings decoded once), so a
 * keyword word among them costs no decoding: the worst case of a keyword is bounded by the lighter prefixes.
 * At most a few dozen, rows / 8 bytes each.
 */
export function heavyPrefixes(a: KeywordArrays, rows: number): Map<string, Int32Array> {
  const out = new Map<string, Int32Array>();
  const words = wordCount(a);
  const threshold = rows / LIST_SHARE;
  const c = new Cursor();
  for (const chars of [1, 2]) {
    // The current run of words sharing their first `chars` characters: its prefix, first word and rows.
    let prefix = new Uint8Array(0);
    let first = -1;
    let docs = 0;
    const close = (end: number) => {
      if (first >= 0 && docs > threshold) {
        const bits = new Int32Array((rows >>> 5) + 1);
        markUnion(a, first, end, bits);
        out.set(Buffer.from(prefix).toString('utf8'), bits);
      }
      first = -1;
    };
    if (words > 0) c.seekBlock(a, 0);
    for (let t = 0; t < words; t++) {
      c.next(true);
      // Prefix length in bytes of this word (its first `chars` characters), or -1 when it is shorter.
      let length = 0;
      for (let k = 0; k < chars && length >= 0; k++)
        length = length >= c.length ? -1 : length + charBytes(c.word[length]!);
      if (length > c.length) length = -1;
      const same = first >= 0 && length === prefix.length && prefix.every((b, i) => b === c.word[i]);
      if (!same) {
        close(t);
        if (length >= 0) {
          prefix = c.word.slice(0, length);
          first = t;
          docs = 0;
        }
      }
      if (first >= 0) docs += c.docs;
    }
    close(words);
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

  /** Whether `bits` holds the matches already (a walk asked, or the matches are dense). */
  get hasBits(): boolean {
    return this.bitsReady;
  }

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
      ranges.push([lo, hi, rangeDocs(a, lo, hi), heavy.get(w)]);
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
