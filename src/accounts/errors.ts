// Errors of the accounts stage that callers act on (the CLI turns them into exit code 2, the API into 4xx).
// Expected outcomes of a request (not enough credits, over the QPS limit) are values, not these.

export type AccountErrorCode = 'unknown_key' | 'invalid_input' | 'request_id_conflict' | 'request_refunded';

export class AccountError extends Error {
  override readonly name = 'AccountError';
  constructor(
    readonly code: AccountErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A dependency (PostgreSQL, Redis) that cannot be used when the accounts are opened. The message is one
 * line naming the dependency and its URL with the password masked; the CLI prints it and exits with 2.
 */
export class DependencyUnavailableError extends Error {
  override readonly name = 'DependencyUnavailableError';
  constructor(
    readonly dependency: 'PostgreSQL' | 'Redis',
    /** The URL as given, password masked. */
    readonly redactedUrl: string,
    cause: unknown,
  ) {
    super(`cannot reach ${dependency} at ${redactedUrl}: ${oneLine(cause)}`, { cause });
  }
}

/**
 * The account store did not answer within its timeouts, or lost its connection, while serving: the API
 * answers 503 "accounts store unavailable". Nothing to fix in the request; the store reconnects by itself
 * once the database answers again.
 */
export class AccountStoreUnavailable extends Error {
  override readonly name = 'AccountStoreUnavailable';
  readonly code = 'accounts_store_unavailable';
  constructor(cause: unknown) {
    super(`accounts store unavailable: ${oneLine(cause)}`, { cause });
  }
}

function oneLine(cause: unknown): string {
  const text = cause instanceof Error ? cause.message || cause.name : String(cause);
  return text.replace(/\s+/g, ' ').trim();
}

/** A connection URL with its password (in the user info or a password= parameter) masked, for messages. */
export function redactUrl(url: string): string {
  const masked = url
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/?#]*:)[^/?#]*@/i, '$1***@')
    .replace(/([?&]password=)[^&#]*/gi, '$1***');
  return masked.length > 300 ? `${masked.slice(0, 300)}…` : masked;
}

/** Largest number of credits accepted in one grant or top-up (keeps every balance a safe integer). */
export const MAX_CREDITS = 1_000_000_000_000;
/** Largest QPS limit accepted for a key. */
export const MAX_QPS = 1_000_000;

function hasControlChars(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) < 32 || s.charCodeAt(i) === 127) return true;
  return false;
}

export function checkCredits(credits: number, what: string, min: number): void {
  if (!Number.isSafeInteger(credits) || credits < min || credits > MAX_CREDITS)
    throw new AccountError(
      'invalid_input',
      `${what} must be an integer from ${min} to ${MAX_CREDITS}, got ${credits}`,
    );
}

export function checkKeyInput(input: { name: string; credits: number; qps: number }): void {
  if (typeof input.name !== 'string' || input.name.length > 200 || hasControlChars(input.name))
    throw new AccountError('invalid_input', 'name must be a string of at most 200 printable characters');
  checkCredits(input.credits, 'credits', 0);
  if (!Number.isSafeInteger(input.qps) || input.qps < 1 || input.qps > MAX_QPS)
    throw new AccountError('invalid_input', `qps must be an integer from 1 to ${MAX_QPS}, got ${input.qps}`);
}

export function checkRequestId(requestId: string): void {
  if (typeof requestId !== 'string' || requestId.length === 0 || requestId.length > 200)
    throw new AccountError('invalid_input', 'requestId must be a non-empty string of at most 200 characters');
}

export function checkUsageRecord(r: {
  keyId: string;
  requestId: string;
  at: Date;
  status: number;
  credits: number;
  latencyMs: number;
}): void {
  const bad =
    typeof r.keyId !== 'string'
      ? 'keyId'
      : typeof r.requestId !== 'string'
        ? 'requestId'
        : !(r.at instanceof Date) || Number.isNaN(r.at.getTime())
          ? 'at'
          : !Number.isInteger(r.status) || r.status < 100 || r.status > 599
            ? 'status'
            : !Number.isSafeInteger(r.credits)
              ? 'credits'
              : !Number.isFinite(r.latencyMs) || r.latencyMs < 0
                ? 'latencyMs'
                : undefined;
  if (bad) throw new AccountError('invalid_input', `usage record has an invalid ${bad}`);
}
