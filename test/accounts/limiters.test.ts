// The RateLimiter contract on the in-process limiter and on a real Redis (unique key prefix per run); what
// only the Redis limiter does: one limit shared by replicas, and a clear refusal to start without Redis.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { DependencyUnavailableError } from '../../src/accounts/index.ts';
import { MemoryRateLimiter } from '../../src/accounts/memory-limiter.ts';
import { RedisRateLimiter, parseClusterUrl } from '../../src/accounts/redis-limiter.ts';
import { TEST_REDIS_URL, unavailable } from '../support/services.ts';
import { rateLimiterContract } from './limiter-contract.ts';

rateLimiterContract('memory', false, {
  open: async () => new MemoryRateLimiter(),
  openOnClock: (now) => new MemoryRateLimiter(now),
});

const skipRedis = await unavailable('redis');
const prefix = `kolscope-test:${process.pid}:${Date.now()}:`;
rateLimiterContract('Redis', skipRedis, {
  // A generous command timeout: the contract is about the arithmetic, not the fallback (tested apart).
  open: () => RedisRateLimiter.connect({ url: TEST_REDIS_URL, keyPrefix: prefix, commandTimeoutMs: 5000 }),
  cleanup: async () => {
    const redis = new Redis(TEST_REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  },
});

test('the memory limiter forgets full buckets, so memory stays bounded', async () => {
  let now = 0;
  const limiter = new MemoryRateLimiter(() => now, 100);
  for (let i = 0; i < 100; i++) await limiter.hit(`k${i}`, 1);
  assert.equal(limiter.trackedKeys, 100);
  now = 999;
  await limiter.hit('fresh', 1);
  assert.equal(limiter.trackedKeys, 101, 'a bucket not yet full is kept');
  now = 2000;
  await limiter.hit('fresher', 1);
  assert.equal(limiter.trackedKeys, 1);
  assert.equal((await limiter.hit('k1', 1)).allowed, true, 'a forgotten bucket starts full');
});

test('two replicas on one Redis share each key’s limit', { skip: skipRedis }, async () => {
  const keyPrefix = `${prefix}shared:`;
  const [a, b] = await Promise.all([
    RedisRateLimiter.connect({ url: TEST_REDIS_URL, keyPrefix }),
    RedisRateLimiter.connect({ url: TEST_REDIS_URL, keyPrefix }),
  ]);
  try {
    const decisions = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).hit('key', 20)));
    assert.equal(decisions.filter((d) => d.allowed).length, 20);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test(
  'a closed Redis limiter refuses hits (a bug to surface, not an outage to fall back from)',
  { skip: skipRedis },
  async () => {
    const limiter = await RedisRateLimiter.connect({ url: TEST_REDIS_URL, keyPrefix: `${prefix}closed:` });
    assert.equal((await limiter.hit('key', 1)).allowed, true);
    await limiter.close();
    await assert.rejects(limiter.hit('key', 1), /closed/);
  },
);

test('the Redis limiter refuses to start against an unreachable server: one line naming it', async () => {
  for (const url of ['redis://:secret@127.0.0.1:1', 'redis+cluster://:secret@127.0.0.1:1,127.0.0.1:2']) {
    await assert.rejects(RedisRateLimiter.connect({ url, connectTimeoutMs: 1000 }), (e: unknown) => {
      assert.ok(e instanceof DependencyUnavailableError);
      assert.equal(e.dependency, 'Redis');
      assert.ok(e.message.startsWith(`cannot reach Redis at ${url.replace('secret', '***')}: `), e.message);
      assert.ok(!e.message.includes('secret') && !e.message.includes('\n'), e.message);
      return true;
    });
  }
  await assert.rejects(
    RedisRateLimiter.connect({ url: 'http://127.0.0.1:6379' }),
    (e: unknown) => e instanceof DependencyUnavailableError && /redis:\/\//.test(e.message),
  );
});

test('redis+cluster:// URLs: nodes, credentials, TLS', () => {
  assert.deepEqual(parseClusterUrl('redis+cluster://u:p%40ss@10.0.0.1:7000,[::1]:7001,host'), {
    nodes: [
      { host: '10.0.0.1', port: 7000 },
      { host: '::1', port: 7001 },
      { host: 'host', port: 6379 },
    ],
    username: 'u',
    password: 'p@ss',
    tls: false,
  });
  assert.equal(parseClusterUrl('rediss+cluster://h:1')?.tls, true);
  assert.equal(parseClusterUrl('redis://h:1'), null);
  assert.throws(() => parseClusterUrl('redis+cluster://h:99999'), /port/);
  assert.throws(() => parseClusterUrl('redis+cluster://'), /redis\+cluster:\/\//);
});
