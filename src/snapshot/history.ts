// The daily history of a snapshot: what was observed of each influencer on each retained day, on disk in a
// compact form that the serving side reads with positioned reads and never holds in memory.
//
//   <snapshot>/history/meta.json   format, retained days (first … last = as-of date), counts
//   <snapshot>/history/keys.bin    one 24-byte entry per influencer of the snapshot, ascending user_id:
//                                  user_id as two u64 LE (high, low 64 bits) and the u64 LE byte offset of
//                                  its block in series.bin; then a sentinel entry (ids all ones, offset =
//                                  size of series.bin), so a block ends where the next entry's begins
//   <snapshot>/history/series.bin  per influencer, its crawled days in ascending order, each a record of
//                                  8 unsigned LEB128 varints: the day (first record: days after the
//                                  window's first day; then days after the previous record), the five
//                                  counters as zig-zag deltas from the previous record (from 0 for the
//                                  first), and the day's sale_cnt and sale_gmv_amt as they are
//
// Every influencer of the snapshot has an entry (an empty block when it was not crawled in the window), so
// an id absent from keys.bin is not in the snapshot. docs/metrics.md defines each value.
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const HISTORY_DIR = 'history';
export const HISTORY_META_FILE = 'meta.json';
export const HISTORY_KEYS_FILE = 'keys.bin';
export const HISTORY_SERIES_FILE = 'series.bin';
export const HISTORY_FORMAT_VERSION = 1;
/** Bytes per entry of keys.bin. */
export const HISTORY_KEY_BYTES = 24;
/** Largest counter the format takes: zig-zag deltas of larger values would leave the exact doubles. */
export const HISTORY_MAX_VALUE = 2 ** 51;

export interface HistoryMeta {
  readonly format: number;
  /** First retained day, YYYY-MM-DD. */
  readonly firstDay: string;
  /** Last retained day (the snapshot's as-of date), YYYY-MM-DD. */
  readonly lastDay: string;
  readonly influencers: number;
  /** Crawled influencer-days stored. */
  readonly records: number;
  /** Size of series.bin. */
  readonly seriesBytes: number;
}

/** One crawled day of one influencer. `day` is a day number (days since 1970-01-01). */
export interface HistoryRecord {
  day: number;
  followers: number;
  following: number;
  digg: number;
  videos: number;
  views: number;
  saleCnt: number;
  saleGmv: number;
}

/** The five counters, in record order after the day; they are stored as deltas. */
export const HISTORY_COUNTERS = ['followers', 'following', 'digg', 'videos', 'views'] as const;

const DAY_MS = 86_400_000;

/** Day number of a YYYY-MM-DD date. */
export function dayNumber(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) / DAY_MS;
}

/** YYYY-MM-DD of a day number. */
export function dayString(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

const MASK_64 = (1n << 64n) - 1n;

/** A decimal user id as the two u64 halves keys.bin stores. */
export function userIdKey(userId: string | bigint): { high: bigint; low: bigint } {
  const id = typeof userId === 'bigint' ? userId : BigInt(userId);
  return { high: id >> 64n, low: id & MASK_64 };
}

function putVarint(buffer: Buffer, at: number, value: number): number {
  let v = value;
  while (v >= 128) {
    buffer[at++] = (v % 128) | 128;
    v = Math.floor(v / 128);
  }
  buffer[at++] = v;
  return at;
}

const zigzag = (delta: number) => (delta >= 0 ? delta * 2 : -delta * 2 - 1);
const unzigzag = (z: number) => (z % 2 === 0 ? z / 2 : -(z + 1) / 2);

/** Largest encoded record: 8 varints of at most 8 bytes each (values below 2^52 after zig-zag). */
const MAX_RECORD_BYTES = 64;

/** Encodes one influencer's records (ascending days within [firstDay, …]) into `out` from `at`. */
export function encodeBlock(
  records: readonly HistoryRecord[],
  firstDay: number,
  out: Buffer,
  at: number,
): number {
  let day = firstDay;
  let prev: HistoryRecord | null = null;
  for (const r of records) {
    if (r.day < day || (prev !== null && r.day === prev.day))
      throw new Error(
        `history records must have ascending days, got ${dayString(r.day)} after ${dayString(day)}`,
      );
    at = putVarint(out, at, r.day - day);
    day = r.day;
    for (const c of HISTORY_COUNTERS) {
      const value = r[c];
      if (!Number.isSafeInteger(value) || value < 0 || value >= HISTORY_MAX_VALUE)
        throw new Error(`history value ${c} = ${value} is not an integer in [0, 2^51)`);
      at = putVarint(out, at, zigzag(value - (prev === null ? 0 : prev[c])));
    }
    for (const value of [r.saleCnt, r.saleGmv]) {
      if (!Number.isSafeInteger(value) || value < 0 || value >= HISTORY_MAX_VALUE)
        throw new Error(`history sales value ${value} is not an integer in [0, 2^51)`);
      at = putVarint(out, at, value);
    }
    prev = r;
  }
  return at;
}

/**
 * Decodes a block into `out` (reused between calls; grown as needed), keeping the records whose day is in
 * [from, to]. Returns how many were kept.
 */
export function decodeBlock(
  block: Uint8Array,
  length: number,
  firstDay: number,
  from: number,
  to: number,
  out: HistoryRecord[],
): number {
  let at = 0;
  let kept = 0;
  let day = firstDay;
  const values = [0, 0, 0, 0, 0, 0, 0];
  const next = (): number => {
    let result = 0;
    let scale = 1;
    for (;;) {
      const b = block[at++]!;
      result += (b & 127) * scale;
      if (b < 128) return result;
      scale *= 128;
    }
  };
  while (at < length) {
    day += next();
    for (let i = 0; i < 5; i++) values[i] = values[i]! + unzigzag(next());
    values[5] = next();
    values[6] = next();
    if (day > to) break;
    if (day < from) continue;
    const r = (out[kept] ??= {
      day: 0,
      followers: 0,
      following: 0,
      digg: 0,
      videos: 0,
      views: 0,
      saleCnt: 0,
      saleGmv: 0,
    });
    r.day = day;
    r.followers = values[0]!;
    r.following = values[1]!;
    r.digg = values[2]!;
    r.videos = values[3]!;
    r.views = values[4]!;
    r.saleCnt = values[5]!;
    r.saleGmv = values[6]!;
    kept++;
  }
  return kept;
}

/**
 * Writes a snapshot's history: add() each influencer of the snapshot once, in ascending numeric user_id
 * order, with its crawled days in the window; then finish().
 */
export class HistoryWriter {
  private readonly keysFd: number;
  private readonly seriesFd: number;
  private readonly keys = Buffer.alloc(HISTORY_KEY_BYTES * 4096);
  private keysUsed = 0;
  private series = Buffer.alloc(1 << 20);
  private seriesUsed = 0;
  private seriesWritten = 0;
  private influencers = 0;
  private records = 0;
  private last: bigint = -1n;
  private readonly first: number;
  private readonly lastDayNumber: number;

  private constructor(
    private readonly dir: string,
    private readonly firstDay: string,
    private readonly lastDay: string,
  ) {
    this.first = dayNumber(firstDay);
    this.lastDayNumber = dayNumber(lastDay);
    this.keysFd = openSync(join(dir, HISTORY_KEYS_FILE), 'w');
    this.seriesFd = openSync(join(dir, HISTORY_SERIES_FILE), 'w');
  }

  /** Creates <snapshotDir>/history/ for the window [firstDay, lastDay] (YYYY-MM-DD). */
  static async create(snapshotDir: string, firstDay: string, lastDay: string): Promise<HistoryWriter> {
    if (!(dayNumber(firstDay) <= dayNumber(lastDay)))
      throw new Error(`history window ${firstDay} … ${lastDay} is empty or malformed`);
    const dir = join(snapshotDir, HISTORY_DIR);
    await mkdir(dir, { recursive: true });
    return new HistoryWriter(dir, firstDay, lastDay);
  }

  /** Adds one influencer with its crawled days (ascending, inside the window; possibly none). */
  add(userId: string | bigint, records: readonly HistoryRecord[]): void {
    const id = typeof userId === 'bigint' ? userId : BigInt(userId);
    if (id <= this.last)
      throw new Error(`history: user ids must be added in ascending order (${id} after ${this.last})`);
    if (id > (1n << 128n) - 2n) throw new Error(`history: user id ${id} is too large`);
    this.last = id;
    const lastRecord = records.at(-1);
    if (lastRecord && lastRecord.day > this.lastDayNumber)
      throw new Error(
        `history: day ${dayString(lastRecord.day)} after the window's last day ${this.lastDay}`,
      );
    this.putKey(id, this.seriesWritten + this.seriesUsed);
    const need = records.length * MAX_RECORD_BYTES;
    if (this.seriesUsed + need > this.series.length) {
      this.flushSeries();
      if (need > this.series.length) this.series = Buffer.alloc(need);
    }
    this.seriesUsed = encodeBlock(records, this.first, this.series, this.seriesUsed);
    this.influencers++;
    this.records += records.length;
  }

  private putKey(id: bigint, offset: number): void {
    if (this.keysUsed === this.keys.length) {
      writeSync(this.keysFd, this.keys, 0, this.keysUsed);
      this.keysUsed = 0;
    }
    const { high, low } = userIdKey(id);
    this.keys.writeBigUInt64LE(high, this.keysUsed);
    this.keys.writeBigUInt64LE(low, this.keysUsed + 8);
    this.keys.writeBigUInt64LE(BigInt(offset), this.keysUsed + 16);
    this.keysUsed += HISTORY_KEY_BYTES;
  }

  private flushSeries(): void {
    if (this.seriesUsed > 0) writeSync(this.seriesFd, this.series, 0, this.seriesUsed);
    this.seriesWritten += this.seriesUsed;
    this.seriesUsed = 0;
  }

  /** Writes the sentinel and meta.json, closes the files. */
  async finish(): Promise<HistoryMeta> {
    this.flushSeries();
    this.putKey((1n << 128n) - 1n, this.seriesWritten);
    writeSync(this.keysFd, this.keys, 0, this.keysUsed);
    closeSync(this.keysFd);
    closeSync(this.seriesFd);
    const meta: HistoryMeta = {
      format: HISTORY_FORMAT_VERSION,
      firstDay: this.firstDay,
      lastDay: this.lastDay,
      influencers: this.influencers,
      records: this.records,
      seriesBytes: this.seriesWritten,
    };
    await writeFile(join(this.dir, HISTORY_META_FILE), JSON.stringify(meta, null, 2) + '\n');
    return meta;
  }

  /** Closes the files without finishing (after a failure; the draft is then abandoned). */
  abort(): void {
    for (const fd of [this.keysFd, this.seriesFd]) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
  }
}
