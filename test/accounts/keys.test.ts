// API key format: generation, checksum, hashing, visible prefix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { apiKeyPrefix, generateApiKey, hashApiKey, isWellFormedApiKey } from '../../src/accounts/index.ts';

test('generated keys are sk_live_ + 28 base62 characters, unique and well formed', () => {
  const keys = Array.from({ length: 2000 }, generateApiKey);
  for (const key of keys) {
    assert.match(key, /^sk_live_[0-9A-Za-z]{28}$/);
    assert.ok(isWellFormedApiKey(key));
  }
  assert.equal(new Set(keys).size, keys.length);
  // 128 random bits: the body's first character is spread over the alphabet rather than stuck on a few.
  assert.ok(new Set(keys.map((k) => k[9])).size > 40);
});

test('every single-character change of a key fails the checksum', () => {
  const key = generateApiKey();
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  for (let i = 0; i < key.length; i++)
    for (const c of alphabet) {
      if (c === key[i]) continue;
      const changed = key.slice(0, i) + c + key.slice(i + 1);
      assert.equal(isWellFormedApiKey(changed), false, changed);
    }
});

test('malformed input is refused without throwing', () => {
  const key = generateApiKey();
  for (const bad of [
    '',
    'sk_live_',
    key.slice(0, -1),
    key + 'a',
    key.replace('sk_live_', 'sk_test_'),
    ` ${key}`,
    key.toUpperCase(),
  ])
    assert.equal(isWellFormedApiKey(bad), false, bad);
  assert.equal(isWellFormedApiKey(42 as unknown as string), false);
  fc.assert(fc.property(fc.string(), (s) => isWellFormedApiKey(s) === false));
});

test('hash is sha256 hex; the visible prefix reveals only 4 body characters', () => {
  const key = generateApiKey();
  assert.match(hashApiKey(key), /^[0-9a-f]{64}$/);
  assert.equal(hashApiKey(key), hashApiKey(key));
  assert.notEqual(hashApiKey(key), hashApiKey(generateApiKey()));
  assert.equal(apiKeyPrefix(key), key.slice(0, 12));
});
