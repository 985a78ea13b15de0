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
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
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

/** Values of a record in a flat array, after its day: the five counters, then sale_cnt and sale_gmv_amt. */
export const HISTORY_RECORD_VALUES = 7;

/**
 * encodeBlock() of records held in flat arrays: `days[i]` (day numbers, ascending) and
 * `values[i * 7 …]` (HISTORY_RECORD_VALUES), for i < count. The same bytes, the same checks.
 */
export function encodeFlatBlock(
  days: ArrayLike<number>,
  values: ArrayLike<number>,
  count: number,
  firstDay: number,
  out: Buffer,
  at: number,
): number {
  let day = firstDay;
  for (let i = 0; i < count; i++) {
    const d = days[i]!;
    if (d < day || (i > 0 && d === day))
      throw new Error(
        `history records must have ascending days, got ${dayString(d)} after ${dayString(day)}`,
      );
    at = putVarint(out, at, d - day);
    day = d;
    const base = i * HISTORY_RECORD_VALUES;
    for (let c = 0; c < HISTORY_RECORD_VALUES; c++) {
      const value = values[base + c]!;
      if (!Number.isSafeInteger(value) || value < 0 || value >= HISTORY_MAX_VALUE)
        throw new Error(
          c < 5
            ? `history value ${HISTORY_COUNTERS[c]} = ${value} is not an integer in [0, 2^51)`
            : `history sales value ${value} is not an integer in [0, 2^51)`,
        );
      at = putVarint(
        out,
        at,
        c < 5 ? zigzag(value - (i === 0 ? 0 : values[base + c - HISTORY_RECORD_VALUES]!)) : value,
      );
    }
  }
  return at;
}

/** Encodes `r` as the record following `prev` (day and counters as deltas from it). */
function encodeAfter(prev: HistoryRecord, r: HistoryRecord, out: Buffer, at: number): number {
  at = putVarint(out, at, r.day - prev.day);
  for (const c of HISTORY_COUNTERS) {
    const value = r[c];
    if (!Number.isSafeInteger(value) || value < 0 || value >= HISTORY_MAX_VALUE)
      throw new Error(`history value ${c} = ${value} is not an integer in [0, 2^51)`);
    at = putVarint(out, at, zigzag(value - prev[c]));
  }
  for (const value of [r.saleCnt, r.saleGmv]) {
    if (!Number.isSafeInteger(value) || value < 0 || value >= HISTORY_MAX_VALUE)
      throw new Error(`history sales value ${value} is not an integer in [0, 2^51)`);
    at = putVarint(out, at, value);
  }
  return at;
}

/**
 * One pass over a block: its first record on or after `keepFrom` (decoded), where the records after that
 * one begin, how many records are kept, and the last record (decoded).
 */
function scanBlock(
  block: Uint8Array,
  length: number,
  firstDay: number,
  keepFrom: number,
): { firstKept: HistoryRecord | null; restStart: number; keptRecords: number; last: HistoryRecord | null } {
  let at = 0;
  let day = firstDay;
  const v = [0, 0, 0, 0, 0, 0, 0];
  let firstKept: HistoryRecord | null = null;
  let restStart = length;
  let keptRecords = 0;
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
  const record = (): HistoryRecord => ({
    day,
    followers: v[0]!,
    following: v[1]!,
    digg: v[2]!,
    videos: v[3]!,
    views: v[4]!,
    saleCnt: v[5]!,
    saleGmv: v[6]!,
  });
  while (at < length) {
    day += next();
    for (let i = 0; i < 5; i++) v[i] = v[i]! + unzigzag(next());
    v[5] = next();
    v[6] = next();
    if (day < keepFrom) continue;
    if (firstKept === null) {
      firstKept = record();
      restStart = at;
    }
    keptRecords++;
  }
  return { firstKept, restStart, keptRecords, last: keptRecords > 0 ? record() : null };
}

/**
 * Writes a snapshot's history: add() each influencer of the snapshot once, in ascending numeric user_id
 * order, with its crawled days in the window; then finish().
 */
export class HistoryWriter {
  private readonly keysFd: number;
  private readonly seriesFd: number;
  private readonly keys = Buffer.alloc(HISTORY_KEY_BYTES * 65536);
  private keysUsed = 0;
  private series = Buffer.alloc(1 << 23);
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

  /** add() of records held in flat arrays (see encodeFlatBlock), without a record object per day. */
  addFlat(id: bigint, days: ArrayLike<number>, values: ArrayLike<number>, count: number): void {
    if (id <= this.last)
      throw new Error(`history: user ids must be added in ascending order (${id} after ${this.last})`);
    if (id > (1n << 128n) - 2n) throw new Error(`history: user id ${id} is too large`);
    this.last = id;
    if (count > 0 && days[count - 1]! > this.lastDayNumber)
      throw new Error(
        `history: day ${dayString(days[count - 1]!)} after the window's last day ${this.lastDay}`,
      );
    this.putKey(id, this.seriesWritten + this.seriesUsed);
    const need = count * MAX_RECORD_BYTES;
    if (this.seriesUsed + need > this.series.length) {
      this.flushSeries();
      if (need > this.series.length) this.series = Buffer.alloc(need);
    }
    this.seriesUsed = encodeFlatBlock(days, values, count, this.first, this.series, this.seriesUsed);
    this.influencers++;
    this.records += count;
  }

  /**
   * Adds one influencer with its block already encoded (encodeBlock's bytes against this window's first
   * day, `records` records, the last one inside the window): for writers that make millions of blocks and
   * encode them without a record object per day (the synthetic snapshot). The block is not checked.
   */
  addEncoded(userId: bigint, block: Uint8Array, length: number, records: number): void {
    if (userId <= this.last)
      throw new Error(`history: user ids must be added in ascending order (${userId} after ${this.last})`);
    if (userId > (1n << 128n) - 2n) throw new Error(`history: user id ${userId} is too large`);
    this.last = userId;
    this.putKey(userId, this.seriesWritten + this.seriesUsed);
    if (this.seriesUsed + length > this.series.length) {
      this.flushSeries();
      if (length > this.series.length) this.series = Buffer.alloc(length);
    }
    this.series.set(block.subarray(0, length), this.seriesUsed);
    this.seriesUsed += length;
    this.influencers++;
    this.records += records;
  }

  /**
   * Adds one influencer from its block in the previous day's history (window starting `previousFirstDay`,
   * one day earlier than this one): the records before this window are dropped, the first kept one is
   * re-encoded against the new window, the rest copied as they are, and `today` (if crawled) appended.
   * Equal, byte for byte, to add() with the decoded records: the encoding is canonical.
   */
  addShifted(
    userId: string | bigint,
    block: Uint8Array,
    length: number,
    previousFirstDay: number,
    today: HistoryRecord | null,
  ): void {
    const id = typeof userId === 'bigint' ? userId : BigInt(userId);
    if (id <= this.last)
      throw new Error(`history: user ids must be added in ascending order (${id} after ${this.last})`);
    this.last = id;
    if (today && today.day !== this.lastDayNumber)
      throw new Error(`history: the appended day must be ${this.lastDay}`);
    this.putKey(id, this.seriesWritten + this.seriesUsed);
    const need = length + 2 * MAX_RECORD_BYTES;
    if (this.seriesUsed + need > this.series.length) {
      this.flushSeries();
      if (need > this.series.length) this.series = Buffer.alloc(need);
    }
    const scan = scanBlock(block, length, previousFirstDay, this.first);
    let at = this.seriesUsed;
    let kept = 0;
    if (scan.firstKept !== null) {
      at = encodeBlock([scan.firstKept], this.first, this.series, at);
      this.series.set(block.subarray(scan.restStart, length), at);
      at += length - scan.restStart;
      kept = scan.keptRecords;
    }
    if (today) {
      if (scan.last !== null && scan.last.day >= today.day)
        throw new Error(`history: ${dayString(today.day)} is already in the block`);
      at =
        scan.last === null
          ? encodeBlock([today], this.first, this.series, at)
          : encodeAfter(scan.last, today, this.series, at);
      kept++;
    }
    this.seriesUsed = at;
    this.influencers++;
    this.records += kept;
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

/** Reads a history's keys.bin front to back: the influencers of a snapshot in ascending user_id order. */
export class HistoryKeyCursor {
  private readonly fd: number;
  private readonly buffer = Buffer.alloc(HISTORY_KEY_BYTES * 8192);
  private filled = 0;
  private at = 0;
  private position = 0;
  private done = false;
  /** The current entry: its id, block start and end (the next entry's start); null past the last one. */
  current: { id: bigint; start: number; end: number } | null = null;

  constructor(snapshotDir: string) {
    this.fd = openSync(join(snapshotDir, HISTORY_DIR, HISTORY_KEYS_FILE), 'r');
    this.advance();
  }

  private entry(offset: number): { high: bigint; low: bigint; start: number } | null {
    if (offset + HISTORY_KEY_BYTES > this.filled) {
      // Refill from the current entry on, so it and the next one are in the buffer.
      const keep = this.filled - this.at;
      this.buffer.copy(this.buffer, 0, this.at, this.filled);
      this.filled = keep;
      offset -= this.at;
      this.at = 0;
      const read = readSync(this.fd, this.buffer, keep, this.buffer.length - keep, this.position);
      this.position += read;
      this.filled += read;
      if (offset + HISTORY_KEY_BYTES > this.filled) return null;
    }
    return {
      high: this.buffer.readBigUInt64LE(offset),
      low: this.buffer.readBigUInt64LE(offset + 8),
      start: Number(this.buffer.readBigUInt64LE(offset + 16)),
    };
  }

  /** Moves to the next influencer (the sentinel ends the walk). */
  advance(): void {
    if (this.done) return;
    if (this.current !== null) this.at += HISTORY_KEY_BYTES;
    const entry = this.entry(this.at);
    const following = entry && this.entry(this.at + HISTORY_KEY_BYTES);
    const now = entry && this.entry(this.at); // the refill may have moved the buffer
    if (!now || !following) {
      this.current = null;
      this.done = true;
      return;
    }
    this.current = { id: (now.high << 64n) | now.low, start: now.start, end: following.start };
  }

  close(): void {
    closeSync(this.fd);
  }
}
