import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, ConfigError } from '../src/config.ts';

test('config defaults to the embedded mode on loopback', () => {
  const c = loadConfig({});
  assert.equal(c.port, 8080);
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.dataDir, './data');
  assert.equal(c.databaseUrl, undefined);
  assert.equal(c.redisUrl, undefined);
});

test('config rejects a bad PORT with a message naming it', () => {
  assert.throws(
    () => loadConfig({ PORT: 'eighty' }),
    (e: unknown) => e instanceof ConfigError && /PORT/.test(e.message),
  );
});

test('REGIONS: case-insensitive codes, upper-cased and deduplicated; anything else is refused by name', () => {
  assert.equal(loadConfig({}).regions, undefined);
  assert.deepEqual(loadConfig({ REGIONS: 'us, gb,US' }).regions, ['US', 'GB']);
  for (const bad of ['USA', 'US;GB', 'U1', 'US,,GB'])
    assert.throws(
      () => loadConfig({ REGIONS: bad }),
      (e: unknown) => e instanceof ConfigError && /REGIONS/.test(e.message),
    );
});

test('ACCOUNTS_DURABILITY: process or power, unset by default (process)', () => {
  assert.equal(loadConfig({}).accountsDurability, undefined);
  assert.equal(loadConfig({ ACCOUNTS_DURABILITY: 'power' }).accountsDurability, 'power');
  assert.throws(
    () => loadConfig({ ACCOUNTS_DURABILITY: 'fsync' }),
    (e: unknown) => e instanceof ConfigError && /ACCOUNTS_DURABILITY/.test(e.message),
  );
});
