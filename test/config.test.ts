import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, ConfigError, duckdbMemory, keyBucketSize } from '../src/config.ts';

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

test('engine knobs: KOLSCOPE_DUCKDB_MEMORY is a size, KOLSCOPE_KEY_BUCKET an integer 16–1048576, each refused by name', () => {
  assert.equal(duckdbMemory({}), '4GB');
  assert.equal(duckdbMemory({ KOLSCOPE_DUCKDB_MEMORY: '512MiB' }), '512MiB');
  assert.equal(duckdbMemory({ KOLSCOPE_DUCKDB_MEMORY: '1.5 GB' }), '1.5 GB');
  for (const bad of ['4', 'lots', '4 GBs', '-1GB'])
    assert.throws(
      () => duckdbMemory({ KOLSCOPE_DUCKDB_MEMORY: bad }),
      (e: unknown) => e instanceof ConfigError && /KOLSCOPE_DUCKDB_MEMORY/.test(e.message),
    );
  assert.throws(
    () => loadConfig({ KOLSCOPE_KEY_BUCKET: 'x' }),
    (e: unknown) => e instanceof ConfigError && /KOLSCOPE_KEY_BUCKET/.test(e.message),
  );
  assert.equal(keyBucketSize({}), 4096);
  assert.equal(keyBucketSize({ KOLSCOPE_KEY_BUCKET: '64' }), 64);
  for (const bad of ['0', '8', '64.5', 'x', '2000000'])
    assert.throws(
      () => keyBucketSize({ KOLSCOPE_KEY_BUCKET: bad }),
      (e: unknown) => e instanceof ConfigError && /KOLSCOPE_KEY_BUCKET/.test(e.message),
    );
});
