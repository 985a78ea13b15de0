// The closed catalogue of API errors: every failure a client can see, its HTTP status and its message.
// docs/api.md lists each entry (a test keeps the two in step). The envelope is the seed's
// {code, data: null, message, requestId}, where code repeats the HTTP status.

export const API_ERRORS = {
  /** A query parameter is missing, malformed, out of range, unknown or repeated; the message names it. */
  invalid_parameter: { status: 400, message: 'Invalid parameter' },
  /** The request itself is malformed (e.g. an unparsable URL or an unexpected body). */
  bad_request: { status: 400, message: 'Bad request' },
  /** No Authorization header, or not a Bearer token. */
  missing_api_key: { status: 401, message: 'apiKey is null' },
  /** A Bearer token that is not shaped like a Kolscope key (sk_live_…); never looked up. */
  malformed_api_key: {
    status: 401,
    message: 'apiKey is malformed: expected Authorization: Bearer sk_live_…',
  },
  /** A well-formed key that no account holds. */
  unknown_api_key: { status: 401, message: 'apiKey is invalid' },
  /** A key that was revoked by the operator. */
  revoked_api_key: { status: 401, message: 'apiKey has been revoked' },
  /** METRICS_TOKEN is set and the request to /metrics does not carry it. */
  metrics_unauthorized: {
    status: 401,
    message: 'metrics token is missing or wrong: expected Authorization: Bearer <METRICS_TOKEN>',
  },
  /** No credit left on the key. */
  insufficient_credits: { status: 402, message: 'apiKey quota is not enough' },
  /** No such route. */
  not_found: { status: 404, message: 'Not found' },
  /** A user_id that is not in the snapshot served (trend endpoint). */
  influencer_not_found: { status: 404, message: 'influencer not found' },
  /** The request was not received in full within the request timeout (slow headers or a stalled body). */
  request_timeout: { status: 408, message: 'Request timeout: the request was not received in time' },
  /** A request body above the limit (the API takes none). */
  payload_too_large: { status: 413, message: 'Payload too large' },
  /** A URL longer than the limit. */
  uri_too_long: { status: 414, message: 'URI too long' },
  /** Request headers (the request line included) above the limit. */
  headers_too_large: { status: 431, message: 'Request header fields too large' },
  /** More requests in the current second than the key's QPS limit. */
  qps_limit_exceeded: { status: 429, message: 'qps limit exceeded' },
  /** A bug or an infrastructure failure; the cause is logged under the request id, never sent. */
  internal_error: { status: 500, message: 'Internal server error' },
  /** No snapshot is active yet (first start still ingesting its data). */
  not_ready: { status: 503, message: 'Service not ready: no snapshot is active yet' },
  /**
   * The accounts store failed or did not answer within the request deadline; nothing is charged (a debit
   * that commits after the deadline is refunded). Service resumes by itself when the store is back.
   */
  accounts_unavailable: { status: 503, message: 'accounts store unavailable' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ApiErrorCode = keyof typeof API_ERRORS;

/** An expected failure, turned into an envelope by the app's error handler. */
export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly status: number;

  constructor(code: ApiErrorCode, message: string = API_ERRORS[code].message) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = API_ERRORS[code].status;
  }
}

export interface ErrorEnvelope {
  readonly code: number;
  readonly data: null;
  readonly message: string;
  readonly requestId: string;
}

export function errorEnvelope(status: number, message: string, requestId: string): ErrorEnvelope {
  return { code: status, data: null, message, requestId };
}
