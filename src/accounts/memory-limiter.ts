// Per-process QPS limit (embedded default): a fixed 1-second window per key, starting at the key's first hit.
// Memory stays bounded: expired windows are swept once the map grows past a threshold.
import type { RateDecision, RateLimiter } from './types.ts';

export const WINDOW_MS = 1000;

export function checkQps(qps: number): void {
  if (!Number.isSafeInteger(qps) || qps < 1)
    throw new RangeError(`qps must be a positive integer, got ${qps}`);
}

export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly sweepAbove = 10_000,
  ) {}

  async hit(keyId: string, qps: number): Promise<RateDecision> {
    checkQps(qps);
    const now = this.now();
    let w = this.windows.get(keyId);
    if (!w || now - w.start >= WINDOW_MS) {
      if (!w && this.windows.size >= this.sweepAbove) this.sweep(now);
      w = { start: now, count: 0 };
      this.windows.set(keyId, w);
    }
    w.count++;
    return {
      allowed: w.count <= qps,
      limit: qps,
      remaining: Math.max(0, qps - w.count),
      // Subtract the elapsed time (not start + window - now): the sum can round above the window in floating point.
      resetMs: Math.max(0, Math.ceil(WINDOW_MS - (now - w.start))),
    };
  }

  /** Number of keys currently tracked (for tests of the memory bound). */
  get trackedKeys(): number {
    return this.windows.size;
  }

  async close(): Promise<void> {
    this.windows.clear();
  }

  private sweep(now: number): void {
    for (const [key, w] of this.windows) if (now - w.start >= WINDOW_MS) this.windows.delete(key);
  }
}
