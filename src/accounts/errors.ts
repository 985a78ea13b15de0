// Errors of the accounts stage that callers act on (the CLI turns them into exit code 2, the API into 4xx).
// Expected outcomes of a request (not enough credits, over the QPS limit) are values, not these.

export type AccountErrorCode = 'unknown_key' | 'invalid_input' | 'request_id_conflict';

export class AccountError extends Error {
  override readonly name = 'AccountError';
  constructor(
    readonly code: AccountErrorCode,
    message: string,
  ) {
    super(message);
  }
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
