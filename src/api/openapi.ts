// The served OpenAPI document: the seed contract (../shared/openapi.seed.yaml) with its known flaws fixed
// and the open points decided, one path per registered paid endpoint. Parameters, data schemas and examples
// come from the endpoints' own declarations, so the document cannot drift from what the server accepts and
// returns.
import type { Json, PaidEndpoint } from './endpoint.ts';
import { PAID_ENDPOINTS } from './endpoints/registry.ts';
import { API_ERRORS, type ApiErrorCode } from './errors.ts';

export type OpenApiDocument = { [key: string]: Json };

const EXAMPLE_REQUEST_ID = '019ab5c2-6f3e-7a41-9c2d-5e8f0a1b2c3d'; // UUIDv7, as issued

/** The example message of each documented error status. */
const ERROR_EXAMPLES: Readonly<Record<number, { code: ApiErrorCode; message: string; description: string }>> =
  {
    400: {
      code: 'invalid_parameter',
      message: 'Missing required parameter: region',
      description:
        'A parameter is missing, malformed, out of range, unknown or repeated. The message names the parameter, e.g. "page_size must be an integer between 1 and 10, got \\"11\\"".',
    },
    401: {
      code: 'missing_api_key',
      message: API_ERRORS.missing_api_key.message,
      description: `No key ("${API_ERRORS.missing_api_key.message}"), a malformed one ("${API_ERRORS.malformed_api_key.message}"), an unknown one ("${API_ERRORS.unknown_api_key.message}") or a revoked one ("${API_ERRORS.revoked_api_key.message}"). Never charged.`,
    },
    402: {
      code: 'insufficient_credits',
      message: API_ERRORS.insufficient_credits.message,
      description: 'The key has no credit left. Never charged.',
    },
    429: {
      code: 'qps_limit_exceeded',
      message: API_ERRORS.qps_limit_exceeded.message,
      description:
        "More requests in the current second than the key's QPS limit. Retry after the Retry-After header's seconds. Never charged.",
    },
    500: {
      code: 'internal_error',
      message: API_ERRORS.internal_error.message,
      description:
        'An unexpected failure. The cause is logged under the requestId; a credit already debited is refunded.',
    },
    404: {
      code: 'influencer_not_found',
      message: API_ERRORS.influencer_not_found.message,
      description: `An id looked up that the snapshot does not hold ("${API_ERRORS.influencer_not_found.message}", the trend endpoint), or a path that is no route ("${API_ERRORS.not_found.message}: GET /path"). Never charged.`,
    },
    408: {
      code: 'request_timeout',
      message: API_ERRORS.request_timeout.message,
      description:
        'The request (headers, or headers and body) was not received in time; the connection is closed.',
    },
    414: {
      code: 'uri_too_long',
      message: API_ERRORS.uri_too_long.message,
      description: 'The URL is longer than 8,192 characters.',
    },
    431: {
      code: 'headers_too_large',
      message: API_ERRORS.headers_too_large.message,
      description: 'The request line and headers exceed 16 KiB.',
    },
    503: {
      code: 'not_ready',
      message: API_ERRORS.not_ready.message,
      description: `The server has not activated its first snapshot yet (first start: "${API_ERRORS.not_ready.message}"), or the accounts store failed or did not answer within the request deadline ("${API_ERRORS.accounts_unavailable.message}"). Never charged.`,
    },
  };

const header = (description: string, type: 'integer' | 'string'): Json => ({
  description,
  schema: { type },
});

const RATE_HEADERS: { [key: string]: Json } = {
  'X-Request-Id': header(
    'The request id (a UUIDv7), also in the body (requestId). Quote it when reporting a problem.',
    'string',
  ),
  'X-RateLimit-Limit': header("The key's QPS limit (requests per second).", 'integer'),
  'X-RateLimit-Remaining': header(
    "Requests the key's token bucket would allow right now (it holds at most the QPS limit and refills at that rate).",
    'integer',
  ),
  'X-RateLimit-Reset': header(
    "Seconds until the key's full burst is available again; on a 429, until the next request is allowed (rounded up).",
    'integer',
  ),
  'X-Total-Count': header(
    'On a list 200: the exact number of influencers matching the query over every page.',
    'integer',
  ),
  'X-Snapshot-Version': header('The version of the snapshot that answered, e.g. 2026-11-24.1.', 'string'),
  'X-Data-As-Of': header('The day the answering snapshot describes, yyyymmdd (e.g. 20261124).', 'string'),
  'X-Credits-Remaining': header(
    "The key's credits left after this request's debit, as committed (on 200 and 402 of a paid endpoint; not on other statuses, which touch no credit).",
    'integer',
  ),
};

/** How every paid endpoint is called: keys, credits, limits, order of checks. */
const ACCESS = `**Keys, credits and limits.** Send \`Authorization: Bearer sk_live_…\`. Each 200 of a paid endpoint costs its credits, debited durably before the response is sent; errors are never charged, and a request that fails after its debit is refunded. Checks run in this order: 401 (key) → 429 (QPS) → 400 (parameters) → 503 (no data yet) → 402 (credits) → 200. Responses after authentication carry X-RateLimit-Limit / -Remaining / -Reset; 200 and 402 carry X-Credits-Remaining.`;

/** The path item of one paid endpoint. */
function paidOperation(endpoint: PaidEndpoint, errors: { [status: string]: Json }, publicUrl: string): Json {
  const exampleUrl = `${publicUrl}${endpoint.path}?${endpoint.exampleQuery}`;
  const cost =
    endpoint.credits === 0
      ? 'Free: authenticated and QPS-limited, no credit debited.'
      : `Costs ${endpoint.credits} credit per 200.`;
  return {
    get: {
      tags: [endpoint.tag],
      summary: endpoint.summary,
      description: `${endpoint.description}\n\n${cost}\n\n${ACCESS}`,
      operationId: endpoint.operationId,
      security: [{ bearerAuth: [] }],
      // Machine-readable cost of a 200, for clients that budget credits (and the fuzz test).
      'x-credits': endpoint.credits,
      parameters: endpoint.parameters.map((p) => ({
        name: p.name,
        in: 'query',
        required: p.required,
        description: p.description,
        schema: p.schema as unknown as Json,
      })),
      responses: {
        '200': {
          description: endpoint.okDescription,
          headers: RATE_HEADERS,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['code', 'message', 'data', 'requestId'],
                properties: {
                  code: { type: 'integer', description: '0 on success', enum: [0] },
                  message: { type: 'string', example: 'success' },
                  data: endpoint.dataSchema,
                  requestId: { type: 'string', format: 'uuid' },
                },
              },
              example: {
                code: 0,
                message: 'success',
                data: endpoint.dataExample,
                requestId: EXAMPLE_REQUEST_ID,
              },
            },
          },
        },
        ...errors,
      },
      'x-codeSamples': [
        {
          lang: 'curl',
          label: 'cURL',
          source: `curl --get '${exampleUrl}' \\\n  --header 'Authorization: Bearer <YOUR_API_KEY>'`,
        },
        {
          lang: 'javascript',
          label: 'JavaScript',
          source: `const response = await fetch('${exampleUrl}', {\n  headers: { Authorization: 'Bearer <YOUR_API_KEY>' },\n});\nconsole.log(await response.json());`,
        },
      ],
    },
  };
}

export function openApiDocument(publicUrl: string): OpenApiDocument {
  const errors: { [status: string]: Json } = {};
  for (const [status, e] of Object.entries(ERROR_EXAMPLES)) {
    errors[status] = {
      description: e.description,
      headers: { 'X-Request-Id': RATE_HEADERS['X-Request-Id']! },
      content: {
        'application/json': {
          schema: { $ref: '#/components/schemas/ErrorEnvelope' },
          example: { code: Number(status), data: null, message: e.message, requestId: EXAMPLE_REQUEST_ID },
        },
      },
    };
  }
  const tags = [...new Set(PAID_ENDPOINTS.map((e) => e.tag)), 'Service'];
  return {
    openapi: '3.0.3',
    info: {
      title: 'Kolscope TikTok influencer analytics API',
      description:
        'Self-hosted TikTok influencer analytics: the interface, its parameters, response statuses and sample structures.',
      version: '1.0.0',
    },
    servers: [{ url: publicUrl, description: 'This Kolscope server' }],
    tags: tags.map((name) => ({ name })),
    paths: {
      ...Object.fromEntries(PAID_ENDPOINTS.map((e) => [e.path, paidOperation(e, errors, publicUrl)])),
      '/healthz': {
        get: {
          tags: ['Service'],
          summary: 'Health and the snapshot served',
          operationId: 'health',
          responses: {
            '200': {
              description: 'A snapshot is served',
              content: {
                'application/json': {
                  example: {
                    code: 0,
                    message: 'success',
                    data: {
                      status: 'ok',
                      snapshot: { version: '2026-11-24.1', asOf: '2026-11-24', regions: ['US'] },
                    },
                    requestId: EXAMPLE_REQUEST_ID,
                  },
                },
              },
            },
            '503': errors['503']!,
          },
        },
      },
    },
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description:
            'API key: `sk_live_` followed by 28 letters and digits. Created by the operator (`kolscope keys create`); only its hash is stored.',
        },
      },
      schemas: {
        ...Object.assign({}, ...PAID_ENDPOINTS.map((e) => e.schemas)),
        ErrorEnvelope: {
          type: 'object',
          required: ['code', 'message', 'data', 'requestId'],
          properties: {
            code: {
              type: 'integer',
              description: 'The HTTP status (400, 401, 402, 404, 408, 413, 414, 429, 431, 500, 503)',
            },
            message: { type: 'string', description: 'What went wrong; for a 400, names the parameter' },
            data: { type: 'object', nullable: true, description: 'Always null' },
            requestId: { type: 'string', format: 'uuid' },
          },
        },
      },
    },
  };
}
