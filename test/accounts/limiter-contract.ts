// The RateLimiter contract, run against every implementation (memory, Redis) by its own test file.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RateLimiter } from '../../src/accounts/index.ts';

export function rateLimiterContract(
  name: string,
  skip: string | false,
  open: () => Promise<RateLimiter>,
  cleanup: () => Promise<void> = async () => {},
) {
  describe(`RateLimiter contract: ${name}`, { skip }, () => {
    let limiter: RateLimiter;
    before(async () => {
      limiter = await open();
    });
    after(async () => {
      await limiter?.close();
      await cleanup();
    });

    test('N + k concurrent hits in one window: exactly N allowed, remaining counts down', async () => {
      const decisions = await Promise.all(Array.from({ length: 13 }, () => limiter.hit('key-a', 10)));
      assert.equal(decisions.filter((d) => d.allowed).length, 10);
      assert.ok(decisions.every((d) => d.limit === 10 && d.resetMs > 0 && d.resetMs <= 1000));
      const allowed = decisions.filter((d) => d.allowed).map((d) => d.remaining);
      assert.deepEqual(
        allowed.sort((a, b) => b - a),
        [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
      );
      assert.ok(decisions.filter((d) => !d.allowed).every((d) => d.remaining === 0));
    });

    test('keys are limited independently', async () => {
      const a = await Promise.all(Array.from({ length: 4 }, () => limiter.hit('key-b', 2)));
      const b = await Promise.all(Array.from({ length: 4 }, () => limiter.hit('key-c', 3)));
      assert.equal(a.filter((d) => d.allowed).length, 2);
      assert.equal(b.filter((d) => d.allowed).length, 3);
    });

    test('a new window allows requests again', async () => {
      const first = await Promise.all(Array.from({ length: 3 }, () => limiter.hit('key-d', 1)));
      assert.equal(first.filter((d) => d.allowed).length, 1);
      await sleep(Math.max(...first.map((d) => d.resetMs)) + 20);
      const again = await limiter.hit('key-d', 1);
      assert.equal(again.allowed, true);
      assert.equal(again.remaining, 0);
    });

    test('a non-positive or fractional qps is a programming error', async () => {
      await assert.rejects(limiter.hit('key-e', 0), RangeError);
      await assert.rejects(limiter.hit('key-e', 1.5), RangeError);
    });
  });
}
