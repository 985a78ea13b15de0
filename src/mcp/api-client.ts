// The MCP server's only way to data: the Kolscope HTTP API with the operator's key, so every tool call is
// authenticated, rate limited and charged like any other client's request.

export interface ApiClientConfig {
  /** Base URL of a Kolscope server, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  readonly apiKey: string;
}

export interface ApiAnswer {
  readonly status: number;
  /** The envelope's message ("success", or the error in the API's words). */
  readonly message: string;
  readonly data: unknown;
  readonly requestId: string | undefined;
  readonly creditsRemaining: number | undefined;
  /** X-Total-Count: how many influencers match, on a list answer. */
  readonly totalCount: number | undefined;
  readonly retryAfter: number | undefined;
}

function numberHeader(headers: Headers, name: string): number | undefined {
  const value = headers.get(name);
  return value === null ? undefined : Number(value);
}

export function createApiClient(config: ApiClientConfig): {
  get(path: string, query: URLSearchParams): Promise<ApiAnswer>;
} {
  const base = config.url.replace(/\/+$/, '');
  return {
    async get(path, query) {
      const response = await fetch(`${base}${path}?${query}`, {
        headers: { authorization: `Bearer ${config.apiKey}`, accept: 'application/json' },
        signal: AbortSignal.timeout(30_000),
      });
      const text = await response.text();
      let body: { message?: unknown; data?: unknown; requestId?: unknown } = {};
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        body = { message: text.slice(0, 200) };
      }
      return {
        status: response.status,
        message: typeof body.message === 'string' ? body.message : response.statusText,
        data: body.data ?? null,
        requestId: typeof body.requestId === 'string' ? body.requestId : undefined,
        creditsRemaining: numberHeader(response.headers, 'x-credits-remaining'),
        totalCount: numberHeader(response.headers, 'x-total-count'),
        retryAfter: numberHeader(response.headers, 'retry-after'),
      };
    },
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;
