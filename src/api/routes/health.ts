// GET /healthz (is a snapshot served, which one) and GET /metrics (Prometheus text format).
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ProgressState } from '../../progress.ts';
import type { AppContext } from '../context.ts';
import { API_ERRORS, ApiError, errorEnvelope } from '../errors.ts';

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
  options: {
    metricsToken?: string | undefined;
    /** Where the first start stands while no snapshot is served (shown in /healthz's 503). */
    startup?: (() => ProgressState | null) | undefined;
  } = {},
): void {
  const metricsAuthorization = options.metricsToken ? `Bearer ${options.metricsToken}` : undefined;
  app.get('/healthz', async (request, reply) => {
    const index = ctx.index();
    // 503 until the first snapshot is active, so a load balancer only routes to replicas that can answer;
    // during a first start the body says how far the demo data has got.
    if (!index) {
      const progress = options.startup?.() ?? null;
      if (!progress) throw new ApiError('not_ready');
      return reply.code(503).send({
        ...errorEnvelope(503, API_ERRORS.not_ready.message, request.id),
        data: { status: 'starting', progress },
      });
    }
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
