// Keys, QPS limits and credits in the scaled-out mode: PostgreSQL store, Redis limiter (real servers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RedisRateLimiter } from '../../src/accounts/redis-limiter.ts';
import { TEST_REDIS_URL, unavailable } from '../support/services.ts';
import { routeSuite } from './route-suite.ts';
import { LIST, SCALED_BACKEND, SQLITE_BACKEND, get, listen, testSnapshot } from './support.ts';

routeSuite(SCALED_BACKEND);

const redisDown = await unavailable('redis');

test(
  'with the Redis limiter unreachable, paid requests fail closed: a 500 envelope, nothing charged',
  { skip: redisDown },
  async () => {
    const snapshot = await testSnapshot(500, 2);
    const accounts = await SQLITE_BACKEND.open();
    const limiter = await RedisRateLimiter.connect({
      url: TEST_REDIS_URL,
      keyPrefix: `kolscope-api-down-${process.pid}:`,
    });
    await limiter.close(); // the connection is gone: every hit now fails, as when Redis is down
    const server = await listen({ index: () => snapshot.index, accounts: accounts.store, limiter });
    try {
      const { key, id } = await accounts.store.createKey({ name: 'down', credits: 5, qps: 10 });
      const res = await get(`${server.url}${LIST}?region=US`, key);
      assert.equal(res.status, 500);
      assert.deepEqual(
        [res.body.code, res.body.message, res.body.data],
        [500, 'Internal server error', null],
      );
      assert.equal((await accounts.store.listKeys()).find((k) => k.id === id)!.credits, 5);
      assert.deepEqual(
        (await accounts.ledger(id)).filter((r) => r.reason !== 'grant'),
        [],
        'no debit',
      );
      // The free routes do not depend on the limiter.
      assert.equal((await get(`${server.url}/healthz`)).status, 200);
    } finally {
      await server.close();
      await accounts.cleanup();
      await snapshot.remove();
    }
  },
);
