// Per-process QPS limit (embedded default, and the local fallback of the Redis limiter): a token bucket
// per key. The bucket holds at most BURST_SECONDS × qps tokens, refills continuously at qps tokens per
// second, and a request takes one token or is refused. Over any interval of L seconds a key is therefore
// allowed at most qps × (L + BURST_SECONDS) requests, whatever the interval's alignment (no window
// boundaries), and a key that keeps asking gets qps × L of them, less one.
// Memory stays bounded: buckets that have refilled completely are the same as absent ones and are swept
// once the map grows past a threshold.
import type { RateDecision, RateLimiter } from './types.ts';

/** Capacity of a key's bucket in seconds of its rate: a key at rest may send qps requests at once. */
export const BURST_SECONDS = 1;

export function checkQps(qps: number): void {
  if (!Number.isSafeInteger(qps) || qps < 1)
    throw new RangeError(`qps must be a positive integer, got ${qps}`);
}

/** Tolerance on token counts: sums of fractional refills must not refuse a token that is due. */
export const TOKEN_EPSILON = 1e-9;

export function burstOf(qps: number): number {
  return qps * BURST_SECONDS;
}

/**
 * The decision for a hit, from whether it was allowed and the tokens left after it (shared with the Redis
 * limiter, whose script returns the same two values):
 * - remaining: requests that would be allowed right now (whole tokens left);
 * - resetMs: when allowed, ms until the bucket is full again (remaining back to the limit); when refused,
 *   ms until the next request would be allowed (the Retry-After).
 */
export function rateDecision(allowed: boolean, tokens: number, qps: number): RateDecision {
  const msPerToken = 1000 / qps;
  const missing = allowed ? burstOf(qps) - tokens : 1 - tokens;
  return {
    allowed,
    limit: qps,
    remaining: allowed ? Math.max(0, Math.floor(tokens + TOKEN_EPSILON)) : 0,
    resetMs: Math.max(allowed ? 0 : 1, Math.ceil(missing * msPerToken - TOKEN_EPSILON)),
  };
}

interface Bucket {
  tokens: number;
  /** Clock reading (ms) of the last update of tokens. */
  at: number;
  /** Clock reading at which the bucket is full again (then it can be forgotten). */
  fullAt: number;
}

export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  /** `now` is a monotonic clock in ms (injectable for tests). */
  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly sweepAbove = 10_000,
  ) {}

  async hit(keyId: string, qps: number): Promise<RateDecision> {
    checkQps(qps);
    return this.take(keyId, qps, this.now());
  }

  /** The synchronous core of hit(), for callers that already hold a clock reading. */
  take(keyId: string, qps: number, now: number): RateDecision {
    const burst = burstOf(qps);
    let b = this.buckets.get(keyId);
    if (!b) {
      if (this.buckets.size >= this.sweepAbove) this.sweep(now);
      b = { tokens: burst, at: now, fullAt: now };
      this.buckets.set(keyId, b);
    } else if (now > b.at) {
      b.tokens = Math.min(burst, b.tokens + ((now - b.at) * qps) / 1000);
      b.at = now;
    }
    b.tokens = Math.min(b.tokens, burst); // the key's qps may have been lowered
    const allowed = b.tokens >= 1 - TOKEN_EPSILON;
    if (allowed) b.tokens = Math.max(0, b.tokens - 1);
    b.fullAt = b.at + ((burst - b.tokens) * 1000) / qps;
    return rateDecision(allowed, b.tokens, qps);
  }

  /** Number of keys currently tracked (for tests of the memory bound). */
  get trackedKeys(): number {
    return this.buckets.size;
  }

  async close(): Promise<void> {
    this.buckets.clear();
  }

  private sweep(now: number): void {
    for (const [key, b] of this.buckets) if (b.fullAt <= now) this.buckets.delete(key);
  }
}
