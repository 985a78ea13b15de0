// A child process for the interruption test (setwise.test.ts): loads RAW into DATA as a first ingest, in
// small passes so that the set-wise apply takes seconds, and says on stdout when the apply starts and when
// the load has returned. Run: node --import tsx test/pipeline/ingest-child.ts RAW DATA TODAY
import { loadBatches } from '../../src/pipeline/load.ts';
import { openWarehouse } from '../../src/pipeline/warehouse.ts';

const [rawDir, dataDir, today] = process.argv.slice(2) as [string, string, string];
const warehouse = await openWarehouse(dataDir);
await loadBatches(warehouse.connection, {
  rawDir,
  dataDir,
  maxRejects: 1000,
  today,
  dailyRowsPerPass: 500,
  progress: {
    update(step, done) {
      if (step === 'apply batches' && done === 0) process.stdout.write('applying\n');
    },
    log() {},
  },
});
warehouse.close();
process.stdout.write('loaded\n');
