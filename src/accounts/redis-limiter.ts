// Global QPS limit across replicas (REDIS_URL): a fixed 1-second window per key in Redis, counted by one Lua
// script (INCR, PEXPIRE on the first hit, PTTL), so each hit is one atomic round trip.
import { Redis } from 'ioredis';
import type { RateDecision, RateLimiter } from './types.ts';
import { WINDOW_MS, checkQps } from './memory-limiter.ts';

const HIT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if n == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
`;

type WithHit = Redis & { kolscopeHit(key: string, windowMs: number): Promise<[number, number]> };

export interface RedisRateLimiterOptions {
  readonly url: string;
  /** Prepended to every Redis key (tests use a unique one per run). */
  readonly keyPrefix?: string;
}

export class RedisRateLimiter implements RateLimiter {
  private readonly redis: WithHit;
  private readonly keyPrefix: string;

  private constructor(redis: Redis, keyPrefix: string) {
    redis.defineCommand('kolscopeHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
    this.redis = redis as WithHit;
    this.keyPrefix = keyPrefix;
  }

  /** Connects once (failing fast with a clear error when Redis is unreachable); the client is then reused. */
  static async connect(options: RedisRateLimiterOptions): Promise<RedisRateLimiter> {
    const redis = new Redis(options.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      commandTimeout: 2000,
      connectTimeout: 5000,
    });
    // Reported through the rejected commands; without a listener ioredis would print every reconnect attempt.
    redis.on('error', () => {});
    try {
      await redis.connect();
      await redis.ping();
    } catch (error) {
      redis.disconnect();
      throw new Error(`cannot reach Redis at ${redactUrl(options.url)}: ${(error as Error).message}`);
    }
    return new RedisRateLimiter(redis, options.keyPrefix ?? 'kolscope:qps:');
  }

  async hit(keyId: string, qps: number): Promise<RateDecision> {
    checkQps(qps);
    const [count, ttl] = await this.redis.kolscopeHit(this.keyPrefix + keyId, WINDOW_MS);
    return {
      allowed: count <= qps,
      limit: qps,
      remaining: Math.max(0, qps - count),
      resetMs: Math.max(0, ttl),
    };
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
