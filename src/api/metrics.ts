// Prometheus metrics of one app, in a registry of its own (several apps can live in one process).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ServingIndex } from '../index/types.ts';

export interface ApiMetrics {
  readonly registry: Registry;
  /** Records a finished request under its route template (or "unmatched"). */
  observeRequest(route: string, status: number, seconds: number): void;
  creditDebited(): void;
  creditRefunded(): void;
}

export function createMetrics(
  index: () => ServingIndex | null,
  options: { processMetrics?: boolean } = {},
): ApiMetrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'kolscope_' });
  const requests = new Counter({
    name: 'kolscope_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['route', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'kolscope_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const debited = new Counter({
    name: 'kolscope_credits_debited_total',
    help: 'Credits debited for successful requests',
    registers: [registry],
  });
  const refunded = new Counter({
    name: 'kolscope_credits_refunded_total',
    help: 'Credits given back because the request failed after its debit',
    registers: [registry],
  });
  new Gauge({
    name: 'kolscope_snapshot_info',
    help: 'The snapshot served (value 1; version and as-of date in labels); absent before the first one',
    labelNames: ['version', 'as_of'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const current = index();
      if (current) this.set({ version: current.version, as_of: current.asOf }, 1);
    },
  });
  new Gauge({
    name: 'kolscope_snapshot_regions',
    help: 'Regions served by the current snapshot',
    registers: [registry],
    collect() {
      this.set(index()?.regions.length ?? 0);
    },
  });
  // Label-bound children, looked up once per (route, status) instead of hashing labels on every request.
  const bound = new Map<string, { count: () => void; observe: (seconds: number) => void }>();
  return {
    registry,
    observeRequest(route, status, seconds) {
      const key = `${status} ${route}`;
      let child = bound.get(key);
      if (!child) {
        const counter = requests.labels(route, String(status));
        const histogram = latency.labels(route);
        child = { count: () => counter.inc(), observe: (s) => histogram.observe(s) };
        bound.set(key, child);
      }
      child.count();
      child.observe(seconds);
    },
    creditDebited: () => debited.inc(),
    creditRefunded: () => refunded.inc(),
  };
}
