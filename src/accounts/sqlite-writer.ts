// The main thread's handle on the accounts writer thread (sqlite-worker.ts): posts credit and usage batches
// and resolves each one when the thread reports its commit. A thread that fails to start or dies fails every
// batch waiting on it with an error saying so; a thread that died after starting is replaced on the next batch.
import { Worker } from 'node:worker_threads';
import type { CreditOp } from './batching.ts';
import type { WireOutcome } from './sqlite-db.ts';
import type { UsageRecord } from './types.ts';

export type WriterRequest =
  | { readonly type: 'credits'; readonly id: number; readonly ops: readonly CreditOp[] }
  | { readonly type: 'usage'; readonly id: number; readonly rows: readonly UsageRecord[] }
  | { readonly type: 'close'; readonly id: number };

export type WriterReply =
  | { readonly type: 'ready' }
  | { readonly type: 'done'; readonly id: number; readonly outcomes: WireOutcome[] }
  | { readonly type: 'failed'; readonly id: number; readonly message: string };

const WORKER_ENTRY = new URL('./sqlite-worker.mjs', import.meta.url);

interface Waiting {
  resolve(outcomes: WireOutcome[]): void;
  reject(error: Error): void;
}

export class SqliteWriterThread {
  private worker: Worker | undefined;
  private ready = false;
  /** Set when the thread could not open the database: later batches fail with it instead of retrying. */
  private startError: Error | undefined;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly file: string) {
    this.start();
  }

  /** Applies the batch in one transaction; resolves with its outcomes once it is committed. */
  credits(ops: readonly CreditOp[]): Promise<WireOutcome[]> {
    return this.send((id) => ({ type: 'credits', id, ops }));
  }

  /** Inserts usage rows in one transaction; resolves once they are committed. */
  async usage(rows: readonly UsageRecord[]): Promise<void> {
    await this.send((id) => ({ type: 'usage', id, rows }));
  }

  /** Waits for every posted batch, closes the thread's connection and stops the thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    const worker = this.worker;
    if (worker) await this.send((id) => ({ type: 'close', id })).catch(() => undefined);
    this.closed = true;
    await worker?.terminate();
  }

  /** Stops the thread at once, as a crash would: batches waiting on it fail (a replacement starts on demand). */
  async abort(): Promise<void> {
    await this.worker?.terminate();
  }

  private send(request: (id: number) => WriterRequest): Promise<WireOutcome[]> {
    if (this.closed) return Promise.reject(new Error('account store is closed'));
    if (this.startError) return Promise.reject(this.startError);
    if (!this.worker) this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      if (this.waiting.size === 1) this.worker!.ref(); // keep the process alive until the commit is known
      this.worker!.postMessage(request(id));
    });
  }

  private start(): void {
    const worker = new Worker(WORKER_ENTRY, { workerData: { file: this.file } });
    this.worker = worker;
    this.ready = false;
    worker.unref();
    let failure: Error | undefined;
    worker.on('message', (reply: WriterReply) => {
      if (reply.type === 'ready') {
        this.ready = true;
        return;
      }
      const waiting = this.waiting.get(reply.id);
      if (!waiting) return;
      this.settled(reply.id);
      if (reply.type === 'done') waiting.resolve(reply.outcomes);
      else waiting.reject(new Error(`accounts database write failed: ${reply.message}`));
    });
    worker.on('error', (error) => {
      failure = error;
    });
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = undefined;
      // An error before 'ready' is a failed start (opening the database, loading the code): final.
      const startFailed = !this.ready && failure !== undefined;
      const error = startFailed
        ? new Error(`the accounts writer thread did not start: ${failure!.message}`)
        : new Error(
            `the accounts writer thread stopped (${failure?.message ?? `exit code ${code}`}); ` +
              'batches in flight have an unknown outcome',
          );
      if (startFailed && !this.closed) this.startError = error;
      const waiting = [...this.waiting.values()];
      this.waiting.clear();
      for (const w of waiting) w.reject(error);
    });
  }

  private settled(id: number): void {
    this.waiting.delete(id);
    if (this.waiting.size === 0) this.worker?.unref();
  }
}
