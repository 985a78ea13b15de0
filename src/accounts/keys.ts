// API key format: "sk_live_" + 22 base62 chars (128 random bits) + 6 base62 chars of checksum.
// The checksum lets the API refuse typos and garbage before any lookup; it is not a secret.
// Only sha256(key) is stored; lookups go by hash, and the one comparison of hashes is constant-time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const API_KEY_PREFIX = 'sk_live_';
const BODY_LENGTH = 22; // 62^22 > 2^128
const CHECKSUM_LENGTH = 6; // 62^6 > 2^32
/** Characters of the key shown in listings: the prefix and 4 body characters, e.g. "sk_live_AbC1". */
const VISIBLE_LENGTH = API_KEY_PREFIX.length + 4;
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_PATTERN = new RegExp(`^${API_KEY_PREFIX}[0-9A-Za-z]{${BODY_LENGTH + CHECKSUM_LENGTH}}$`);

function base62(bytes: Buffer, length: number): string {
  let n = BigInt('0x' + (bytes.length ? bytes.toString('hex') : '0'));
  let out = '';
  for (let i = 0; i < length; i++) {
    out = ALPHABET[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out;
}

function checksum(body: string): string {
  return base62(createHash('sha256').update(body).digest().subarray(0, 4), CHECKSUM_LENGTH);
}

/** A new secret key (shown to its owner once). */
export function generateApiKey(): string {
  const body = base62(randomBytes(16), BODY_LENGTH);
  return API_KEY_PREFIX + body + checksum(body);
}

/** Shape and checksum only: no I/O, safe to call on every request before anything else. */
export function isWellFormedApiKey(key: string): boolean {
  if (typeof key !== 'string' || !KEY_PATTERN.test(key)) return false;
  const body = key.slice(API_KEY_PREFIX.length, API_KEY_PREFIX.length + BODY_LENGTH);
  return key.slice(API_KEY_PREFIX.length + BODY_LENGTH) === checksum(body);
}

/** What is stored and looked up instead of the key: lowercase sha256 hex. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The short visible part of a key for listings. */
export function apiKeyPrefix(key: string): string {
  return key.slice(0, VISIBLE_LENGTH);
}

/** Constant-time equality of two key hashes (hex strings of equal length). */
export function sameKeyHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Ids of keys: public, safe to print and pass on the command line. */
export function generateKeyId(): string {
  return 'key_' + base62(randomBytes(10), 14);
}
