// The accounts writer thread: owns its own SQLite connection (WAL, synchronous=FULL) and applies each credit
// batch and usage batch in one transaction, so that commits and their fsyncs do not block the event loop.
// A reply is posted only after the transaction has committed. Started by SqliteWriterThread (sqlite-writer.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { CreditWriter, openDatabase } from './sqlite-db.ts';
import type { WriterReply, WriterRequest } from './sqlite-writer.ts';

const port = parentPort;
if (!port) throw new Error('sqlite-worker.ts runs as a worker thread only');
const db = openDatabase((workerData as { file: string }).file); // a failure here is the thread's error
const writer = new CreditWriter(db);
const reply = (message: WriterReply) => port.postMessage(message);
reply({ type: 'ready' });

port.on('message', (request: WriterRequest) => {
  try {
    switch (request.type) {
      case 'credits':
        reply({ type: 'done', id: request.id, outcomes: writer.applyCreditOps(request.ops) });
        break;
      case 'usage':
        writer.writeUsage(request.rows);
        reply({ type: 'done', id: request.id, outcomes: [] });
        break;
      case 'close':
        db.close();
        reply({ type: 'done', id: request.id, outcomes: [] });
        port.close();
        break;
    }
  } catch (error) {
    reply({ type: 'failed', id: request.id, message: (error as Error).message });
  }
});
