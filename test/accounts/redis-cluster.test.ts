// The RateLimiter contract against a Redis Cluster of three masters that this test starts on loopback
// ports (Debian's redis-server and redis-cli), chosen by a redis+cluster:// URL as in production.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { openRateLimiter } from '../../src/accounts/index.ts';
import { RedisRateLimiter } from '../../src/accounts/redis-limiter.ts';
import { rateLimiterContract } from './limiter-contract.ts';
import { redisServerMissing, startRedisCluster, type RedisCluster } from '../support/servers.ts';

const skip = redisServerMissing();
let cluster: RedisCluster | undefined;

rateLimiterContract('Redis Cluster', skip, {
  open: async () => {
    cluster = await startRedisCluster();
    // The contract is about the limiter's arithmetic: a generous command timeout, so that the first hits on
    // a cluster just started (topology discovery, new connections) are not decided by the local fallback
    // after the default 150 ms. The fallback has its own tests (redis-failure.test.ts).
    return openRateLimiter({ redisUrl: cluster.url, redisTimeoutMs: 5000 });
  },
  cleanup: async () => {
    await cluster?.stop();
  },
});

test('keys of one limiter spread over the three masters of a cluster', { skip }, async () => {
  const own = await startRedisCluster();
  // A generous command timeout: this test is about where keys land, and a hit that waited longer than the
  // default 150 ms on a busy machine would be decided by the local fallback and write nothing to the cluster.
  const limiter = await RedisRateLimiter.connect({
    url: own.url,
    keyPrefix: 'spread:',
    commandTimeoutMs: 5000,
  });
  try {
    await Promise.all(Array.from({ length: 30 }, (_, i) => limiter.hit(`key-${i}`, 10)));
    const perNode = own.ports.map((port) =>
      Number(spawnSync('redis-cli', ['-p', String(port), 'dbsize'], { encoding: 'utf8' }).stdout.trim()),
    );
    assert.equal(
      perNode.reduce((a, b) => a + b, 0),
      30,
    );
    assert.ok(
      perNode.every((n) => n > 0),
      `keys per master: ${perNode.join(', ')}`,
    );
  } finally {
    await limiter.close();
    await own.stop();
  }
});
