// Global QPS limit across replicas (REDIS_URL): the token bucket of memory-limiter.ts, kept in Redis and
// updated by one Lua script per hit (one atomic round trip). The script reads the clock with
// redis.call('TIME'), so replicas whose clocks disagree still agree on every bucket.
//
// Redis failing must not fail requests: a hit that Redis does not answer within commandTimeoutMs (or that
// fails) is decided by a per-replica MemoryRateLimiter instead, and so are the hits after it, while one
// hit per retryMs tries Redis again; the first one it answers switches back.
//
// REDIS_URL is redis://… or rediss://… for one server, redis+cluster://… or rediss+cluster://… for a Redis
// Cluster: redis+cluster://[user:password@]host:port[,host:port…] lists some of its nodes.
import { Cluster, Redis } from 'ioredis';
import type { RateDecision, RateLimiter } from './types.ts';
import { MemoryRateLimiter, burstOf, checkQps, rateDecision } from './memory-limiter.ts';
import { DependencyUnavailableError, redactUrl } from './errors.ts';

// KEYS[1]: the key's bucket (hash: tokens, at in µs of server time); ARGV[1]: qps; ARGV[2]: capacity.
// Returns {1 if allowed else 0, tokens left as a string (a Lua number would be truncated to an integer)}.
// Time is counted in whole µs, so the elapsed time, and with it the refill, is exact.
const HIT_SCRIPT = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local qps = tonumber(ARGV[1])
local cap = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = cap
  at = now
elseif now > at then
  tokens = tokens + (now - at) * qps / 1000000
  at = now
end
if tokens > cap then tokens = cap end
local allowed = 0
if tokens >= 1 - 1e-9 then
  tokens = math.max(0, tokens - 1)
  allowed = 1
end
local left = string.format('%.17g', tokens)
redis.call('HSET', KEYS[1], 'tokens', left, 'at', string.format('%d', at))
redis.call('PEXPIRE', KEYS[1], math.ceil((cap - tokens) * 1000 / qps) + 1000)
return {allowed, left}
`;

type RedisClient = (Redis | Cluster) & {
  kolscopeHit(key: string, qps: number, capacity: number): Promise<[number, string]>;
};

export interface RedisRateLimiterOptions {
  /** redis://, rediss://, redis+cluster:// or rediss+cluster:// (see the head of this file). */
  readonly url: string;
  /** Prepended to every Redis key (tests use a unique one per run). */
  readonly keyPrefix?: string | undefined;
  /** Longest wait for Redis on one hit before the local limiter decides it (default 150 ms). */
  readonly commandTimeoutMs?: number | undefined;
  /** Longest wait for Redis when connecting at start (default 2000 ms). */
  readonly connectTimeoutMs?: number | undefined;
  /** While the local limiter decides, how often one hit tries Redis again (default 1000 ms). */
  readonly retryMs?: number | undefined;
  /** Told when hits switch to the local limiter (with the cause) and back to Redis (default: a line on stderr). */
  readonly onFallback?: ((active: boolean, cause?: Error) => void) | undefined;
}

export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 150;
export const DEFAULT_REDIS_CONNECT_TIMEOUT_MS = 2000;

export class RedisRateLimiter implements RateLimiter {
  private readonly local = new MemoryRateLimiter();
  private falling = false;
  private probing = false;
  private nextProbeAt = 0;
  private closed = false;

  private constructor(
    private readonly redis: RedisClient,
    private readonly keyPrefix: string,
    private readonly timeoutMs: number,
    private readonly retryMs: number,
    private readonly onFallback: (active: boolean, cause?: Error) => void,
  ) {}

  /**
   * Connects once, failing within connectTimeoutMs with a DependencyUnavailableError when Redis does not
   * answer; the client is then reused and reconnects by itself.
   */
  static async connect(options: RedisRateLimiterOptions): Promise<RedisRateLimiter> {
    const timeoutMs = options.commandTimeoutMs ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS;
    const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_REDIS_CONNECT_TIMEOUT_MS;
    const redacted = redactUrl(options.url);
    let redis: RedisClient;
    try {
      redis = createClient(options.url, timeoutMs, connectTimeoutMs);
    } catch (error) {
      throw new DependencyUnavailableError('Redis', redacted, error);
    }
    // Failures are reported through the hits (onFallback); without a listener ioredis would print every
    // reconnect attempt.
    redis.on('error', () => {});
    try {
      await withDeadline(
        redis.connect().then(() => redis.ping()),
        connectTimeoutMs,
        'no answer',
      );
    } catch (error) {
      redis.disconnect();
      throw new DependencyUnavailableError('Redis', redacted, error);
    }
    return new RedisRateLimiter(
      redis,
      options.keyPrefix ?? 'kolscope:qps:',
      timeoutMs,
      options.retryMs ?? 1000,
      options.onFallback ??
        ((active, cause) =>
          process.stderr.write(
            active
              ? `kolscope: Redis at ${redacted} failed (${cause?.message ?? 'unknown'}): QPS limits are per replica until it answers again\n`
              : `kolscope: Redis at ${redacted} answers again: QPS limits are global again\n`,
          )),
    );
  }

  /** True while hits are decided by the per-replica fallback. */
  get fallingBack(): boolean {
    return this.falling;
  }

  async hit(keyId: string, qps: number): Promise<RateDecision> {
    checkQps(qps);
    // A bug, not an outage: Redis failing is what the fallback is for, a closed limiter is not.
    if (this.closed) throw new Error('rate limiter is closed');
    if (!this.falling) {
      try {
        return await this.remote(keyId, qps);
      } catch (error) {
        this.fallBack(error);
        return this.local.hit(keyId, qps);
      }
    }
    // One probe at a time, and only on a live connection: every other hit is decided locally at once.
    if (this.probing || Date.now() < this.nextProbeAt || this.redis.status !== 'ready')
      return this.local.hit(keyId, qps);
    this.probing = true;
    try {
      const decision = await this.remote(keyId, qps);
      this.falling = false;
      this.onFallback(false);
      return decision;
    } catch {
      this.nextProbeAt = Date.now() + this.retryMs;
      return this.local.hit(keyId, qps);
    } finally {
      this.probing = false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.local.close();
    await withDeadline(this.redis.quit(), this.timeoutMs, 'no answer to QUIT').catch(() =>
      this.redis.disconnect(),
    );
  }

  private async remote(keyId: string, qps: number): Promise<RateDecision> {
    const [allowed, tokens] = await withDeadline(
      this.redis.kolscopeHit(this.keyPrefix + keyId, qps, burstOf(qps)),
      this.timeoutMs,
      `no answer within ${this.timeoutMs} ms`,
    );
    return rateDecision(allowed === 1, Number(tokens), qps);
  }

  private fallBack(error: unknown): void {
    this.nextProbeAt = Date.now() + this.retryMs;
    if (this.falling) return;
    this.falling = true;
    this.onFallback(true, error instanceof Error ? error : new Error(String(error)));
  }
}

interface ClusterTarget {
  readonly nodes: { host: string; port: number }[];
  readonly username?: string;
  readonly password?: string;
  readonly tls: boolean;
}

/** The nodes and credentials of a redis+cluster:// or rediss+cluster:// URL; null for another scheme. */
export function parseClusterUrl(url: string): ClusterTarget | null {
  const m = /^(rediss?)\+cluster:\/\/(?:([^:@/]*)(?::([^/]*))?@)?([^/?#]+)\/?$/i.exec(url);
  if (!m) {
    if (/^rediss?\+cluster:/i.test(url))
      throw new Error('expected redis+cluster://[user:password@]host:port[,host:port…]');
    return null;
  }
  const nodes = m[4]!.split(',').map((hostPort) => {
    const hp = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(hostPort.trim());
    if (!hp) throw new Error(`"${hostPort}" is not host:port`);
    const port = hp[2] === undefined ? 6379 : Number(hp[2]);
    if (port < 1 || port > 65535) throw new Error(`port out of range in "${hostPort}"`);
    return { host: hp[1]!.replace(/^\[|\]$/g, ''), port };
  });
  return {
    nodes,
    ...(m[2] && { username: decodeURIComponent(m[2]) }),
    ...(m[3] !== undefined && { password: decodeURIComponent(m[3]) }),
    tls: m[1]!.toLowerCase() === 'rediss',
  };
}

function createClient(url: string, timeoutMs: number, connectTimeoutMs: number): RedisClient {
  // Fail at once instead of queueing while disconnected, and never replay a hit after a reconnect (it
  // was decided locally already).
  const common = {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: timeoutMs,
    connectTimeout: connectTimeoutMs,
  };
  const reconnect = (times: number) => Math.min(100 * times, 1000);
  const cluster = parseClusterUrl(url);
  let redis: Redis | Cluster;
  if (cluster) {
    redis = new Cluster(cluster.nodes, {
      lazyConnect: true,
      enableOfflineQueue: false,
      clusterRetryStrategy: reconnect,
      // A moved slot or a failover is retried by ioredis; the hit's own deadline still bounds the wait.
      slotsRefreshTimeout: connectTimeoutMs,
      redisOptions: {
        ...common,
        ...(cluster.username !== undefined && { username: cluster.username }),
        ...(cluster.password !== undefined && { password: cluster.password }),
        ...(cluster.tls && { tls: {} }),
      },
    });
  } else {
    if (!/^rediss?:\/\//i.test(url))
      throw new Error('expected a redis://, rediss:// or redis+cluster:// URL');
    redis = new Redis(url, { ...common, retryStrategy: reconnect });
  }
  redis.defineCommand('kolscopeHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
  return redis as RedisClient;
}

/** Settles like `work`, or rejects after `ms` (the work goes on and is ignored). */
function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(what)), ms);
    work.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error: unknown) => (clearTimeout(timer), reject(error as Error)),
    );
  });
}
