// API key format: "sk_live_" + 22 base62 chars (128 random bits) + 6 base62 chars of checksum.
// The checksum lets the API refuse typos and garbage before any lookup; it is not a secret.
// Only sha256(key) is stored; lookups go by hash, and the one comparison of hashes is constant-time.
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

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

/** The first 32 bits of sha256(body): the checksum's value. (One-shot hash() to hex is several times
 * cheaper than createHash().digest() for inputs this short.) */
function checksumValue(body: string): number {
  return parseInt(hash('sha256', body, 'hex').slice(0, 8), 16);
}

/** The checksum as 6 base62 digits (the value is below 2^32, so plain numbers do the arithmetic exactly). */
function checksum(body: string): string {
  let n = checksumValue(body);
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = ALPHABET[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

/** Value of a base62 character of the alphabet above (the caller has matched KEY_PATTERN). */
function digitValue(code: number): number {
  if (code <= 57) return code - 48; // 0-9
  if (code <= 90) return code - 55; // A-Z
  return code - 61; // a-z
}

/** A new secret key (shown to its owner once). */
export function generateApiKey(): string {
  const body = base62(randomBytes(16), BODY_LENGTH);
  return API_KEY_PREFIX + body + checksum(body);
}

/** Shape and checksum only: no I/O, safe to call on every request before anything else. */
export function isWellFormedApiKey(key: string): boolean {
  if (typeof key !== 'string' || !KEY_PATTERN.test(key)) return false;
  const start = API_KEY_PREFIX.length + BODY_LENGTH;
  // Reads the presented checksum as a number (62^6 < 2^53, exact) and compares values: no strings built.
  let presented = 0;
  for (let i = start; i < start + CHECKSUM_LENGTH; i++)
    presented = presented * 62 + digitValue(key.charCodeAt(i));
  return presented === checksumValue(key.slice(API_KEY_PREFIX.length, start));
}

/** What is stored and looked up instead of the key: lowercase sha256 hex. */
export function hashApiKey(key: string): string {
  return hash('sha256', key, 'hex');
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
