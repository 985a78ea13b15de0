// The RateLimiter contract, run against every implementation (memory, Redis, Redis Cluster) by its own test
// file. The limit is a token bucket of BURST_SECONDS × qps refilled at qps per second: over any interval of
// L seconds, boundaries included, a key gets at most qps × L + burst, and one that keeps asking at least
// qps × L less one. Limiters on a clock the test drives are checked exactly over simulated minutes; those
// on a server's clock over a bounded real-time run, against the times the client measured around it.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { BURST_SECONDS, type RateLimiter } from '../../src/accounts/index.ts';

export interface LimiterHarness {
  open(): Promise<RateLimiter>;
  /** A limiter reading the given clock (ms); only for limiters that use the replica's own clock. */
  openOnClock?: ((now: () => number) => RateLimiter) | undefined;
  cleanup?: (() => Promise<void>) | undefined;
}

/** Deterministic pseudo-random numbers in [0, 1) (a simulated client's arrival times). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Allowed hits within [from, from + length) of sorted times. */
function countIn(times: readonly number[], from: number, length: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  let n = 0;
  for (let i = lo; i < times.length && times[i]! < from + length; i++) n++;
  return n;
}

export function rateLimiterContract(name: string, skip: string | false, harness: LimiterHarness) {
  describe(`RateLimiter contract: ${name}`, { skip }, () => {
    let limiter: RateLimiter;
    const run = `${process.pid}-${Date.now()}`;
    before(async () => {
      limiter = await harness.open();
    });
    after(async () => {
      await limiter?.close();
      await harness.cleanup?.();
    });

    test('N + k concurrent hits on a key at rest: exactly N allowed (the burst), remaining counts down', async () => {
      await limiter.hit(`warm-${run}`, 1); // connection, script and slot map ready before the burst
      const started = performance.now();
      const decisions = await Promise.all(Array.from({ length: 13 }, () => limiter.hit(`a-${run}`, 10)));
      // A token comes back every 100 ms: on a machine slow enough to spend that long, one more may pass.
      const refilled = Math.floor((performance.now() - started) / 100);
      const allowed = decisions.filter((d) => d.allowed).map((d) => d.remaining);
      assert.ok(allowed.length >= 10 && allowed.length <= 10 + refilled, `${allowed.length} allowed`);
      assert.ok(decisions.every((d) => d.limit === 10 && d.resetMs > 0 && d.resetMs <= 1000));
      if (refilled === 0)
        assert.deepEqual(
          allowed.sort((a, b) => b - a),
          [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
        );
      const refused = decisions.filter((d) => !d.allowed);
      assert.ok(refused.every((d) => d.remaining === 0));
      // Refused: the wait until one token is back (1/qps s at most), not a whole window.
      assert.ok(refused.length > 0 && refused.every((d) => d.resetMs <= 100), JSON.stringify(refused));
    });

    test('keys are limited independently', async () => {
      const a = await Promise.all(Array.from({ length: 4 }, () => limiter.hit(`b-${run}`, 2)));
      const b = await Promise.all(Array.from({ length: 4 }, () => limiter.hit(`c-${run}`, 3)));
      assert.equal(a.filter((d) => d.allowed).length, 2);
      assert.equal(b.filter((d) => d.allowed).length, 3);
    });

    test('a refused hit says when the next one is allowed, and it is', async () => {
      const first = await Promise.all(Array.from({ length: 3 }, () => limiter.hit(`d-${run}`, 1)));
      assert.equal(first.filter((d) => d.allowed).length, 1);
      await sleep(Math.max(...first.map((d) => d.resetMs)) + 20);
      const again = await limiter.hit(`d-${run}`, 1);
      assert.equal(again.allowed, true);
      assert.equal(again.remaining, 0);
    });

    test('a non-positive or fractional qps is a programming error', async () => {
      await assert.rejects(limiter.hit(`e-${run}`, 0), RangeError);
      await assert.rejects(limiter.hit(`e-${run}`, 1.5), RangeError);
    });

    test('real time, bounded run: within [0.95, 1.05] × qps per second plus the burst, over every span', async (t) => {
      // A client offering 10 × qps in batches for about 2.5 s (at most 1250 hits), then one batch larger than
      // the burst that takes whatever is left in the bucket.
      const qps = 50;
      const burst = qps * BURST_SECONDS;
      const key = `rt-${run}`;
      const batches: { sent: number; done: number; allowed: number }[] = [];
      const start = performance.now();
      while (performance.now() - start < 2500 && batches.length < 125) {
        const sent = performance.now();
        const ds = await Promise.all(Array.from({ length: 10 }, () => limiter.hit(key, qps)));
        batches.push({ sent, done: performance.now(), allowed: ds.filter((d) => d.allowed).length });
        await sleep(20);
      }
      const sent = performance.now();
      const drain = await Promise.all(Array.from({ length: burst + 5 }, () => limiter.hit(key, qps)));
      batches.push({ sent, done: performance.now(), allowed: drain.filter((d) => d.allowed).length });

      // Upper bound, every span of consecutive batches: the server decided them within [sent_i, done_j].
      for (let i = 0; i < batches.length; i++) {
        let allowed = 0;
        for (let j = i; j < batches.length; j++) {
          allowed += batches[j]!.allowed;
          const seconds = (batches[j]!.done - batches[i]!.sent) / 1000;
          assert.ok(
            allowed <= 1.05 * qps * seconds + burst,
            `${allowed} allowed in batches ${i}..${j} (${seconds.toFixed(3)} s)`,
          );
        }
      }
      // Lower bound, whole run: the burst plus the refill over [done_0, sent_last], less the refill lost
      // while the bucket stood full (only after a gap of more than BURST_SECONDS between batches).
      const total = batches.reduce((s, b) => s + b.allowed, 0);
      const seconds = (batches.at(-1)!.sent - batches[0]!.done) / 1000;
      t.diagnostic(
        `${name}: ${total} allowed of ${(batches.length - 1) * 10 + burst + 5} asked in ${seconds.toFixed(2)} s at ${qps}/s, burst ${burst}`,
      );
      let lost = 0;
      for (let i = 1; i < batches.length; i++)
        lost += Math.max(0, (batches[i]!.done - batches[i - 1]!.sent) / 1000 - BURST_SECONDS) * qps;
      assert.ok(
        total >= 0.95 * qps * seconds + burst - 1 - lost,
        `${total} allowed in ${seconds.toFixed(3)} s (${lost.toFixed(1)} lost to pauses)`,
      );
      assert.ok(total <= 1.05 * qps * ((batches.at(-1)!.done - batches[0]!.sent) / 1000) + burst);
    });

    const onClock = harness.openOnClock;
    // Limiters on a server's clock have only the real-time run above (nothing is skipped for them).
    if (onClock)
      describe('on a clock the test drives', () => {
        test('no double quota across a second boundary (the fixed window let 2 × qps through here)', async () => {
          let now = 10_000;
          const l = onClock(() => now);
          const qps = 100;
          now = 10_999;
          const before = await Promise.all(Array.from({ length: qps }, () => l.hit('k', qps)));
          now = 11_001;
          const after = await Promise.all(Array.from({ length: qps }, () => l.hit('k', qps)));
          assert.equal(before.filter((d) => d.allowed).length, qps);
          // 2 ms of refill at 100/s: 0.2 of a token.
          assert.equal(after.filter((d) => d.allowed).length, 0);
          await l.close();
        });

        test('resetMs: when refused, the wait until the next hit is allowed; when allowed, until the bucket is full', async () => {
          let now = 0;
          const l = onClock(() => now);
          const qps = 4; // one token per 250 ms
          for (let i = 0; i < 4; i++) assert.equal((await l.hit('k', qps)).allowed, true);
          now = 100;
          const refused = await l.hit('k', qps);
          assert.deepEqual(refused, { allowed: false, limit: 4, remaining: 0, resetMs: 150 });
          now = 249;
          assert.equal((await l.hit('k', qps)).allowed, false);
          now = 250;
          const allowed = await l.hit('k', qps);
          assert.deepEqual(allowed, { allowed: true, limit: 4, remaining: 0, resetMs: 1000 });
          now += allowed.resetMs;
          assert.deepEqual(await l.hit('k', qps), { allowed: true, limit: 4, remaining: 3, resetMs: 250 });
          await l.close();
        });

        for (const qps of [2, 7, 50, 1000]) {
          test(`simulated 60 s of a client asking 3 × ${qps}/s at random intervals: every span within the bounds`, async () => {
            let now = 0;
            const l = onClock(() => now);
            const next = random(qps);
            const allowedAt: number[] = [];
            const seconds = 60;
            const meanGapMs = 1000 / (3 * qps);
            while (now < seconds * 1000) {
              if ((await l.hit('k', qps)).allowed) allowedAt.push(now);
              // Gaps from 0 to 2/3 of a token's time: bursts, lulls, and never a pause that lets the bucket fill up.
              now += next() * 2 * meanGapMs;
            }
            const burst = qps * BURST_SECONDS;
            const rng = random(qps + 1);
            for (const length of [100, 500, 1000, 2500, 10_000, 30_000]) {
              // Spans starting on second boundaries, just before and after them, and at random offsets.
              const starts = [];
              for (let s = 0; s + length <= seconds * 1000; s += 1000) starts.push(s, s + 999.5, s + 0.5);
              for (let i = 0; i < 200; i++) starts.push(rng() * (seconds * 1000 - length));
              for (const from of starts) {
                if (from + length > seconds * 1000) continue;
                const n = countIn(allowedAt, from, length);
                const perSecond = (qps * length) / 1000;
                assert.ok(n <= 1.05 * perSecond + burst, `${n} allowed in [${from}, +${length}) at ${qps}/s`);
                // Once the opening burst is spent, a key that keeps asking gets its rate.
                if (from >= 1000 && length >= 10_000)
                  assert.ok(n >= 0.95 * perSecond - 1, `${n} allowed in [${from}, +${length}) at ${qps}/s`);
              }
            }
            assert.ok(allowedAt.length >= 0.95 * qps * seconds + burst - 1, `${allowedAt.length} in total`);
            assert.ok(allowedAt.length <= qps * seconds + burst, `${allowedAt.length} in total`);
            await l.close();
          });
        }
      });
  });
}
