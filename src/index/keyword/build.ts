// Building a region's keyword index: the folded words of each row's nick_name, unique_id and signature
// (text.ts), a sorted dictionary of the distinct words and, per word, the rows having it as a posting list of
// varint-coded gaps (see index.ts for the layout and docs/index.md, "Keyword index").
import { foldedWords } from './text.ts';
import { frontCode, type KeywordArrays } from './index.ts';

/** Rows of one word while building: the first row, and the varint gaps of the others. */
interface Building {
  first: number;
  docs: number;
  last: number;
  bytes: Uint8Array | null;
  length: number;
}

function push(b: Building, byte: number): void {
  if (b.bytes === null) b.bytes = new Uint8Array(4);
  else if (b.length === b.bytes.length) {
    const grown = new Uint8Array(b.bytes.length * 2);
    grown.set(b.bytes);
    b.bytes = grown;
  }
  b.bytes[b.length++] = byte;
}

function pushVarint(b: Building, value: number): void {
  while (value >= 0x80) {
    push(b, (value & 0x7f) | 0x80);
    value >>>= 7;
  }
  push(b, value);
}

/** UTF-8 byte order of two strings (the order of the dictionary: a prefix's words form one range). */
function byCodePoint(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Collects rows in ascending row order, then lays out the arrays of index.ts (words concatenated with their
 *  starts, front-coded at the end). */
export class KeywordBuilder {
  private readonly words = new Map<string, Building>();
  private readonly seen = new Set<string>();
  private lastRow = -1;

  /** Adds row `row` (ascending across calls) with its texts (null and '' have no words). */
  add(row: number, texts: readonly (string | null | undefined)[]): void {
    if (row <= this.lastRow) throw new Error(`keyword rows must ascend: ${row} after ${this.lastRow}`);
    this.lastRow = row;
    const seen = this.seen;
    seen.clear();
    for (const text of texts) {
      if (!text) continue;
      for (const w of foldedWords(text)) {
        if (seen.has(w)) continue;
        seen.add(w);
        const b = this.words.get(w);
        if (b === undefined) {
          this.words.set(w, { first: row, docs: 1, last: row, bytes: null, length: 0 });
          continue;
        }
        pushVarint(b, row - b.last);
        b.last = row;
        b.docs++;
      }
    }
  }

  finish(): KeywordArrays {
    const terms = [...this.words.keys()];
    // JS sorts by UTF-16 code units, which differs from UTF-8 byte order only around astral characters.
    if (terms.some((t) => /[\ud800-\udfff]/.test(t))) terms.sort(byCodePoint);
    else terms.sort();
    const termStarts = new Uint32Array(terms.length + 1);
    const postingStarts = new Uint32Array(terms.length + 1);
    const docs = new Uint32Array(terms.length + 1);
    let termBytes = 0;
    let postingBytes = 0;
    for (let t = 0; t < terms.length; t++) {
      const b = this.words.get(terms[t]!)!;
      termBytes += Buffer.byteLength(terms[t]!);
      postingBytes += varintLength(b.first) + b.length;
      termStarts[t + 1] = termBytes;
      postingStarts[t + 1] = postingBytes;
      docs[t + 1] = docs[t]! + b.docs;
    }
    const termText = Buffer.alloc(termBytes);
    const postings = new Uint8Array(postingBytes);
    for (let t = 0; t < terms.length; t++) {
      const b = this.words.get(terms[t]!)!;
      termText.write(terms[t]!, termStarts[t]!);
      let at = postingStarts[t]!;
      // The first row as is, then the gaps (already coded).
      for (let v = b.first; ; v >>>= 7) {
        if (v < 0x80) {
          postings[at++] = v;
          break;
        }
        postings[at++] = (v & 0x7f) | 0x80;
      }
      if (b.bytes) postings.set(b.bytes.subarray(0, b.length), at);
    }
    this.words.clear();
    const terms8 = new Uint8Array(termText.buffer, termText.byteOffset, termText.length);
    return frontCode(terms8, termStarts, postingStarts, docs, postings);
  }
}

function varintLength(value: number): number {
  let n = 1;
  while (value >= 0x80) {
    value >>>= 7;
    n++;
  }
  return n;
}
