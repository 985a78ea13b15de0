// The JSON log destination of `kolscope serve`: lines are gathered and written together, in order, within the
// delay, at once past the size, and at once after close.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BufferedLogStream } from '../../src/api/log-stream.ts';
import { tempDir } from './support.ts';

let dir: string;
let removeDir: () => Promise<void>;
before(async () => {
  ({ dir, remove: removeDir } = await tempDir('log-stream'));
});
after(async () => {
  await removeDir?.();
});

function logFile(name: string): { fd: number; read: () => string } {
  const path = join(dir, name);
  const fd = openSync(path, 'w');
  return { fd, read: () => readFileSync(path, 'utf8') };
}

test('lines are written together, in order, once the delay has passed', async () => {
  const file = logFile('delay.log');
  const stream = new BufferedLogStream(file.fd, { maxDelayMs: 30 });
  stream.write('{"n":1}\n');
  stream.write('{"n":2,"msg":"é"}\n');
  assert.equal(file.read(), '', 'gathered, not written per line');
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(file.read(), '{"n":1}\n{"n":2,"msg":"é"}\n');
  stream.close();
  closeSync(file.fd);
});

test('past maxChars the lines are written at once; close writes the rest and later lines at once', () => {
  const file = logFile('size.log');
  const stream = new BufferedLogStream(file.fd, { maxDelayMs: 60_000, maxChars: 20 });
  stream.write('0123456789\n');
  assert.equal(file.read(), '');
  stream.write('abcdefghij\n');
  assert.equal(file.read(), '0123456789\nabcdefghij\n');
  stream.write('last\n');
  stream.close();
  assert.equal(file.read(), '0123456789\nabcdefghij\nlast\n');
  stream.write('after close\n');
  assert.equal(file.read(), '0123456789\nabcdefghij\nlast\nafter close\n');
  closeSync(file.fd);
});
