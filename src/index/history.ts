// Serving reads of a snapshot's daily history (format: src/snapshot/history.ts). Nothing per influencer is
// held in memory: an influencer is found by a binary search over keys.bin with positioned reads (24 bytes
// each, ~log2(n) of them), then its block of series.bin is read with one positioned read. Read-only.
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import {
  decodeBlock,
  dayNumber,
  HISTORY_DIR,
  HISTORY_FORMAT_VERSION,
  HISTORY_KEY_BYTES,
  HISTORY_KEYS_FILE,
  HISTORY_META_FILE,
  HISTORY_SERIES_FILE,
  userIdKey,
  type HistoryMeta,
  type HistoryRecord,
} from '../snapshot/history.ts';

export type { HistoryRecord } from '../snapshot/history.ts';

/** The retained days of a snapshot's history, YYYY-MM-DD, both included. */
export interface HistoryWindow {
  readonly firstDay: string;
  readonly lastDay: string;
}

export class HistoryReader {
  readonly window: HistoryWindow;
  private readonly first: number;
  private readonly entries: number;
  private readonly key = Buffer.alloc(HISTORY_KEY_BYTES * 2);
  private block = Buffer.alloc(4096);
  private readonly records: HistoryRecord[] = [];
  private closed = false;
  private lastId: string | null = null;
  private lastRange: { start: number; end: number } | null = null;

  private constructor(
    meta: HistoryMeta,
    private readonly keysFd: number,
    private readonly seriesFd: number,
  ) {
    this.window = { firstDay: meta.firstDay, lastDay: meta.lastDay };
    this.first = dayNumber(meta.firstDay);
    this.entries = meta.influencers;
  }

  /** Opens the history of a snapshot directory, or null when it has none (built before history was kept). */
  static open(snapshotDir: string): HistoryReader | null {
    const dir = join(snapshotDir, HISTORY_DIR);
    if (!existsSync(join(dir, HISTORY_META_FILE))) return null;
    const meta = JSON.parse(readFileSync(join(dir, HISTORY_META_FILE), 'utf8')) as HistoryMeta;
    if (meta.format !== HISTORY_FORMAT_VERSION)
      throw new Error(`history format ${meta.format} of ${dir} is not ${HISTORY_FORMAT_VERSION}`);
    const keysFd = openSync(join(dir, HISTORY_KEYS_FILE), 'r');
    let seriesFd: number;
    try {
      seriesFd = openSync(join(dir, HISTORY_SERIES_FILE), 'r');
    } catch (err) {
      closeSync(keysFd);
      throw err;
    }
    return new HistoryReader(meta, keysFd, seriesFd);
  }

  /** Byte range of an influencer's block in series.bin, or null when the id is not in the snapshot. */
  private find(userId: string): { start: number; end: number } | null {
    // An answer follows its check for the same id: the second search is skipped.
    if (userId === this.lastId) return this.lastRange;
    const range = this.search(userId);
    this.lastId = userId;
    this.lastRange = range;
    return range;
  }

  private search(userId: string): { start: number; end: number } | null {
    const { high, low } = userIdKey(userId);
    let lo = 0;
    let hi = this.entries - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      readSync(this.keysFd, this.key, 0, HISTORY_KEY_BYTES, mid * HISTORY_KEY_BYTES);
      const h = this.key.readBigUInt64LE(0);
      const l = this.key.readBigUInt64LE(8);
      if (h === high && l === low) {
        // The entry and the next one (its end).
        readSync(this.keysFd, this.key, 0, HISTORY_KEY_BYTES * 2, mid * HISTORY_KEY_BYTES);
        return {
          start: Number(this.key.readBigUInt64LE(16)),
          end: Number(this.key.readBigUInt64LE(HISTORY_KEY_BYTES + 16)),
        };
      }
      if (h < high || (h === high && l < low)) lo = mid + 1;
      else hi = mid - 1;
    }
    return null;
  }

  /** Whether the snapshot has this influencer (a decimal id without leading zeros). */
  has(userId: string): boolean {
    if (this.closed) throw new Error('history reader is closed');
    return this.find(userId) !== null;
  }

  /**
   * The crawled days of an influencer within [from, to] (YYYY-MM-DD), ascending, or null when the id is not
   * in the snapshot. The records are reused by the next call: read them before calling again.
   */
  days(userId: string, from: string, to: string): readonly HistoryRecord[] | null {
    if (this.closed) throw new Error('history reader is closed');
    const range = this.find(userId);
    if (range === null) return null;
    const length = range.end - range.start;
    if (length > this.block.length) this.block = Buffer.alloc(length);
    let read = 0;
    while (read < length)
      read += readSync(this.seriesFd, this.block, read, length - read, range.start + read);
    const kept = decodeBlock(this.block, length, this.first, dayNumber(from), dayNumber(to), this.records);
    return this.records.slice(0, kept);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.keysFd);
    closeSync(this.seriesFd);
  }
}
