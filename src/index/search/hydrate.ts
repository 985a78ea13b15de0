// Hydration: the page's rows as the JSON array the API splices into its envelope, copied from rows.json.
import { isAscii } from 'node:buffer';
import { readSync } from 'node:fs';
import type { RegionIndex } from './region.ts';
import type { SearchScratch } from './scratch.ts';
/** The page's rows as a JSON array, read from rows.json with one positioned read per row. */
export function hydrate(s: SearchScratch, region: RegionIndex, n: number): string {
  let length = 2 + n - 1;
  for (let i = 0; i < n; i++) {
    const row = s.page[i]!;
    length += region.jsonOffsets[row + 1]! - region.jsonOffsets[row]!;
  }
  if (s.json.length < length) s.json = Buffer.alloc(Math.max(length, s.json.length * 2));
  const buf = s.json;
  let at = 0;
  buf[at++] = 0x5b; // [
  for (let i = 0; i < n; i++) {
    if (i > 0) buf[at++] = 0x2c; // ,
    const row = s.page[i]!;
    const start = region.jsonOffsets[row]!;
    const bytes = region.jsonOffsets[row + 1]! - start;
    let done = 0;
    while (done < bytes) {
      const read = readSync(region.jsonFd, buf, at + done, bytes - done, start + done);
      if (read === 0) throw new Error(`rows.json of region ${region.region} is shorter than its offsets`);
      done += read;
    }
    at += bytes;
  }
  buf[at++] = 0x5d; // ]
  // Indexes built since non-ASCII is escaped are ASCII: decoded as such (a fast copy); earlier ones as UTF-8.
  return isAscii(buf.subarray(0, at)) ? buf.toString('latin1', 0, at) : buf.toString('utf8', 0, at);
}
