// The main thread's handle on the accounts writer thread (sqlite-worker.ts). Credit ops and usage rows are
// appended to a shared-memory ring (writer-ring.ts): a few buffer writes per op, one wake-up per event-loop
// turn, no structured clone. The thread commits whatever the ring holds in one transaction and posts one
// reply per round with every outcome in ring order; each promise resolves only after its commit.
// A thread that fails to start or dies fails every op waiting on it with an error saying so; a thread that
// died after starting is replaced on the next op.
import { Worker } from 'node:worker_threads';
import type { CreditOp } from './batching.ts';
import type { AccountErrorCode } from './errors.ts';
import { newCommitCounter, type AccountsDurability, type WireOutcome } from './sqlite-db.ts';
import type { UsageRecord } from './types.ts';
import {
  createRingMemory,
  creditBound,
  RecordType,
  RingWriter,
  usageRowBound,
  type UsageRow,
} from './writer-ring.ts';

/**
 * Outcome codes of a reply, one per record of the round in ring order (with a value: the balance). Later:
 * answered by another reply of the same round (credits are answered as soon as they commit, usage after).
 */
export const Outcome = { Ok: 0, Insufficient: 1, Refused: 2, Done: 3, Failed: 4, Later: 5 } as const;

export type WriterReply =
  | { readonly type: 'ready' }
  | {
      readonly type: 'round';
      /** Sequence number (records taken since the thread started) of the round's first record. */
      readonly first: number;
      /** Pairs (Outcome code, balance) per record of the round, in ring order. */
      readonly outcomes: Float64Array;
      /** Why records were Refused (an AccountError code) or Failed (the database error), by record index. */
      readonly notes: readonly (readonly [
        index: number,
        code: AccountErrorCode | 'failed',
        message: string,
      ])[];
    };

export interface WriterThreadOptions {
  /** Most credit ops applied in one transaction (1 = one transaction per op, for comparison only). */
  readonly maxBatch?: number;
  /** Bytes of the shared ring (a power of two; default 4 MiB). Tests use a small one to exercise the backlog. */
  readonly ringBytes?: number;
  /** What a commit survives before its promise resolves (default `process`: no fsync per commit). */
  readonly durability?: AccountsDurability;
  /** Commits of every connection of the store, for the thread's checkpoints (sqlite-db.ts newCommitCounter). */
  readonly commits?: Int32Array;
}

const WORKER_ENTRY = new URL('./sqlite-worker.mjs', import.meta.url);
/** No key id is this long; the database would answer unknown_key, so the op does not travel. */
const KEY_ID_MAX = 1000;
const USAGE_CHUNK_ROWS = 256;

type Settle = (outcome: WireOutcome | null, error?: Error) => void;

/** Writes one record: `what` is the key id of a credit op, the rows of a usage chunk, null for close. */
function write(
  ring: RingWriter,
  type: RecordType,
  what: string | readonly UsageRow[] | null,
  requestId: string,
): boolean {
  if (type === RecordType.Debit || type === RecordType.Refund)
    return ring.credit(type, what as string, requestId);
  if (type === RecordType.Usage) return ring.usage(what as readonly UsageRow[]);
  return ring.close();
}

export class SqliteWriterThread {
  private worker: Worker | undefined;
  private ring: RingWriter | undefined;
  private ready = false;
  /** Set when the thread could not open the database: later ops fail with it instead of retrying. */
  private startError: Error | undefined;
  /** Records sent to this thread, by sequence number − `base`; undefined once answered. */
  private pending: (Settle | undefined)[] = [];
  private base = 0;
  /** Ops not answered yet (sent or in the backlog): the thread keeps the process alive while any is. */
  private outstanding = 0;
  /** Records that did not fit in the ring yet, in order: written as the thread frees space. */
  private backlog: {
    type: RecordType;
    what: string | readonly UsageRow[] | null;
    requestId: string;
    settle: Settle;
  }[] = [];
  private wakeScheduled = false;
  private closed = false;

  constructor(
    private readonly file: string,
    private readonly options: WriterThreadOptions = {},
  ) {
    this.start();
  }

  /** One debit or refund; resolves with its outcome once the transaction holding it has committed. */
  credit(kind: CreditOp['kind'], keyId: string, requestId: string): Promise<WireOutcome> {
    if (keyId.length > KEY_ID_MAX)
      return Promise.resolve({
        kind: 'refused',
        code: 'unknown_key',
        message: `no API key with id "${keyId.slice(0, 40)}…"`,
      });
    const type = kind === 'debit' ? RecordType.Debit : RecordType.Refund;
    return this.enqueue(type, keyId, requestId, creditBound(keyId, requestId));
  }

  /** Applies the ops in order; resolves with their outcomes once committed. */
  credits(ops: readonly CreditOp[]): Promise<WireOutcome[]> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    return Promise.all(ops.map((op) => this.credit(op.kind, op.keyId, op.requestId)));
  }

  /** Inserts usage rows; resolves once they are committed. */
  async usage(records: readonly UsageRecord[]): Promise<void> {
    const refused = this.refusal();
    if (refused) throw refused;
    const rows: UsageRow[] = records.map((r) => ({
      keyId: r.keyId,
      requestId: r.requestId,
      atMs: r.at.getTime(),
      status: r.status,
      credits: r.credits,
      latencyMs: r.latencyMs,
    }));
    const chunks: Promise<unknown>[] = [];
    for (let i = 0; i < rows.length; i += USAGE_CHUNK_ROWS) {
      const chunk = rows.slice(i, i + USAGE_CHUNK_ROWS);
      const bound = 9 + chunk.reduce((sum, r) => sum + usageRowBound(r), 0);
      chunks.push(this.enqueue(RecordType.Usage, chunk, '', bound));
    }
    await Promise.all(chunks);
  }

  /** Waits for every op sent, closes the thread's connection and stops the thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    const worker = this.worker;
    if (worker) await this.enqueue(RecordType.Close, null, '', 8).catch(() => undefined);
    this.closed = true;
    await worker?.terminate();
  }

  /** Nothing sent and unanswered: the thread is not writing (nor about to) on behalf of this process. */
  get idle(): boolean {
    return this.outstanding === 0 && this.worker !== undefined && this.ready;
  }

  /** Stops the thread at once, as a crash would: ops waiting on it fail (a replacement starts on demand). */
  async abort(): Promise<void> {
    await this.worker?.terminate();
  }

  /** Why nothing can be sent now, if so. */
  private refusal(): Error | undefined {
    return this.closed ? new Error('account store is closed') : this.startError;
  }

  /** Appends a record (or queues it behind the backlog); resolves with its outcome. */
  private enqueue(
    type: RecordType,
    what: string | readonly UsageRow[] | null,
    requestId: string,
    bound: number,
  ): Promise<WireOutcome> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    if (!this.worker) this.start();
    const ring = this.ring!;
    if (bound > ring.maxRecordBytes)
      return Promise.reject(new Error(`accounts writer: a record of ${bound} bytes is too large`));
    return new Promise((resolve, reject) => {
      const settle: Settle = (outcome, error) => (error ? reject(error) : resolve(outcome!));
      if (this.outstanding++ === 0) this.worker!.ref(); // alive until the outcome is known
      if (this.backlog.length === 0 && write(ring, type, what, requestId)) {
        this.pending.push(settle);
        this.wake();
      } else this.backlog.push({ type, what, requestId, settle });
    });
  }

  /** One wake-up per event-loop turn: ops of the same turn go into the same round. */
  private wake(): void {
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      this.ring?.notify();
    });
  }

  private start(): void {
    const memory = createRingMemory(this.options.ringBytes);
    const worker = new Worker(WORKER_ENTRY, {
      workerData: {
        file: this.file,
        memory,
        maxBatch: Math.max(1, this.options.maxBatch ?? 1000),
        durability: this.options.durability ?? 'process',
        commits: this.options.commits ?? newCommitCounter(),
      },
    });
    this.worker = worker;
    this.ring = new RingWriter(memory);
    this.ready = false;
    worker.unref();
    let failure: Error | undefined;
    worker.on('message', (reply: WriterReply) => {
      if (reply.type === 'ready') this.ready = true;
      else this.answer(reply);
    });
    worker.on('error', (error) => {
      failure = error;
    });
    worker.on('exit', (code) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.ring = undefined;
      // An error before 'ready' is a failed start (opening the database, loading the code): final.
      const startFailed = !this.ready && failure !== undefined;
      const error = startFailed
        ? new Error(`the accounts writer thread did not start: ${failure!.message}`)
        : new Error(
            `the accounts writer thread stopped (${failure?.message ?? `exit code ${code}`}); ` +
              'ops in flight have an unknown outcome',
          );
      if (startFailed && !this.closed) this.startError = error;
      const waiting = [...this.pending, ...this.backlog.map((b) => b.settle)].filter((w) => w !== undefined);
      this.pending = [];
      this.base = 0;
      this.backlog = [];
      this.outstanding = 0;
      for (const settle of waiting) settle(null, error);
    });
  }

  /** Settles the records a reply answers, then moves the backlog into the space the thread freed. */
  private answer(reply: Extract<WriterReply, { type: 'round' }>): void {
    const { outcomes, notes } = reply;
    const count = outcomes.length >>> 1;
    const offset = reply.first - this.base;
    const settles: Settle[] = [];
    const codes: number[] = [];
    for (let i = 0; i < count; i++) {
      const code = outcomes[2 * i]!;
      const settle = this.pending[offset + i];
      if (code === Outcome.Later || settle === undefined) continue;
      settles.push(settle);
      codes.push(i);
      this.pending[offset + i] = undefined;
    }
    // Drop answered records from the front (they are answered roughly in order).
    let done = 0;
    while (done < this.pending.length && this.pending[done] === undefined) done++;
    if (done === this.pending.length || done > 4096) {
      this.pending = this.pending.slice(done);
      this.base += done;
    }
    this.outstanding -= settles.length;
    this.fillFromBacklog();
    if (this.outstanding === 0) this.worker?.unref();
    let note = 0;
    settles.forEach((settle, k) => {
      const i = codes[k]!;
      const code = outcomes[2 * i]!;
      const balance = outcomes[2 * i + 1]!;
      if (code === Outcome.Ok || code === Outcome.Done) settle({ kind: 'ok', remaining: balance });
      else if (code === Outcome.Insufficient) settle({ kind: 'insufficient', remaining: balance });
      else {
        while (notes[note] && notes[note]![0] < i) note++;
        const [, reason, message] = notes[note] ?? [i, 'failed', 'no reason given'];
        if (code === Outcome.Refused && reason !== 'failed')
          settle({ kind: 'refused', code: reason, message });
        else settle(null, new Error(`accounts database write failed: ${message}`));
      }
    });
  }

  private fillFromBacklog(): void {
    const ring = this.ring;
    if (!ring || this.backlog.length === 0) return;
    let n = 0;
    for (; n < this.backlog.length; n++) {
      const { type, what, requestId, settle } = this.backlog[n]!;
      if (!write(ring, type, what, requestId)) break;
      this.pending.push(settle);
    }
    if (n > 0) {
      this.backlog.splice(0, n);
      this.wake();
    }
  }
}
