// GET /healthz (is a snapshot served, which one) and GET /metrics (Prometheus text format).
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import { ApiError } from '../errors.ts';

export interface HealthData {
  readonly status: 'ok';
  readonly snapshot: { readonly version: string; readonly asOf: string; readonly regions: readonly string[] };
}

export function registerHealth(app: FastifyInstance, ctx: AppContext): void {
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

  app.get('/metrics', async (_request, reply) => {
    reply.type(ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });
}
