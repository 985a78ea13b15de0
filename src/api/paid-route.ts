// The route of a paid endpoint: the same sequence for every registered endpoint (account-guard.ts gives the
// order of checks), so an endpoint file holds only its contract and its answer.
import type { FastifyInstance } from 'fastify';
import { requireAccount, serveCharged } from './account-guard.ts';
import type { AppContext } from './context.ts';
import type { AnswerHeaders, PaidEndpoint } from './endpoint.ts';
import { ApiError } from './errors.ts';
import { InvalidParameter } from './parameters.ts';

/**
 * Valid queries by raw query string. Clients repeat the same URLs and parsing is a pure function of the
 * string, so a repeated URL skips validation. Bounded: emptied when full; long strings and invalid queries
 * (a 400 each time, with its message) are not kept.
 */
class ParsedQueries<Query> {
  private readonly byString = new Map<string, Query>();

  constructor(
    private readonly parse: (queryString: string) => Query,
    private readonly maxEntries = 10_000,
    private readonly maxLength = 1000,
  ) {}

  get(queryString: string): Query {
    const cached = this.byString.get(queryString);
    if (cached !== undefined) return cached;
    let query: Query;
    try {
      query = this.parse(queryString);
    } catch (err) {
      if (err instanceof InvalidParameter) throw new ApiError('invalid_parameter', err.message);
      throw err;
    }
    if (queryString.length <= this.maxLength) {
      if (this.byString.size >= this.maxEntries) this.byString.clear();
      this.byString.set(queryString, query);
    }
    return query;
  }
}

export function registerPaidEndpoint(app: FastifyInstance, ctx: AppContext, endpoint: PaidEndpoint): void {
  const queries = new ParsedQueries(endpoint.parse);
  app.get(endpoint.path, { onRequest: requireAccount(ctx) }, async (request, reply) => {
    const url = request.url;
    const q = url.indexOf('?');
    const index = ctx.index();
    // Freshness, on every answer once a snapshot is served: which one answers, and the day it describes.
    if (index)
      reply
        .header('x-snapshot-version', index.version)
        .header('x-data-as-of', index.asOf.replaceAll('-', ''));
    const query = queries.get(q < 0 ? '' : url.slice(q + 1));
    if (!index) throw new ApiError('not_ready');
    endpoint.check(index, query);
    // Answered by the snapshot current at this instant, in one synchronous call, so a request never sees a
    // mix of two snapshots.
    const headers: AnswerHeaders = new Map();
    const body = await serveCharged(ctx, request, reply, endpoint.credits, () =>
      endpoint.answer(ctx, index, query, headers),
    );
    // Only on the 200 (serveCharged returns the body): not on an error that follows the answer.
    if (Buffer.isBuffer(body)) for (const [name, value] of headers) reply.header(name, value);
    return body;
  });
}
