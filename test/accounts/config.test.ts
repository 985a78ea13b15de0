// The accounts' timeouts come from the environment, validated once at start (the rest of loadConfig is
// tested in test/config.test.ts), and reach openAccounts under the same names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config.ts';
import type { AccountsOptions } from '../../src/accounts/index.ts';

test('accounts timeouts: unset by default, integers in ms, a bad value names its variable', () => {
  const none = loadConfig({});
  assert.equal(none.databaseConnectTimeoutMs, undefined);
  assert.equal(none.redisTimeoutMs, undefined);
  const set = loadConfig({
    DATABASE_CONNECT_TIMEOUT_MS: '1500',
    DATABASE_STATEMENT_TIMEOUT_MS: '3000',
    REDIS_TIMEOUT_MS: '100',
    REDIS_CONNECT_TIMEOUT_MS: '1000',
  });
  const options: AccountsOptions = set; // the config is passed to openAccounts as it is
  assert.deepEqual(
    [
      options.databaseConnectTimeoutMs,
      options.databaseStatementTimeoutMs,
      options.redisTimeoutMs,
      options.redisConnectTimeoutMs,
    ],
    [1500, 3000, 100, 1000],
  );
  for (const bad of ['0', '-5', '1.5', 'soon', '600001'])
    assert.throws(
      () => loadConfig({ REDIS_TIMEOUT_MS: bad }),
      (e: unknown) => e instanceof ConfigError && e.message.includes('REDIS_TIMEOUT_MS'),
    );
});
