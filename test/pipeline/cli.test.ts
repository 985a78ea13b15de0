// The data-side commands through the real binary: what they print, where the results are, exit codes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { profile, stats, tempDir, writeBatch } from './fixtures.ts';

function kolscope(...args: string[]) {
  return kolscopeWith({}, ...args);
}

function kolscopeWith(env: Record<string, string>, ...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/kolscope.mjs', ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('kolscope ingest / snapshots / export', () => {
  let root: string;
  before(async () => {
    root = await tempDir('cli');
    const rawDir = join(root, 'raw');
    await writeBatch(rawDir, '2026-11-01', {
      profiles: [profile('21', 'US'), profile('22', 'GB'), profile('3', 'US')],
      profile_stats: [stats('21', 10, 1), stats('22', 20, 2), stats('3', 30, 3)],
    });
    await writeBatch(rawDir, '2026-11-02', {
      profile_stats: [stats('21', 15, 1), stats('22', -20, 2)],
    });
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('refuses a run over --max-rejects with the reasons and exit code 1, then ingests within it', async () => {
    const dataDir = join(root, 'data');
    const refused = kolscope('ingest', join(root, 'raw'), '--data-dir', dataDir, '--max-rejects', '0');
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(
      refused.stdout,
      /negative_value: 1\n.*profile_stats\.ndjson:2 followers_cnt: counter must not be negative/,
    );
    assert.match(refused.stderr, /refused: 1 rows rejected \(limit --max-rejects 0\)/);
    // A refused run says nothing was loaded, and what it checked.
    assert.match(refused.stdout, /^batches loaded: none$/m);
    assert.match(refused.stdout, /^batches checked: 2 \(2026-11-01 … 2026-11-02\)$/m);

    const ok = kolscope('ingest', join(root, 'raw'), '--data-dir', dataDir, '--max-rejects', '1');
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /batches loaded: 2 \(2026-11-01 … 2026-11-02\)/);
    assert.match(ok.stdout, /profile_stats +4/);
    const kept = /rejected rows kept aside in 1 file\(s\):\n +(\S+)/.exec(ok.stdout);
    assert.ok(kept, ok.stdout);
    assert.ok(!kept[1]!.includes('<'), 'a real path, not a placeholder');
    assert.match(await readFile(kept[1]!, 'utf8'), /followers_cnt/);
    assert.match(ok.stdout, /snapshot: 2026-11-02\.1 \(as of 2026-11-02\), active/);
    assert.match(ok.stdout, /GB +1\n +US +2/);
    assert.match(ok.stdout, /elapsed: \d+\.\d s/);
  });

  it('lists snapshots and exports a region', async () => {
    const dataDir = join(root, 'data');
    const list = kolscope('snapshots', '--data-dir', dataDir);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /\* +2026-11-02\.1 +2026-11-02 +3 +GB:1 US:2/);

    const out = join(root, 'us.ndjson');
    const exported = kolscope('export', '--region', 'US', '--out', out, '--data-dir', dataDir);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stdout, /exported 2 rows of region US from snapshot 2026-11-02\.1/);
    const rows = (await readFile(out, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      rows.map((r) => [r.user_id, r.total_followers_cnt, r.total_followers_1d_cnt]),
      [
        ['3', 30, 0],
        ['21', 15, 5],
      ],
    );
  });

  it('refuses a batch dated after today, unless --allow-future-batches', async () => {
    const rawDir = join(root, 'future');
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await writeBatch(rawDir, tomorrow, {
      profiles: [profile('31', 'US')],
      profile_stats: [stats('31', 10, 1)],
    });
    const dataDir = join(root, 'future-data');
    const refused = kolscope('ingest', rawDir, '--data-dir', dataDir);
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stderr, new RegExp(`${tomorrow}.*(after today|future)`, 'i'));
    const allowed = kolscope('ingest', rawDir, '--data-dir', dataDir, '--allow-future-batches');
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.match(allowed.stdout, new RegExp(`batches loaded: 1 \\(${tomorrow} … ${tomorrow}\\)`));
  });

  it('names KOLSCOPE_DUCKDB_MEMORY when DuckDB runs out of it, exit 2, and leaves no partial output', async () => {
    const out = join(root, 'gen-small-memory');
    const res = kolscopeWith(
      { KOLSCOPE_DUCKDB_MEMORY: '40MB' },
      'generate',
      '--influencers',
      '20000',
      '--days',
      '3',
      '--out',
      out,
    );
    assert.equal(res.code, 2, res.stderr);
    assert.match(
      res.stderr,
      /^kolscope: DuckDB ran out of memory within KOLSCOPE_DUCKDB_MEMORY=40MB \(.+\); raise it/m,
    );
    assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack');
    assert.deepEqual(
      (await readdir(root)).filter((name) => name.startsWith('gen-small-memory')),
      [],
      'no output, staging or spill directory left',
    );
  });
});
