// The Kolscope HTTP app: built here, listened to by the caller (kolscope serve, tests, benchmarks).
import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import { AccountStoreUnavailable } from '../accounts/index.ts';
import type { AccountStore, RateLimiter } from '../accounts/types.ts';
import type { ServingIndex } from '../index/types.ts';
import type { ProgressState } from '../progress.ts';
import { refundIfCharged } from './account-guard.ts';
import { createContext, type AppContext } from './context.ts';
import { API_ERRORS, ApiError, errorEnvelope, type ApiErrorCode } from './errors.ts';
import { createMetrics } from './metrics.ts';
import { PAID_ENDPOINTS } from './endpoints/registry.ts';
import { registerPaidEndpoint } from './paid-route.ts';
import { registerDocs } from './routes/docs.ts';
import { registerHealth } from './routes/health.ts';
import { registerWeb } from './routes/web.ts';
import { newRequestId } from './request-id.ts';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

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
  /** Requests per second a client address may send without a valid key (default 20); more get a 429. */
  readonly anonymousQps?: number;
  /** Where the first start stands while no snapshot is active (the body of /healthz's 503). */
  readonly startup?: () => ProgressState | null;
  /** Timeouts and size limits of the HTTP layer (defaults: HTTP_LIMITS). */
  readonly http?: Partial<HttpLimits>;
}

/** How long the server waits on a client, and how much it reads from one (docs/running.md, Configuration). */
export interface HttpLimits {
  /** Headers must arrive within this (a slow-header client gets a 408 and is disconnected). */
  readonly headersTimeoutMs: number;
  /** The whole request (headers and body) must arrive within this (a stalled body gets a 408). */
  readonly requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  readonly keepAliveTimeoutMs: number;
  /** A request must be answered within this, or it gets a 503 and anything charged for it is refunded. */
  readonly deadlineMs: number;
  /** Longest URL (path and query string) accepted; longer is a 414. Node refuses headers above 16 KiB (431). */
  readonly maxUrlLength: number;
}

export const HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 15_000,
  keepAliveTimeoutMs: 5_000,
  deadlineMs: 2_000,
  maxUrlLength: 8_192,
};

/** The envelope the HTTP layer itself sends on a connection that never became a request (no route ran). */
function writeClientError(socket: Duplex, code: ApiErrorCode): string {
  const { status, message } = API_ERRORS[code];
  const requestId = newRequestId();
  const body = JSON.stringify(errorEnvelope(status, message, requestId));
  socket.write(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
  );
  return requestId;
}

/** Node's parser and timeout errors, by the status their envelope gets. */
function clientErrorCode(error: NodeJS.ErrnoException): ApiErrorCode {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'request_timeout';
  if (error.code === 'HPE_HEADER_OVERFLOW') return 'headers_too_large';
  return 'bad_request';
}

/**
 * The URL as it is logged: percent-decoded where it decodes (so that "sk%5Flive%5F…" cannot slip past), with
 * any API key pasted into it by mistake replaced.
 */
export function redactKeys(url: string): string {
  let decoded = url;
  try {
    decoded = decodeURIComponent(url.replace(/\+/g, ' '));
  } catch {
    // Malformed escapes: decode what decodes, byte by byte, so a key split by them is still found.
    decoded = url.replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
  return decoded.replace(/sk_live_[0-9A-Za-z]*/gi, 'sk_live_[redacted]');
}

export function buildApp(deps: AppDeps): FastifyInstance {
  const limits: HttpLimits = { ...HTTP_LIMITS, ...deps.http };
  const app = Fastify({
    // Timeouts (see HttpLimits): Node checks them every second instead of every 30 s by default.
    http: { headersTimeout: limits.headersTimeoutMs, connectionsCheckingInterval: 1000 },
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    handlerTimeout: limits.deadlineMs,
    forceCloseConnections: 'idle',
    // What Node's parser refuses (malformed request, slow client, oversized headers) never reaches a route:
    // it gets the same envelope and a request id, written on the socket.
    clientErrorHandler: (error: NodeJS.ErrnoException, socket: Duplex) => {
      if (error.code === 'ECONNRESET' || socket.destroyed) return;
      const code = clientErrorCode(error);
      const requestId = socket.writable ? writeClientError(socket, code) : undefined;
      app.log.info({ requestId, status: API_ERRORS[code].status, err: error.code }, 'client error');
      socket.destroy();
    },
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
    {
      index: deps.index,
      accounts: deps.accounts,
      limiter: deps.limiter,
      metrics,
      anonymousQps: deps.anonymousQps ?? 20,
    },
    deps.pageCacheChars ?? 32 * 1024 * 1024,
  );

  const logging = Boolean(deps.logger); // without a logger, skip building the per-request line
  app.decorateRequest('account', null);
  app.decorateRequest('creditsCharged', 0);
  app.decorateRequest('debitStarted', false);

  // Hooks in callback style: an async hook costs a promise and a microtask per request for nothing here.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id).header('x-content-type-options', 'nosniff');
    done(request.url.length > limits.maxUrlLength ? new ApiError('uri_too_long') : undefined);
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
    // Health checks come every few seconds from load balancers: at debug, so they do not bury the rest.
    const level = request.routeOptions.url === '/healthz' ? 'debug' : 'info';
    request.log[level](
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
    if (error instanceof AccountStoreUnavailable) {
      request.log.warn({ err: error, keyId: request.account?.id }, 'accounts store unavailable');
      return reply.code(503).send(errorEnvelope(503, API_ERRORS.accounts_unavailable.message, request.id));
    }
    if (error instanceof ApiError) {
      return reply.code(error.status).send(errorEnvelope(error.status, error.message, request.id));
    }
    const { statusCode: status, code } = error as { statusCode?: unknown; code?: unknown };
    if (code === 'FST_ERR_HANDLER_TIMEOUT') {
      // The deadline passed while the request waited on the accounts store (the only thing a paid request
      // awaits; the limiter falls back locally within its own short timeout). A debit still on its way is
      // voided now: the store's refund is safe before, after or without the debit.
      if (request.debitStarted && request.creditsCharged === 0 && request.account) {
        const { id } = request.account;
        ctx.accounts.refund(id, request.id).catch((refundError: unknown) => {
          request.log.error({ err: refundError, keyId: id }, 'refund after the deadline failed');
        });
      }
      return reply.code(503).send(errorEnvelope(503, API_ERRORS.accounts_unavailable.message, request.id));
    }
    if (status === 413) {
      return reply.code(413).send(errorEnvelope(413, API_ERRORS.payload_too_large.message, request.id));
    }
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
  registerHealth(app, ctx, { metricsToken: deps.metricsToken, startup: deps.startup });
  registerDocs(app, { publicUrl: deps.publicUrl ?? 'http://127.0.0.1:8080' });
  registerWeb(app); // the explorer (/), the API reference (/docs) and their assets, built from web/
  return app;
}
