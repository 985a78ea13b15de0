// A Redis that freezes or stops while serving: each QPS check still gets a decision within one short
// command timeout, from the per-replica fallback limiter (still a limit, never an error), and checks go
// back to Redis by themselves once it answers. Runs a redis-server of its own (never the shared one).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisRateLimiter } from '../../src/accounts/redis-limiter.ts';
import { redisServerMissing, startRedis } from '../support/servers.ts';

const skip = redisServerMissing();
let server: Awaited<ReturnType<typeof startRedis>>;
let limiter: RedisRateLimiter;
const switches: boolean[] = [];

before(async () => {
  if (skip) return;
  server = await startRedis();
  limiter = await RedisRateLimiter.connect({
    url: server.url,
    commandTimeoutMs: 150,
    retryMs: 200,
    onFallback: (active) => switches.push(active),
  });
});

after(async () => {
  await limiter?.close();
  await server?.cleanup();
});

/** Hits until the limiter decides on Redis again (bounded: 100 tries, 100 ms apart). */
async function untilBackOnRedis(): Promise<number> {
  for (let i = 0; i < 100; i++) {
    await limiter.hit(`probe-${i}`, 1000);
    if (!limiter.fallingBack) return i;
    await sleep(100);
  }
  throw new Error('the limiter never went back to Redis');
}

/** 20 concurrent hits of a fresh key limited to 5/s, and how long the slowest took. */
async function burstOf20(key: string) {
  const started = performance.now();
  const decisions = await Promise.all(Array.from({ length: 20 }, () => limiter.hit(key, 5)));
  return { allowed: decisions.filter((d) => d.allowed).length, ms: performance.now() - started };
}

test(
  'Redis frozen (SIGSTOP): decisions come from the fallback within the timeout, still limited',
  { skip },
  async (t) => {
    assert.equal((await burstOf20('before-freeze')).allowed, 5);
    assert.equal(limiter.fallingBack, false);
    server.pause();
    try {
      const during = await burstOf20('during-freeze');
      t.diagnostic(`20 checks on a frozen Redis: ${during.ms.toFixed(0)} ms`);
      assert.equal(during.allowed, 5, 'the fallback enforces the key’s limit');
      assert.equal(limiter.fallingBack, true);
      // The old limiter waited 2–6 s and then failed; the bound here is loose on purpose (a busy machine).
      assert.ok(during.ms < 2000, `${during.ms.toFixed(0)} ms for a check on a frozen Redis`);
      const next = await burstOf20('during-freeze-2');
      assert.equal(next.allowed, 5);
    } finally {
      server.resume();
    }
    await untilBackOnRedis();
    assert.deepEqual(switches, [true, false]);
    assert.equal((await burstOf20('after-freeze')).allowed, 5);
  },
);

test(
  'Redis stopped, then started again on its port: fallback, then back to Redis by itself',
  { skip },
  async () => {
    switches.length = 0;
    await server.stop();
    const down = await burstOf20('while-down');
    assert.equal(down.allowed, 5);
    assert.equal(limiter.fallingBack, true);
    assert.ok(down.ms < 2000, `${down.ms.toFixed(0)} ms for a check with Redis down`);
    await server.start();
    await untilBackOnRedis();
    assert.deepEqual(switches, [true, false]);
    const decisions = await Promise.all(Array.from({ length: 4 }, () => limiter.hit('after-restart', 2)));
    assert.equal(decisions.filter((d) => d.allowed).length, 2);
  },
);
