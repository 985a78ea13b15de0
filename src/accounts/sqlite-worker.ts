// The accounts writer thread: owns its own SQLite connection (WAL; ACCOUNTS_DURABILITY) and commits credit ops
// and usage rows, so that commits and their fsyncs never block the event loop. Group commit happens here:
// each round takes every record the main thread has appended to the ring (writer-ring.ts) since the last
// one, applies the credit ops in one transaction (one fsync under `power` durability) and the usage rows in
// another, then posts one reply with every outcome. The reply is posted only after the commit; a due WAL
// checkpoint runs after the replies. The thread sleeps on the ring (Atomics.wait) between rounds. Started by
// SqliteWriterThread (sqlite-writer.ts).
import { parentPort, workerData } from 'node:worker_threads';
import type { AccountErrorCode } from './errors.ts';
import { CreditWriter, openDatabase, type AccountsDurability, type WireOutcome } from './sqlite-db.ts';
import { Outcome, type WriterReply } from './sqlite-writer.ts';
import { RecordType, RingReader, type RingRecord, type UsageRow } from './writer-ring.ts';

const port = parentPort;
if (!port) throw new Error('sqlite-worker.ts runs as a worker thread only');
const { file, memory, maxBatch, durability, commits } = workerData as {
  file: string;
  memory: SharedArrayBuffer;
  maxBatch: number;
  durability: AccountsDurability;
  /** Commits of every connection of the store (its main thread commits some debits itself). */
  commits: Int32Array;
};
const db = openDatabase(file, durability); // a failure here is the thread's error
const writer = new CreditWriter(db, durability, commits);
const ring = new RingReader(memory);
const reply = (message: WriterReply) => port.postMessage(message);
reply({ type: 'ready' });

type Note = readonly [index: number, code: AccountErrorCode | 'failed', message: string];

function record(outcomes: Float64Array, i: number, outcome: WireOutcome, notes: Note[]): void {
  if (outcome.kind === 'refused') {
    outcomes[2 * i] = Outcome.Refused;
    notes.push([i, outcome.code, outcome.message]);
  } else {
    outcomes[2 * i] = outcome.kind === 'ok' ? Outcome.Ok : Outcome.Insufficient;
    outcomes[2 * i + 1] = outcome.remaining;
  }
}

let taken = 0; // records taken since the thread started: the sequence number of the next one

/** Posts the outcomes of some records of a round; the others are marked Later. */
function answer(first: number, outcomes: Float64Array<ArrayBuffer>, notes: Note[]): void {
  notes.sort((a, b) => a[0] - b[0]);
  port!.postMessage({ type: 'round', first, outcomes, notes } satisfies WriterReply, [outcomes.buffer]);
}

/**
 * One round: the records taken from the ring, committed. Credit ops are answered as soon as their
 * transaction commits, before the usage rows are written. Returns false after the close record.
 */
function round(records: readonly RingRecord[]): boolean {
  const first = taken;
  taken += records.length;
  ring.release(); // the records are copied out: the main thread may reuse their space
  const credits: number[] = [];
  const usage: number[] = [];
  let close = -1;
  records.forEach((r, i) => {
    if (r.type === RecordType.Usage) usage.push(i);
    else if (r.type === RecordType.Close) close = i;
    else credits.push(i);
  });
  const later = () => new Float64Array(2 * records.length).fill(Outcome.Later);
  const fail = (
    outcomes: Float64Array<ArrayBuffer>,
    notes: Note[],
    indexes: readonly number[],
    error: unknown,
  ) => {
    for (const i of indexes) {
      outcomes[2 * i] = Outcome.Failed;
      notes.push([i, 'failed', (error as Error).message]);
    }
  };
  for (let start = 0; start < credits.length; start += maxBatch) {
    const batch = credits.slice(start, start + maxBatch);
    const outcomes = later();
    const notes: Note[] = [];
    try {
      const results = writer.applyCreditOps(
        batch.map((i) => records[i] as Extract<RingRecord, { kind: unknown }>),
      );
      batch.forEach((index, k) => record(outcomes, index, results[k]!, notes));
    } catch (error) {
      fail(outcomes, notes, batch, error);
    }
    answer(first, outcomes, notes);
  }
  if (usage.length > 0 || close >= 0) {
    const outcomes = later();
    const notes: Note[] = [];
    if (usage.length > 0) {
      try {
        writer.writeUsage(usage.flatMap((i) => (records[i] as { rows: UsageRow[] }).rows));
        for (const i of usage) outcomes[2 * i] = Outcome.Done;
      } catch (error) {
        fail(outcomes, notes, usage, error);
      }
    }
    if (close >= 0) {
      db.close();
      outcomes[2 * close] = Outcome.Done;
    }
    answer(first, outcomes, notes);
  }
  return close < 0;
}

while (round(ring.take())) writer.checkpointIfDue();
port.close();
