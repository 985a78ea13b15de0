// The index load worker: reads one snapshot's serving index (read.ts) and hands its arrays to the thread that
// started it, their buffers transferred (moved, not copied).
import { parentPort, workerData } from 'node:worker_threads';
import { IndexLoadError, indexBuffers, readServingIndex, type IndexParts } from './read.ts';

/** What the worker answers: the index, or why it could not be read. */
export type LoadReply =
  { readonly parts: IndexParts } | { readonly error: string; readonly loadError: boolean };

const { snapshotDir, regions } = workerData as { snapshotDir: string; regions?: readonly string[] };
let reply: LoadReply;
let transfer: ArrayBuffer[] = [];
try {
  const parts = await readServingIndex(snapshotDir, regions);
  reply = { parts };
  transfer = indexBuffers(parts);
} catch (err) {
  reply = { error: (err as Error).message, loadError: err instanceof IndexLoadError };
}
parentPort?.postMessage(reply, transfer);
