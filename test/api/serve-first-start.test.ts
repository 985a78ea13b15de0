// `kolscope serve`'s first start after a failed one: the demo raw data of the earlier attempt (complete, since
// the generator moves its directory into place only on success) is ingested again instead of blocking the
// start with "output directory … is not empty". And a start whose active snapshot cannot be loaded leaves it
// alone: no demo made over the operator's data.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { serve, writeSyntheticSnapshot } from '../../src/service/index.ts';
import { activePointerPath } from '../../src/snapshot/store.ts';
import { loadConfig } from '../../src/config.ts';
import { generateRaw } from '../../src/raw/generate.ts';
import { silentProgress, type Progress } from '../../src/progress.ts';
import { LIST, get, tempDir } from './support.ts';

let dataDir: string;
let removeDir: () => Promise<void>;

before(async () => {
  ({ dir: dataDir, remove: removeDir } = await tempDir('serve-first-start'));
});

after(async () => {
  await removeDir?.();
});

test('a raw-demo left by a first start that failed afterwards is reused and ingested, not regenerated', async () => {
  const rawDir = join(dataDir, 'raw-demo');
  // What the failed start left behind: the demo raw data, and no snapshot.
  const generated = await generateRaw({ outDir: rawDir, influencers: 60, days: 3, seed: 1 }, silentProgress);
  const lines: string[] = [];
  const progress: Progress = { update() {}, log: (msg) => lines.push(msg) };
  const server = await serve({
    config: loadConfig(
      {},
      { dataDir, port: 0, logLevel: 'silent', databaseUrl: undefined, redisUrl: undefined },
    ),
    demoInfluencers: 500, // what a fresh demo would use: a regenerated dataset would have 90 days
    progress,
    say: (line) => lines.push(line),
  });
  try {
    // While the demo snapshot is being made, /healthz is a 503 that says how far it has got.
    const starting = await get(`${server.url}/healthz`);
    assert.equal(starting.status, 503);
    const progress = (
      starting.body.data as unknown as { status: string; progress: { step: string; elapsedSeconds: number } }
    ).progress;
    assert.equal((starting.body.data as unknown as { status: string }).status, 'starting');
    assert.ok(progress.step.length > 0);
    assert.equal(typeof progress.elapsedSeconds, 'number');
    await server.ready;
    assert.ok(
      lines.some((l) => l.startsWith('first start: reusing the demo dataset of an earlier start')),
      lines.join('\n'),
    );
    assert.ok(!lines.some((l) => l.startsWith('first start: generating')), lines.join('\n'));
    const days = (await readdir(rawDir)).filter((name) => /^\d{4}-\d{2}-\d{2}$/.test(name));
    assert.equal(days.length, 3, 'the earlier 3-day dataset, not a regenerated 90-day one');

    const health = await get(`${server.url}/healthz`);
    assert.equal(health.status, 200);
    const snapshot = (health.body.data as unknown as { snapshot: { asOf: string } }).snapshot;
    assert.equal(snapshot.asOf, generated.lastDay);

    const key = lines.map((l) => l.trim()).find((l) => /^sk_live_\w+$/.test(l));
    assert.ok(key, lines.join('\n'));
    const region = (health.body.data as unknown as { snapshot: { regions: string[] } }).snapshot.regions[0]!;
    const res = await get(`${server.url}${LIST}?region=${region}&page_size=3`, key);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(res.body.data!.length > 0);
  } finally {
    await server.close();
  }
});

test('an active snapshot that cannot be loaded is kept and reported, not replaced by a demo dataset', async () => {
  const { dir, remove } = await tempDir('serve-unloadable');
  try {
    const info = await writeSyntheticSnapshot({ dataDir: dir, influencers: 300, seed: 3, activate: true });
    // The index no longer reads (a damaged manifest): the operator's snapshot, not an empty data dir.
    await writeFile(join(info.dir, 'index', 'manifest.json'), '{"formatVersion":');
    const pointer = await readFile(activePointerPath(dir), 'utf8');
    const lines: string[] = [];
    const server = await serve({
      config: loadConfig(
        {},
        { dataDir: dir, port: 0, logLevel: 'silent', databaseUrl: undefined, redisUrl: undefined },
      ),
      demoInfluencers: 500,
      progress: { update() {}, log: (msg) => lines.push(msg) },
      say: (line) => lines.push(line),
    });
    try {
      assert.ok(
        lines.some((l) => l.startsWith('The active snapshot could not be loaded')),
        lines.join('\n'),
      );
      assert.ok(!lines.some((l) => /demo dataset|first start: generating/.test(l)), lines.join('\n'));
      const health = await get(`${server.url}/healthz`);
      assert.equal(health.status, 503);
      assert.equal(
        await readFile(activePointerPath(dir), 'utf8'),
        pointer,
        'the active pointer is unchanged',
      );
      assert.ok(!(await readdir(dir)).some((name) => name.startsWith('raw-demo')), 'no demo data generated');
    } finally {
      await server.close();
    }
  } finally {
    await remove();
  }
});
