// The channel from the main thread to the accounts writer thread: a byte ring in shared memory. The main
// thread appends one record per credit op (or usage chunk) with a few buffer writes and no structured clone;
// the writer thread takes every record present at the start of a round, so a group commit holds all ops that
// arrived while the previous one was committing. Replies travel back by postMessage, one per round.
//
// Layout: control words (Int32) then the ring. HEAD and TAIL are byte counters that wrap at 2^32 (the ring
// size is a power of two, so `counter & MASK` is the position). A record never straddles the end of the ring:
// when it does not fit, a SKIP record fills the rest and the record starts again at position 0.
// Record: u32 length (of the whole record) · u8 type · fields. Strings: u32 byte length · UTF-8 bytes.

const HEAD = 0; // written by the main thread only: bytes appended so far
const TAIL = 1; // written by the writer thread only: bytes consumed so far
const SLEEPING = 2; // 1 while the writer thread waits for records: only then is a wake-up (a syscall) needed
const CONTROL_BYTES = 64;
/** Longest sleep between looks at the ring, should a wake-up ever be missed. */
const WAIT_MS = 100;
const MIN_RECORD = 8;

export const RecordType = { Skip: 0, Debit: 1, Refund: 2, Usage: 3, Close: 4 } as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];
type CreditType = typeof RecordType.Debit | typeof RecordType.Refund;

/** A usage row as it crosses the ring. */
export interface UsageRow {
  readonly keyId: string;
  readonly requestId: string;
  readonly atMs: number;
  readonly status: number;
  readonly credits: number;
  readonly latencyMs: number;
}

export type RingRecord =
  | {
      readonly type: CreditType;
      readonly kind: 'debit' | 'refund';
      readonly keyId: string;
      readonly requestId: string;
    }
  | { readonly type: typeof RecordType.Usage; readonly rows: UsageRow[] }
  | { readonly type: typeof RecordType.Close };

/** Most bytes a credit record of these ids can take (UTF-8: at most 3 bytes per UTF-16 unit). */
export function creditBound(keyId: string, requestId: string): number {
  return 5 + 8 + 3 * (keyId.length + requestId.length);
}

/** Most bytes one usage row can take in a usage record. */
export function usageRowBound(row: UsageRow): number {
  return 8 + 3 * (row.keyId.length + row.requestId.length) + 32;
}

/** The shared memory of one ring; passed to the writer thread in its workerData. */
export function createRingMemory(ringBytes = 1 << 22): SharedArrayBuffer {
  if ((ringBytes & (ringBytes - 1)) !== 0 || ringBytes < 1 << 12)
    throw new RangeError('ring size must be a power of two of at least 4 KiB');
  return new SharedArrayBuffer(CONTROL_BYTES + ringBytes);
}

/** Main-thread side: appends records; never blocks (a record that does not fit is refused, caller retries). */
export class RingWriter {
  private readonly control: Int32Array;
  private readonly bytes: Buffer;
  private readonly size: number;
  private readonly mask: number;
  private head = 0;

  constructor(memory: SharedArrayBuffer) {
    this.control = new Int32Array(memory, 0, CONTROL_BYTES / 4);
    this.bytes = Buffer.from(memory, CONTROL_BYTES);
    this.size = this.bytes.length;
    this.mask = this.size - 1;
  }

  /** Largest record ever accepted (a quarter of the ring: a full ring still drains). */
  get maxRecordBytes(): number {
    return this.size >>> 2;
  }

  /** Appends a debit or refund; false when the ring has no room for it now. */
  credit(type: CreditType, keyId: string, requestId: string): boolean {
    const bound = creditBound(keyId, requestId);
    const at = this.reserve(bound);
    if (at < 0) return false;
    let p = at + 5;
    p = this.string(p, keyId);
    p = this.string(p, requestId);
    return this.commit(at, type, p - at);
  }

  /** Appends one chunk of usage rows; false when the ring has no room for it now. */
  usage(rows: readonly UsageRow[]): boolean {
    let bound = 5 + 4;
    for (const r of rows) bound += usageRowBound(r);
    const at = this.reserve(bound);
    if (at < 0) return false;
    let p = this.bytes.writeUInt32LE(rows.length, at + 5);
    for (const r of rows) {
      p = this.string(p, r.keyId);
      p = this.string(p, r.requestId);
      p = this.bytes.writeDoubleLE(r.atMs, p);
      p = this.bytes.writeDoubleLE(r.status, p);
      p = this.bytes.writeDoubleLE(r.credits, p);
      p = this.bytes.writeDoubleLE(r.latencyMs, p);
    }
    return this.commit(at, RecordType.Usage, p - at);
  }

  /** Appends the close record (the thread closes its connection after everything before it). */
  close(): boolean {
    const at = this.reserve(MIN_RECORD);
    return at >= 0 && this.commit(at, RecordType.Close, 5);
  }

  /** Wakes the writer thread if it sleeps waiting for records. */
  notify(): void {
    // HEAD was stored before this load; the thread stores SLEEPING before it compares HEAD and sleeps, so
    // either it sees the new records or this sees it asleep (and a timed wait bounds any miss).
    if (Atomics.load(this.control, SLEEPING) !== 0) Atomics.notify(this.control, HEAD);
  }

  /**
   * Where a record of `bound` bytes at most goes (after a skip to the ring's start if it does not fit before
   * the end); -1 when the ring has no room for it now.
   */
  private reserve(rawBound: number): number {
    const bound = (rawBound + 7) & ~7;
    const tail = Atomics.load(this.control, TAIL);
    const used = (this.head - tail) >>> 0;
    const pos = this.head & this.mask;
    const contiguous = this.size - pos;
    const skip = contiguous < bound ? contiguous : 0;
    if (used + skip + bound > this.size) return -1;
    if (skip > 0) {
      this.bytes.writeUInt32LE(skip, pos);
      this.bytes[pos + 4] = RecordType.Skip;
      this.head = (this.head + skip) | 0;
    }
    return this.head & this.mask;
  }

  private string(p: number, s: string): number {
    const n = this.bytes.write(s, p + 4, 'utf8');
    this.bytes.writeUInt32LE(n, p);
    return p + 4 + n;
  }

  private commit(at: number, type: RecordType, length: number): boolean {
    const padded = Math.max(MIN_RECORD, (length + 7) & ~7); // keeps every record, and a skip, ≥ 8 bytes
    this.bytes.writeUInt32LE(padded, at);
    this.bytes[at + 4] = type;
    this.head = (this.head + padded) | 0;
    Atomics.store(this.control, HEAD, this.head); // publishes the bytes written above
    return true;
  }
}

/** Writer-thread side: waits for records and reads them in order. */
export class RingReader {
  private readonly control: Int32Array;
  private readonly bytes: Buffer;
  private readonly mask: number;
  private tail = 0;

  constructor(memory: SharedArrayBuffer) {
    this.control = new Int32Array(memory, 0, CONTROL_BYTES / 4);
    this.bytes = Buffer.from(memory, CONTROL_BYTES);
    this.mask = this.bytes.length - 1;
  }

  /** Blocks until at least one record is present; returns every record present, in order. */
  take(): RingRecord[] {
    let head = Atomics.load(this.control, HEAD);
    while (head === this.tail) {
      Atomics.store(this.control, SLEEPING, 1);
      Atomics.wait(this.control, HEAD, head, WAIT_MS);
      Atomics.store(this.control, SLEEPING, 0);
      head = Atomics.load(this.control, HEAD);
    }
    const records: RingRecord[] = [];
    while (this.tail !== head) {
      const at = this.tail & this.mask;
      const length = this.bytes.readUInt32LE(at);
      const record = this.read(at, this.bytes[at + 4] as RecordType);
      if (record) records.push(record);
      this.tail = (this.tail + length) | 0;
    }
    return records;
  }

  /** Hands the space of the records taken so far back to the main thread (call once they are committed). */
  release(): void {
    Atomics.store(this.control, TAIL, this.tail);
  }

  private read(at: number, type: RecordType): RingRecord | null {
    let p = at + 5;
    const string = (): string => {
      const n = this.bytes.readUInt32LE(p);
      const s = this.bytes.toString('utf8', p + 4, p + 4 + n);
      p += 4 + n;
      return s;
    };
    const number = (): number => {
      const v = this.bytes.readDoubleLE(p);
      p += 8;
      return v;
    };
    switch (type) {
      case RecordType.Skip:
        return null;
      case RecordType.Debit:
      case RecordType.Refund: {
        const keyId = string();
        return { type, kind: type === RecordType.Debit ? 'debit' : 'refund', keyId, requestId: string() };
      }
      case RecordType.Usage: {
        const count = this.bytes.readUInt32LE(p);
        p += 4;
        const rows: UsageRow[] = [];
        for (let i = 0; i < count; i++) {
          const keyId = string();
          const requestId = string();
          rows.push({
            keyId,
            requestId,
            atMs: number(),
            status: number(),
            credits: number(),
            latencyMs: number(),
          });
        }
        return { type, rows };
      }
      case RecordType.Close:
        return { type };
      default:
        throw new Error(`accounts writer ring: unknown record type ${type as number}`);
    }
  }
}
