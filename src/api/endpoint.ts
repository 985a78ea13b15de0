// What a paid endpoint is: one file under endpoints/ declares its parameters, the schema of its data, its
// credit cost and how it answers; paid-route.ts gives every endpoint the same keys, QPS limit, validation,
// credits and envelope, and openapi.ts documents it. Registering it in endpoints/registry.ts is all it takes.
import type { ServingIndex } from '../index/types.ts';
import type { AppContext } from './context.ts';
import type { Parameter } from './parameters.ts';

/** A JSON value (OpenAPI fragments, examples). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Response headers of a 200, set by an endpoint's answer (e.g. X-Total-Count). */
export type AnswerHeaders = Map<string, string>;

export interface PaidEndpoint<Query = unknown> {
  /** URL path, e.g. /v1/tiktok/influencer/list/analytics (GET). */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  /** OpenAPI description (markdown). */
  readonly description: string;
  readonly tag: string;
  /** Every query parameter accepted, in the order they are validated and documented. */
  readonly parameters: readonly Parameter[];
  /** Credits debited per 200 (0: free, but authenticated and QPS-limited like the others). */
  readonly credits: 0 | 1;
  /** A valid query string: the documented example and what the shared route suite sends. */
  readonly exampleQuery: string;
  /** OpenAPI schema of the envelope's `data` in a 200, and an example of it. */
  readonly dataSchema: Json;
  readonly dataExample: Json;
  /** What a 200 is, for the OpenAPI document. */
  readonly okDescription: string;
  /** Component schemas this endpoint's dataSchema refers to (#/components/schemas/<name>). */
  readonly schemas: Readonly<Record<string, Json>>;
  /**
   * Parses a query string (without "?"); throws InvalidParameter naming the parameter. A pure function of
   * the string: results are cached and shared between requests, so they are frozen.
   */
  parse(queryString: string): Query;
  /** Checks a valid query against the snapshot that will answer it; throws ApiError (a 4xx, not charged). */
  check(index: ServingIndex, query: Query): void;
  /**
   * The `data` of the 200 as UTF-8 JSON bytes. Synchronous, so one snapshot answers the whole request; it
   * runs while the debit is being committed, and a throw after the debit is refunded. Headers it sets on
   * `headers` are sent with the 200 only.
   */
  answer(ctx: AppContext, index: ServingIndex, query: Query, headers: AnswerHeaders): Buffer;
}
