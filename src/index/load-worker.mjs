// Entry of the index load worker (load-worker.ts). A worker thread inherits a TypeScript loader given with
// --import (tests, benchmarks) but not one registered through the tsx API (bin/kolscope.mjs): register it then.
try {
  await import('./load-worker.ts');
} catch (err) {
  if (err?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw err;
  const { register } = await import('tsx/esm/api');
  register();
  // A new specifier: the failed import above stays cached under the plain one.
  await import('./load-worker.ts?tsx');
}
