// The AccountStore contract, run against every implementation (SQLite, PostgreSQL) by its own test file.
// Each harness opens real stores and reads the real tables back to check the ledger; nothing is mocked.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { AccountError, isWellFormedApiKey, hashApiKey, type AccountStore } from '../../src/accounts/index.ts';

export interface LedgerRow {
  readonly keyId: string;
  readonly requestId: string;
  readonly delta: number;
  readonly reason: string;
}

export interface StoreHarness {
  /** Opens a store over the harness's database (again after close(): same data). */
  open(options?: { authCacheMs?: number }): Promise<AccountStore>;
  ledger(keyId: string): Promise<LedgerRow[]>;
  /** Everything stored, as text (database files or every table's rows), to look for secrets. */
  storedText(): Promise<string>;
  /** Arguments for fixtures/debit-child.ts that open this same store in another process. */
  childArgs(keyId: string): string[];
  cleanup(): Promise<void>;
}

const CHILD = fileURLToPath(new URL('./fixtures/debit-child.ts', import.meta.url));

function isAccountError(code: string) {
  return (e: unknown) => e instanceof AccountError && e.code === code;
}

async function balance(store: AccountStore, id: string): Promise<number> {
  const record = (await store.listKeys()).find((r) => r.id === id);
  assert.ok(record, `key ${id} listed`);
  return record.credits;
}

function sum(rows: readonly LedgerRow[], reason?: string): number {
  return rows.filter((r) => !reason || r.reason === reason).reduce((s, r) => s + r.delta, 0);
}

export function accountStoreContract(
  name: string,
  skip: string | false,
  makeHarness: () => Promise<StoreHarness>,
) {
  describe(`AccountStore contract: ${name}`, { skip }, () => {
    let h: StoreHarness;
    let store: AccountStore;
    before(async () => {
      h = await makeHarness();
      store = await h.open();
    });
    after(async () => {
      await store?.close();
      await h?.cleanup();
    });

    test('createKey returns a well-formed key once; only its hash and prefix are stored', async () => {
      const created = await store.createKey({ name: 'acme', credits: 10, qps: 5 });
      assert.ok(isWellFormedApiKey(created.key));
      assert.equal(created.record.id, created.id);
      assert.deepEqual(
        { name: created.record.name, credits: created.record.credits, qps: created.record.qps },
        { name: 'acme', credits: 10, qps: 5 },
      );
      assert.equal(created.record.revoked, false);
      assert.ok(created.key.startsWith(created.record.prefix) && created.record.prefix.length < 16);
      assert.ok((await store.listKeys()).some((r) => r.id === created.id));
      const stored = await h.storedText();
      assert.ok(stored.includes(hashApiKey(created.key)), 'the hash is stored');
      assert.ok(!stored.includes(created.key), 'the raw key is not stored');
      assert.ok(!stored.includes(created.key.slice(12)), 'no part of the secret beyond the prefix is stored');
      assert.deepEqual(
        (await h.ledger(created.id)).map((r) => [r.reason, r.delta]),
        [['grant', 10]],
      );
    });

    test('createFirstKey: of stores starting together on empty storage, exactly one creates the key', async () => {
      const fresh = await makeHarness();
      const stores = await Promise.all([fresh.open(), fresh.open(), fresh.open()]);
      try {
        const input = { name: 'first-start', credits: 7, qps: 3 };
        const results = await Promise.all(stores.map((s) => s.createFirstKey(input)));
        const made = results.filter((r) => r !== null);
        assert.equal(made.length, 1, 'one first key');
        const first = made[0]!;
        assert.ok(isWellFormedApiKey(first.key));
        assert.deepEqual(
          (await stores[0]!.listKeys()).map((k) => k.id),
          [first.id],
        );
        assert.deepEqual(
          (await fresh.ledger(first.id)).map((r) => [r.reason, r.delta]),
          [['grant', 7]],
        );
        assert.equal(await stores[1]!.createFirstKey(input), null, 'a later start creates none');
        assert.equal((await stores[2]!.authenticate(first.key))?.id, first.id);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
        await fresh.cleanup();
      }
    });

    test('createKey refuses bad input with a message naming the field', async () => {
      for (const [input, field] of [
        [{ name: 'x', credits: -1, qps: 5 }, 'credits'],
        [{ name: 'x', credits: 1.5, qps: 5 }, 'credits'],
        [{ name: 'x', credits: 1, qps: 0 }, 'qps'],
        [{ name: 'bad\nname', credits: 1, qps: 1 }, 'name'],
      ] as const) {
        await assert.rejects(
          store.createKey(input),
          (e: unknown) => isAccountError('invalid_input')(e) && (e as Error).message.includes(field),
        );
      }
    });

    test('authenticate: known, malformed, unknown and revoked keys', async () => {
      const created = await store.createKey({ name: 'auth', credits: 3, qps: 2 });
      assert.equal((await store.authenticate(created.key))?.id, created.id);
      assert.equal(await store.authenticate(''), null);
      assert.equal(await store.authenticate('Bearer ' + created.key), null);
      const typo = created.key.slice(0, 10) + (created.key[10] === 'a' ? 'b' : 'a') + created.key.slice(11);
      assert.equal(await store.authenticate(typo), null);
      const other = await store.createKey({ name: 'other', credits: 0, qps: 1 });
      assert.equal((await store.authenticate(other.key))?.id, other.id);
      const revoked = await store.revoke(created.id);
      assert.equal(revoked.revoked, true);
      assert.equal((await store.authenticate(created.key))?.revoked, true, 'revocation is immediate here');
      assert.equal((await store.revoke(created.id)).revoked, true, 'revoking twice is harmless');
      await assert.rejects(store.revoke('key_doesnotexist'), isAccountError('unknown_key'));
    });

    test('a revocation by another process is seen once the cached key expires', async () => {
      const replica = await h.open({ authCacheMs: 30 });
      try {
        const created = await store.createKey({ name: 'replica', credits: 1, qps: 1 });
        assert.equal((await replica.authenticate(created.key))?.revoked, false);
        await store.revoke(created.id);
        await sleep(40);
        assert.equal((await replica.authenticate(created.key))?.revoked, true);
      } finally {
        await replica.close();
      }
    });

    test('topUp adds credits with a ledger entry; unknown ids and bad amounts are refused', async () => {
      const created = await store.createKey({ name: 'topup', credits: 0, qps: 1 });
      assert.equal((await store.debit(created.id, `${created.id}-a`)).ok, false);
      assert.equal((await store.topUp(created.id, 7)).credits, 7);
      assert.deepEqual(await store.debit(created.id, `${created.id}-b`), { ok: true, remaining: 6 });
      await assert.rejects(store.topUp('key_doesnotexist', 5), isAccountError('unknown_key'));
      for (const bad of [0, -3, 2.5, Number.NaN])
        await assert.rejects(store.topUp(created.id, bad), isAccountError('invalid_input'));
      const ledger = await h.ledger(created.id);
      assert.deepEqual(ledger.map((r) => [r.reason, r.delta]).sort(), [
        ['debit', -1],
        ['topup', 7],
      ]);
      assert.equal(sum(ledger), await balance(store, created.id));
    });

    test('200 concurrent debits against 150 credits: exactly 150 succeed', async () => {
      const created = await store.createKey({ name: 'race', credits: 150, qps: 1000 });
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => store.debit(created.id, `${created.id}-${i}`)),
      );
      assert.equal(results.filter((r) => r.ok).length, 150);
      for (const r of results.filter((r) => !r.ok))
        assert.deepEqual(r, { ok: false, reason: 'insufficient_credits', remaining: 0 });
      const remaining = results
        .filter((r) => r.ok)
        .map((r) => r.remaining)
        .sort((a, b) => a - b);
      assert.deepEqual(
        remaining,
        Array.from({ length: 150 }, (_, i) => i),
        'each success saw its own balance',
      );
      assert.equal(await balance(store, created.id), 0);
      const ledger = await h.ledger(created.id);
      assert.equal(sum(ledger, 'debit'), -150);
      assert.equal(sum(ledger), 0);
    });

    test('concurrent debits over several keys in the same batches stay exact per key', async () => {
      const keys = await Promise.all(
        [5, 20, 0].map((credits, i) => store.createKey({ name: `k${i}`, credits, qps: 10 })),
      );
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, i) => store.debit(keys[i % 3]!.id, `${keys[i % 3]!.id}-${i}`)),
      );
      const okPerKey = keys.map((_, k) => results.filter((r, i) => i % 3 === k && r.ok).length);
      assert.deepEqual(okPerKey, [5, 20, 0]);
      for (const k of keys) assert.equal(await balance(store, k.id), 0);
    });

    test('debit and refund are idempotent per request id; refund restores the credit', async () => {
      const created = await store.createKey({ name: 'idem', credits: 5, qps: 10 });
      const rid = `${created.id}-req`;
      const twice = await Promise.all([store.debit(created.id, rid), store.debit(created.id, rid)]);
      assert.ok(twice.every((r) => r.ok));
      assert.deepEqual(await store.debit(created.id, rid), { ok: true, remaining: 4 });
      assert.equal(await balance(store, created.id), 4);
      await Promise.all([store.refund(created.id, rid), store.refund(created.id, rid)]);
      await store.refund(created.id, rid);
      assert.equal(await balance(store, created.id), 5);
      await store.refund(created.id, `${created.id}-never-debited`);
      assert.equal(await balance(store, created.id), 5, 'refunding what was never charged gives nothing');
      const ledger = await h.ledger(created.id);
      assert.deepEqual(ledger.map((r) => [r.reason, r.delta]).sort(), [
        ['debit', -1],
        ['grant', 5],
        ['refund', 0], // the marker of the refund that came without its debit
        ['refund', 1],
      ]);
    });

    test('a refund that comes before its debit (a debit stalled on the way) voids it: never charged', async () => {
      const created = await store.createKey({ name: 'late', credits: 3, qps: 10 });
      const rid = `${created.id}-late`;
      await store.refund(created.id, rid);
      await assert.rejects(store.debit(created.id, rid), isAccountError('request_refunded'));
      await store.refund(created.id, rid);
      assert.equal(await balance(store, created.id), 3);
      assert.deepEqual((await store.debit(created.id, `${created.id}-next`)).ok, true);
      assert.equal(await balance(store, created.id), 2);
      // The marker belongs to its key: another key's debit under that request id is a conflict.
      const other = await store.createKey({ name: 'other', credits: 1, qps: 10 });
      await store.refund(other.id, `${created.id}-mine`);
      await assert.rejects(
        store.debit(created.id, `${created.id}-mine`),
        isAccountError('request_id_conflict'),
      );
      assert.equal(await balance(store, created.id), 2);
      assert.equal(await balance(store, other.id), 1);
    });

    test('a refund queued right behind its debit is applied after it', async () => {
      const created = await store.createKey({ name: 'order', credits: 2, qps: 10 });
      const [debited] = await Promise.all([
        store.debit(created.id, `${created.id}-x`),
        store.refund(created.id, `${created.id}-x`),
      ]);
      assert.deepEqual(debited, { ok: true, remaining: 1 });
      assert.equal(await balance(store, created.id), 2);
    });

    test('debits of unknown keys and request ids reused by another key are errors, not charges', async () => {
      await assert.rejects(store.debit('key_doesnotexist', 'r-unknown'), isAccountError('unknown_key'));
      await assert.rejects(store.debit('k', ''), isAccountError('invalid_input'));
      const a = await store.createKey({ name: 'a', credits: 2, qps: 1 });
      const b = await store.createKey({ name: 'b', credits: 2, qps: 1 });
      assert.equal((await store.debit(a.id, `${a.id}-shared`)).ok, true);
      await assert.rejects(store.debit(b.id, `${a.id}-shared`), isAccountError('request_id_conflict'));
      await assert.rejects(store.refund(b.id, `${a.id}-shared`), isAccountError('request_id_conflict'));
      assert.equal(await balance(store, a.id), 1);
      assert.equal(await balance(store, b.id), 2);
    });

    test('usage is recorded and summarised per key; close() flushes the buffer', async () => {
      const created = await store.createKey({ name: 'usage', credits: 10, qps: 10 });
      const at = new Date('2026-01-02T03:04:05.000Z');
      for (const [i, status, latencyMs] of [
        [1, 200, 10],
        [2, 200, 20],
        [3, 429, 3],
        [4, 500, 7],
      ] as const) {
        if (status === 200) await store.debit(created.id, `${created.id}-u${i}`);
        store.recordUsage({
          keyId: created.id,
          requestId: `${created.id}-u${i}`,
          at: new Date(at.getTime() + i * 1000),
          status,
          credits: status === 200 ? 1 : 0,
          latencyMs,
        });
      }
      assert.throws(
        () =>
          store.recordUsage({
            keyId: created.id,
            requestId: 'r',
            at: new Date(Number.NaN),
            status: 200,
            credits: 1,
            latencyMs: 1,
          }),
        isAccountError('invalid_input'),
      );
      const [summary] = await store.usage(created.id);
      assert.deepEqual(summary, {
        keyId: created.id,
        requests: 4,
        ok: 2,
        errors: 2,
        creditsSpent: 2,
        avgLatencyMs: 10,
        lastAt: '2026-01-02T03:04:09.000Z',
      });
      assert.ok((await store.usage()).some((s) => s.keyId === created.id));
      await assert.rejects(store.usage('key_doesnotexist'), isAccountError('unknown_key'));

      store.recordUsage({
        keyId: created.id,
        requestId: `${created.id}-u5`,
        at,
        status: 400,
        credits: 0,
        latencyMs: 1,
      });
      await store.close();
      store = await h.open();
      assert.equal((await store.usage(created.id))[0]!.requests, 5);
    });

    test('durability: after SIGKILL mid-stream, every acknowledged debit is in the ledger and balances add up', async () => {
      const initial = 100_000;
      const created = await store.createKey({ name: 'crash', credits: initial, qps: 1000 });
      const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...h.childArgs(created.id)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const acked: string[] = [];
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.once('exit', (_code, signal) => resolve(signal)),
      );
      for await (const line of createInterface({ input: child.stdout! })) {
        if (line.startsWith('ack ')) acked.push(line.slice(4));
        if (acked.length === 300) child.kill('SIGKILL');
      }
      assert.equal(await exited, 'SIGKILL', 'the child was killed mid-stream, not finished');
      assert.ok(acked.length >= 300);

      await store.close();
      store = await h.open();
      const ledger = await h.ledger(created.id);
      const debited = new Set(ledger.filter((r) => r.reason === 'debit').map((r) => r.requestId));
      for (const rid of acked) assert.ok(debited.has(rid), `acknowledged debit ${rid} survived`);
      const now = await balance(store, created.id);
      assert.equal(initial - now, debited.size, 'credits spent == ledger debits');
      assert.equal(sum(ledger), now);
    });
  });
}
