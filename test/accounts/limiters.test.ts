// The RateLimiter contract on the in-process limiter and on a real Redis (unique key prefix per run).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { MemoryRateLimiter } from '../../src/accounts/memory-limiter.ts';
import { RedisRateLimiter } from '../../src/accounts/redis-limiter.ts';
import { TEST_REDIS_URL, unavailable } from '../support/services.ts';
import { rateLimiterContract } from './limiter-contract.ts';

rateLimiterContract('memory', false, async () => new MemoryRateLimiter());

const prefix = `kolscope-test:${process.pid}:${Date.now()}:`;
rateLimiterContract(
  'Redis',
  await unavailable('redis'),
  () => RedisRateLimiter.connect({ url: TEST_REDIS_URL, keyPrefix: prefix }),
  async () => {
    const redis = new Redis(TEST_REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  },
);

test('the memory limiter forgets expired windows, so memory stays bounded', async () => {
  let now = 0;
  const limiter = new MemoryRateLimiter(() => now, 100);
  for (let i = 0; i < 100; i++) await limiter.hit(`k${i}`, 1);
  assert.equal(limiter.trackedKeys, 100);
  now = 1000;
  await limiter.hit('fresh', 1);
  assert.equal(limiter.trackedKeys, 1);
  assert.equal((await limiter.hit('k1', 1)).allowed, true, 'an expired window starts afresh');
});

test('the Redis limiter refuses to start against an unreachable server, naming it', async () => {
  await assert.rejects(
    RedisRateLimiter.connect({ url: 'redis://127.0.0.1:1' }),
    (e: unknown) => e instanceof Error && e.message.includes('cannot reach Redis at redis://127.0.0.1:1'),
  );
});
