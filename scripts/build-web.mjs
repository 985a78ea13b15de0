// Builds the web pages (vite.config.ts) into dist/web. With --if-stale, only when the build is missing or
// older than a source it is made from (web/, vite.config.ts, src/snapshot/taxonomy.json, package-lock.json).
// Runs from `npm install` / `npm ci` (prepare), before `npm start` (prestart) and from the browser tests.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STAMP = join(ROOT, 'dist/web/index.html');
const SOURCES = ['web', 'vite.config.ts', 'src/snapshot/taxonomy.json', 'package-lock.json'];

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** True when dist/web is missing or older than one of its sources. */
export function webBuildStale() {
  if (!existsSync(STAMP)) return true;
  const built = statSync(STAMP).mtimeMs;
  return SOURCES.some((source) => existsSync(join(ROOT, source)) && newest(join(ROOT, source)) > built);
}

export async function buildWeb() {
  const { build } = await import('vite');
  await build({ configFile: join(ROOT, 'vite.config.ts') });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--if-stale') && !webBuildStale()) process.exit(0);
  const started = Date.now();
  try {
    await buildWeb();
  } catch (err) {
    if (err?.code === 'ERR_MODULE_NOT_FOUND') {
      console.error('kolscope: vite is not installed (npm install without --omit=dev builds the web pages)');
      process.exit(1);
    }
    throw err;
  }
  console.log(`web pages built into dist/web in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
