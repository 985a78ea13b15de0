// GET /healthz (is a snapshot served, which one) and GET /metrics (Prometheus text format).
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import { ApiError } from '../errors.ts';

export interface HealthData {
  readonly status: 'ok';
  readonly snapshot: { readonly version: string; readonly asOf: string; readonly regions: readonly string[] };
}

/** Constant-time comparison of the presented Authorization header with the expected one. */
function sameSecret(presented: string | undefined, expected: string): boolean {
  const a = Buffer.from(presented ?? '');
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function registerHealth(
  app: FastifyInstance,
  ctx: AppContext,
  options: { metricsToken?: string | undefined } = {},
): void {
  const metricsAuthorization = options.metricsToken ? `Bearer ${options.metricsToken}` : undefined;
  app.get('/healthz', async (request) => {
    const index = ctx.index();
    // 503 until the first snapshot is active, so a load balancer only routes to replicas that can answer.
    if (!index) throw new ApiError('not_ready');
    const data: HealthData = {
      status: 'ok',
      snapshot: { version: index.version, asOf: index.asOf, regions: index.regions },
    };
    return { code: 0, message: 'success', data, requestId: request.id };
  });

  app.get('/metrics', async (request, reply) => {
    if (metricsAuthorization && !sameSecret(request.headers.authorization, metricsAuthorization))
      throw new ApiError('metrics_unauthorized');
    reply.type(ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });
}
