// `kolscope keys` and `kolscope usage` end to end, through the real entry point, on a temporary SQLite store.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isWellFormedApiKey } from '../../src/accounts/index.ts';

const BIN = fileURLToPath(new URL('../../bin/kolscope.mjs', import.meta.url));
let dataDir: string;

function kolscope(...args: string[]) {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  const r = spawnSync(process.execPath, [BIN, ...args, '--data-dir', dataDir], { encoding: 'utf8', env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'kolscope-cli-'));
});
after(() => rm(dataDir, { recursive: true, force: true }));

test('keys create --json prints exactly {"key", "id"}; list, topup, revoke and usage show it', () => {
  const created = kolscope('keys', 'create', '--credits', '5', '--qps', '2', '--name', 'acme', '--json');
  assert.equal(created.code, 0, created.stderr);
  const parsed = JSON.parse(created.stdout) as { key: string; id: string };
  assert.deepEqual(Object.keys(parsed), ['key', 'id']);
  assert.ok(isWellFormedApiKey(parsed.key));

  const topup = kolscope('keys', 'topup', parsed.id, '7');
  assert.equal(topup.code, 0, topup.stderr);
  assert.match(topup.stdout, /balance 12/);
  assert.equal(kolscope('keys', 'revoke', parsed.id).code, 0);

  const list = kolscope('keys', 'list', '--json');
  const [record] = JSON.parse(list.stdout) as {
    id: string;
    credits: number;
    revoked: boolean;
    name: string;
  }[];
  assert.deepEqual(
    { id: record!.id, name: record!.name, credits: record!.credits, revoked: record!.revoked },
    { id: parsed.id, name: 'acme', credits: 12, revoked: true },
  );
  assert.ok(!list.stdout.includes(parsed.key));

  const usage = kolscope('usage', '--key', parsed.id);
  assert.equal(usage.code, 0, usage.stderr);
  assert.match(usage.stdout, new RegExp(`^${parsed.id}\\s+0\\s+0\\s+0\\s+0`, 'm'));
});

test('unknown ids and bad numbers exit with code 2 and a message naming the problem', () => {
  for (const [args, message] of [
    [['keys', 'topup', 'key_nope', '5'], /no API key with id "key_nope"/],
    [['keys', 'revoke', 'key_nope'], /no API key with id "key_nope"/],
    [['keys', 'create', '--credits', 'lots', '--qps', '1'], /--credits must be a non-negative integer/],
    [['keys', 'create', '--credits', '1', '--qps', '0'], /qps must be an integer from 1/],
    [['usage', '--key', 'key_nope'], /no API key with id "key_nope"/],
  ] as const) {
    const r = kolscope(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.ok(!r.stderr.includes('    at '), 'no stack trace');
  }
});
