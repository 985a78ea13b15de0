// The Kolscope HTTP app: built here, listened to by the caller (kolscope serve, tests, benchmarks).
import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import type { AccountStore, RateLimiter } from '../accounts/types.ts';
import type { ServingIndex } from '../index/types.ts';
import { refundIfCharged } from './account-guard.ts';
import { createContext, type AppContext } from './context.ts';
import { API_ERRORS, ApiError, errorEnvelope } from './errors.ts';
import { createMetrics } from './metrics.ts';
import { PAID_ENDPOINTS } from './endpoints/registry.ts';
import { registerPaidEndpoint } from './paid-route.ts';
import { registerDocs } from './routes/docs.ts';
import { registerHealth } from './routes/health.ts';
import { registerWeb } from './routes/web.ts';
import { newRequestId } from './request-id.ts';

export interface AppDeps {
  /** The snapshot served now (swapped atomically by the caller on activation), null before the first. */
  readonly index: () => ServingIndex | null;
  readonly accounts: AccountStore;
  readonly limiter: RateLimiter;
  /** Fastify (pino) logger options; false (the default) for none. */
  readonly logger?: FastifyServerOptions['logger'];
  /** Base URL written into the served OpenAPI document's servers (default http://127.0.0.1:8080). */
  readonly publicUrl?: string;
  /** Bytes of result pages (UTF-8) and their keys cached for the current snapshot (default 32 Mi, ~2000 full pages; 0 = off). */
  readonly pageCacheChars?: number;
  /** Also export process metrics (CPU, memory, event loop) on /metrics. */
  readonly processMetrics?: boolean;
  /** When set, /metrics answers only requests with `Authorization: Bearer <metricsToken>`. */
  readonly metricsToken?: string;
}

/** Replaces an API key pasted into a URL by mistake before the URL is logged. */
function redactKeys(url: string): string {
  return url.replace(/sk_live_[0-9A-Za-z]*/g, 'sk_live_[redacted]');
}

export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    logger: deps.logger ?? false,
    // One "request" log line per request is written in onResponse, with the key id and the latency.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    genReqId: () => newRequestId(), // UUIDv7: time-ordered, so ledger index inserts stay local
    requestIdHeader: false, // ids are ours: a client cannot pick the id its ledger entry is keyed by
    exposeHeadRoutes: false, // a HEAD would cost a credit and return nothing
    return503OnClosing: false, // in-flight and keep-alive requests finish normally during shutdown
    bodyLimit: 1024,
    // Routes parse their own query strings (repeated parameters must stay visible to the validator).
    routerOptions: { querystringParser: () => ({}) },
    frameworkErrors: (error, request, genericReply) => {
      const reply = genericReply as FastifyReply;
      reply
        .code(400)
        .send(errorEnvelope(400, `${API_ERRORS.bad_request.message}: ${error.message}`, request.id));
    },
  });
  const metrics = createMetrics(deps.index, { processMetrics: deps.processMetrics ?? false });
  const ctx: AppContext = createContext(
    { index: deps.index, accounts: deps.accounts, limiter: deps.limiter, metrics },
    deps.pageCacheChars ?? 32 * 1024 * 1024,
  );

  const logging = Boolean(deps.logger); // without a logger, skip building the per-request line
  app.decorateRequest('account', null);
  app.decorateRequest('creditsCharged', 0);

  // Hooks in callback style: an async hook costs a promise and a microtask per request for nothing here.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id).header('x-content-type-options', 'nosniff');
    done();
  });

  app.addHook('onResponse', (request, reply, done) => {
    const latencyMs = reply.elapsedTime;
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.observeRequest(route, reply.statusCode, latencyMs / 1000);
    const keyId = request.account?.id;
    if (keyId) {
      ctx.accounts.recordUsage({
        keyId,
        requestId: request.id,
        at: new Date(),
        status: reply.statusCode,
        credits: request.creditsCharged,
        latencyMs,
      });
    }
    if (logging) logRequest(request, reply, keyId, latencyMs);
    done();
  });

  const logRequest = (
    request: FastifyRequest,
    reply: FastifyReply,
    keyId: string | undefined,
    latencyMs: number,
  ): void => {
    request.log.info(
      {
        method: request.method,
        url: redactKeys(request.url),
        keyId,
        status: reply.statusCode,
        latencyMs: Math.round(latencyMs * 100) / 100,
        credits: request.creditsCharged,
      },
      'request',
    );
  };

  app.setErrorHandler(async (error: unknown, request, reply) => {
    try {
      await refundIfCharged(ctx, request);
    } catch (refundError) {
      request.log.error({ err: refundError, keyId: request.account?.id }, 'refund failed');
    }
    if (error instanceof ApiError) {
      return reply.code(error.status).send(errorEnvelope(error.status, error.message, request.id));
    }
    const status = (error as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // Fastify's own client errors (unsupported content type, body too large, …).
      const detail = error instanceof Error ? `: ${error.message}` : '';
      return reply
        .code(400)
        .send(errorEnvelope(400, `${API_ERRORS.bad_request.message}${detail}`, request.id));
    }
    // A bug or a broken dependency: the cause goes to the log under the request id, never to the client.
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send(errorEnvelope(500, API_ERRORS.internal_error.message, request.id));
  });

  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0]!;
    const message = `${API_ERRORS.not_found.message}: ${request.method} ${path.length > 100 ? path.slice(0, 100) + '…' : path}`;
    return reply.code(404).send(errorEnvelope(404, message, request.id));
  });

  for (const endpoint of PAID_ENDPOINTS) registerPaidEndpoint(app, ctx, endpoint);
  registerHealth(app, ctx, { metricsToken: deps.metricsToken });
  registerDocs(app, { publicUrl: deps.publicUrl ?? 'http://127.0.0.1:8080' });
  registerWeb(app); // the explorer (/), the API reference (/docs) and their assets, built from web/
  return app;
}
