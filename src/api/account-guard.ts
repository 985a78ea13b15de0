// API keys, QPS limits and credits around a paid route. Order of checks, for every paid request:
//   401 (no key / malformed / unknown / revoked) → 429 (over the key's QPS) → 400 (parameters)
//   → 503 (no snapshot yet) → 402 (no credit left) → 200.
// A credit is debited durably before the 200 is sent and given back if the request fails afterwards.
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { isWellFormedApiKey } from '../accounts/index.ts';
import type { ApiKeyRecord, RateDecision } from '../accounts/types.ts';
import type { AppContext } from './context.ts';
import { ApiError, type ApiErrorCode } from './errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated key of a paid route, null elsewhere and before authentication. */
    account: ApiKeyRecord | null;
    /** Credits debited for this request and not given back (0 or 1). */
    creditsCharged: number;
    /** A debit was sent to the store for this request (it may still be on its way). */
    debitStarted: boolean;
  }
}

/** The token of an "Authorization: Bearer <token>" header; '' when there is none, null for another scheme. */
function bearerToken(header: string | undefined): string | null {
  if (header === undefined || header.trim() === '') return '';
  const match = /^Bearer(?:[ \t]+(\S*))?[ \t]*$/i.exec(header);
  return match ? (match[1] ?? '') : null;
}

/** Sets the limit headers of a decision; a refusal is a 429 with Retry-After. */
function applyRate(reply: FastifyReply, rate: RateDecision): void {
  const resetSeconds = Math.max(0, Math.ceil(rate.resetMs / 1000));
  reply
    .header('x-ratelimit-limit', rate.limit)
    .header('x-ratelimit-remaining', Math.max(0, rate.remaining))
    .header('x-ratelimit-reset', resetSeconds);
  if (!rate.allowed) {
    reply.header('retry-after', Math.max(1, resetSeconds));
    throw new ApiError('qps_limit_exceeded');
  }
}

/**
 * A request without a valid key: a 401, unless its client address already sent more than `anonymousQps` of
 * them (then a 429), so a flood of bad keys is limited like any key.
 */
async function refuse(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  code: ApiErrorCode,
): Promise<never> {
  applyRate(reply, await ctx.limiter.hit(`address:${request.ip}`, ctx.anonymousQps));
  throw new ApiError(code);
}

/** Route hook: authenticates the Bearer key and counts the request against the key's QPS limit. */
export function requireAccount(ctx: AppContext): onRequestAsyncHookHandler {
  return async (request, reply) => {
    const token = bearerToken(request.headers.authorization);
    if (token === '') return refuse(ctx, request, reply, 'missing_api_key');
    // Shape and checksum first: garbage never reaches the store.
    if (token === null || !isWellFormedApiKey(token)) return refuse(ctx, request, reply, 'malformed_api_key');
    const account = await ctx.accounts.authenticate(token);
    if (!account) return refuse(ctx, request, reply, 'unknown_api_key');
    if (account.revoked) return refuse(ctx, request, reply, 'revoked_api_key');
    request.account = account;
    // No X-Credits-Remaining here: the record is a cached lookup, not the committed balance. The header is
    // set from the debit's committed result (200, 402) only.
    applyRate(reply, await ctx.limiter.hit(account.id, account.qps));
  };
}

const SUCCESS_HEAD = Buffer.from('{"code":0,"message":"success","data":', 'latin1');

/** The success envelope around a page, as bytes: one copy of the page, nothing to encode or measure again. */
function successBody(page: Buffer, requestId: string): Buffer {
  const tail = `,"requestId":"${requestId}"}`;
  const tailLength = Buffer.byteLength(tail, 'utf8');
  const body = Buffer.allocUnsafe(SUCCESS_HEAD.length + page.length + tailLength);
  SUCCESS_HEAD.copy(body, 0);
  page.copy(body, SUCCESS_HEAD.length);
  body.write(tail, SUCCESS_HEAD.length + page.length, tailLength, 'utf8');
  return body;
}

/**
 * Debits `credits` (0 or 1) and answers with the success envelope around `page()` (the UTF-8 bytes of a JSON
 * value). The page is computed while the debit is being committed; a 402 when no credit is left.
 */
export async function serveCharged(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  credits: 0 | 1,
  page: () => Buffer,
): Promise<Buffer | FastifyReply> {
  const account = request.account;
  if (!account) throw new Error('serveCharged on a route without requireAccount');
  if (credits === 0) {
    reply.type('application/json; charset=utf-8');
    return successBody(page(), request.id);
  }
  request.debitStarted = true;
  const debit = ctx.accounts.debit(account.id, request.id).catch(async (error: unknown) => {
    // A failed debit may hide a commit that went through (connection lost after COMMIT): undo it, if any
    // (a refund before or without its debit voids it), then fail the request (503 when the store is
    // unavailable, 500 otherwise).
    await ctx.accounts.refund(account.id, request.id).catch((refundError: unknown) => {
      request.log.error({ err: refundError, keyId: account.id }, 'refund after a failed debit failed');
    });
    throw error;
  });
  let dataJson: Buffer;
  try {
    dataJson = page();
  } catch (err) {
    // Nothing is served: if the debit went through, mark it so that the error handler gives it back.
    const result = await debit.catch(() => null);
    if (result?.ok) {
      request.creditsCharged = 1;
      ctx.metrics.creditDebited();
    }
    throw err;
  }
  const result = await debit;
  if (result.ok && (reply.sent || reply.raw.destroyed || request.raw.socket?.destroyed === true)) {
    // This 200 cannot be delivered: the deadline's 503 went out while the debit was committing, or the
    // client is gone. Nothing delivered, nothing charged.
    request.creditsCharged = 1;
    ctx.metrics.creditDebited();
    await refundIfCharged(ctx, request).catch((refundError: unknown) => {
      request.log.error({ err: refundError, keyId: account.id }, 'refund of an undelivered answer failed');
    });
    if (reply.sent) return reply;
    throw new ApiError('accounts_unavailable');
  }
  reply.header('x-credits-remaining', result.remaining);
  if (!result.ok) throw new ApiError('insufficient_credits');
  request.creditsCharged = 1;
  ctx.metrics.creditDebited();
  reply.type('application/json; charset=utf-8');
  return successBody(dataJson, request.id);
}

/** Gives back the credit of a request that failed after its debit (called by the error handler). */
export async function refundIfCharged(ctx: AppContext, request: FastifyRequest): Promise<void> {
  if (request.creditsCharged === 0 || !request.account) return;
  await ctx.accounts.refund(request.account.id, request.id);
  request.creditsCharged = 0;
  ctx.metrics.creditRefunded();
}
