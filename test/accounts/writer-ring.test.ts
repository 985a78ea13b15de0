// The shared-memory ring between the main thread and the accounts writer thread: records come out in order
// and intact (wrap-around, non-ASCII text, usage rows), a full ring refuses instead of overwriting, and the
// writer thread's backlog carries ops that did not fit. Real shared memory, real worker thread and database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteAccountStore, ACCOUNTS_DB_FILE } from '../../src/accounts/sqlite.ts';
import { SqliteWriterThread } from '../../src/accounts/sqlite-writer.ts';
import { createRingMemory, RecordType, RingReader, RingWriter } from '../../src/accounts/writer-ring.ts';

test('records come out in order and intact across many wrap-arounds; a full ring refuses', () => {
  const memory = createRingMemory(4096);
  const writer = new RingWriter(memory);
  const reader = new RingReader(memory);
  let written = 0;
  let read = 0;
  for (let round = 0; round < 50; round++) {
    // Fill until refused: the ring never overwrites what the reader has not released.
    for (;;) {
      const key = round % 7 === 0 ? `kéy_ü${written}` : `key_${written}`;
      if (!writer.credit(written % 3 === 0 ? RecordType.Refund : RecordType.Debit, key, `r-${written}`))
        break;
      written++;
    }
    assert.ok(written > read, 'something fits in an empty ring');
    for (const record of reader.take()) {
      assert.ok(record.type === RecordType.Debit || record.type === RecordType.Refund);
      assert.equal(record.kind, read % 3 === 0 ? 'refund' : 'debit');
      assert.equal(record.requestId, `r-${read}`);
      assert.match(record.keyId, new RegExp(`^k(é|e)y_(ü)?${read}$`));
      read++;
    }
    assert.equal(read, written, 'take() returns every record present');
    reader.release();
  }
  assert.ok(written > 4096 / 8, 'the ring wrapped around many times');
});

test('usage rows and the close record round-trip', () => {
  const memory = createRingMemory(4096);
  const writer = new RingWriter(memory);
  const reader = new RingReader(memory);
  const rows = [
    { keyId: 'key_a', requestId: 'r1', atMs: 1764028800123, status: 200, credits: 1, latencyMs: 0.25 },
    { keyId: 'key_b', requestId: 'r2', atMs: 0, status: 599, credits: 0, latencyMs: 1e6 },
  ];
  assert.ok(writer.usage(rows));
  assert.ok(writer.close());
  const records = reader.take();
  assert.deepEqual(records, [{ type: RecordType.Usage, rows }, { type: RecordType.Close }]);
});

test('ops beyond the ring wait in the backlog and are all committed, in order', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kolscope-ring-'));
  try {
    const store = new SqliteAccountStore({ dataDir: dir });
    const { id } = await store.createKey({ name: 'ring', credits: 2500, qps: 1 });
    await store.close();
    const writer = new SqliteWriterThread(join(dir, ACCOUNTS_DB_FILE), { ringBytes: 4096 });
    // 3000 debits (far more than 4 KiB of records) against 2500 credits, then refunds of the first 10.
    const debits = writer.credits(
      Array.from({ length: 3000 }, (_, i) => ({ kind: 'debit', keyId: id, requestId: `d-${i}` }) as const),
    );
    const refunds = writer.credits(
      Array.from({ length: 10 }, (_, i) => ({ kind: 'refund', keyId: id, requestId: `d-${i}` }) as const),
    );
    const outcomes = await debits;
    assert.equal(outcomes.filter((o) => o.kind === 'ok').length, 2500);
    assert.deepEqual(
      outcomes[2499],
      { kind: 'ok', remaining: 0 },
      'applied in order: the 2500th takes the last',
    );
    assert.equal(outcomes[2500]?.kind, 'insufficient');
    const refunded = await refunds;
    assert.deepEqual(refunded.at(-1), { kind: 'ok', remaining: 10 });
    await writer.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
