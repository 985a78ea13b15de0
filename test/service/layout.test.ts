// The layout's import rules, read from the source files themselves: the use cases live in src/service and
// are reached through it. Tests and benchmarks never import a command file of src/cli (the CLI is run as a
// process), tests never import bench/, src/service imports only the stages below it, and only src/cli
// imports src/service. The second test feeds the same check files that break each rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SOURCE = /\.(ts|mts|mjs|js)$/;

/** What src/service may import besides itself and packages. */
const SERVICE_MAY_IMPORT = [
  'src/raw/',
  'src/pipeline/',
  'src/snapshot/',
  'src/index/',
  'src/accounts/',
  'src/api/',
  'src/config.ts',
  'src/progress.ts',
];

interface SourceFile {
  /** Repository-relative, '/'-separated. */
  readonly path: string;
  readonly source: string;
}

/** The relative module specifiers of a file (static, re-export, side-effect and dynamic imports). */
function relativeImports(source: string): string[] {
  const specifiers: string[] = [];
  const patterns = [
    /\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]/g,
  ];
  for (const pattern of patterns)
    for (const match of source.matchAll(pattern)) if (match[1]!.startsWith('.')) specifiers.push(match[1]!);
  return specifiers;
}

/** Every import rule broken by `files`, one line each: "importer -> imported: rule". */
function violations(files: readonly SourceFile[]): string[] {
  const found: string[] = [];
  for (const file of files) {
    for (const specifier of relativeImports(file.source)) {
      const target = posix.normalize(posix.join(posix.dirname(file.path), specifier));
      const breaks = (rule: string) => found.push(`${file.path} -> ${target}: ${rule}`);
      const inTests = file.path.startsWith('test/');
      const inBench = file.path.startsWith('bench/');
      const inCli = file.path.startsWith('src/cli/');
      const inService = file.path.startsWith('src/service/');
      if ((inTests || inBench) && target.startsWith('src/cli/'))
        breaks('tests and benchmarks call src/service, not the command line');
      if (inTests && target.startsWith('bench/'))
        breaks('tests do not import bench/ (shared code is in src/service)');
      if (file.path.startsWith('src/') && !inCli && target.startsWith('src/cli/'))
        breaks('nothing in src imports src/cli');
      if (file.path.startsWith('src/') && !inCli && !inService && target.startsWith('src/service/'))
        breaks('only src/cli imports src/service');
      if (file.path.startsWith('src/') && (target.startsWith('test/') || target.startsWith('bench/')))
        breaks('the server ships nothing of test/ or bench/ (the reference SQL is a test helper)');
      if (
        file.path.startsWith('src/') &&
        !file.path.startsWith('src/api/') &&
        !inCli &&
        !inService &&
        target.startsWith('src/api/')
      )
        breaks('dependencies point downstream: only src/service and src/cli import src/api');
      if (
        inService &&
        !target.startsWith('src/service/') &&
        !SERVICE_MAY_IMPORT.some((p) => target.startsWith(p))
      )
        breaks(`src/service imports only ${SERVICE_MAY_IMPORT.join(', ')}`);
    }
  }
  return found;
}

async function sourceFiles(dir: string): Promise<SourceFile[]> {
  const entries = await readdir(join(ROOT, dir), { recursive: true, withFileTypes: true });
  const files: SourceFile[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || !SOURCE.test(entry.name)) continue;
    const path = relative(ROOT, join(entry.parentPath, entry.name)).split('\\').join('/');
    if (path.startsWith('bench/data/') || path.startsWith('bench/results/')) continue;
    files.push({ path, source: await readFile(join(ROOT, path), 'utf8') });
  }
  return files;
}

test('tests, benchmarks and src keep the import rules of the layout', async () => {
  const files = [
    ...(await sourceFiles('src')),
    ...(await sourceFiles('test')),
    ...(await sourceFiles('bench')),
  ];
  // The scan sees the tree: the commands reach the service layer, tests and benchmarks use it.
  const importsService = (prefix: string) =>
    files.filter(
      (f) =>
        f.path.startsWith(prefix) &&
        relativeImports(f.source).some((s) =>
          posix.normalize(posix.join(posix.dirname(f.path), s)).startsWith('src/service/'),
        ),
    ).length;
  assert.ok(importsService('src/cli/commands/') >= 3, 'ingest, export and serve commands call src/service');
  assert.ok(importsService('test/') >= 3, 'tests import src/service');
  assert.ok(importsService('bench/') >= 2, 'benchmarks import src/service');
  assert.deepEqual(violations(files), []);
});

test('the check reports each kind of violation', () => {
  const file = (path: string, ...specifiers: string[]) => ({
    path,
    source: specifiers.map((s, i) => `import { x${i} } from '${s}';`).join('\n'),
  });
  const found = violations([
    file('test/pipeline/ingest.test.ts', '../../src/cli/commands/ingest.ts', '../../src/service/index.ts'),
    file('test/api/support.ts', '../../bench/synthetic-snapshot.ts'),
    {
      path: 'bench/pipeline.ts',
      source: "const { serve } = await import(\n  '../src/cli/commands/serve.ts'\n);\nimport './queries.ts';",
    },
    file('src/api/app.ts', '../cli/options.ts', '../service/index.ts', '../index/index.ts'),
    file('src/service/ingest.ts', '../cli/options.ts', '../pipeline/load.ts', './export.ts', 'node:path'),
    file('src/cli/commands/ingest.ts', '../../service/index.ts', '../options.ts'),
    file('src/index/search.ts', '../../test/oracle/reference-sql.ts', '../api/errors.ts'),
  ]);
  assert.deepEqual(found.sort(), [
    'bench/pipeline.ts -> src/cli/commands/serve.ts: tests and benchmarks call src/service, not the command line',
    'src/api/app.ts -> src/cli/options.ts: nothing in src imports src/cli',
    'src/api/app.ts -> src/service/index.ts: only src/cli imports src/service',
    'src/index/search.ts -> src/api/errors.ts: dependencies point downstream: only src/service and src/cli import src/api',
    'src/index/search.ts -> test/oracle/reference-sql.ts: the server ships nothing of test/ or bench/ (the reference SQL is a test helper)',
    'src/service/ingest.ts -> src/cli/options.ts: nothing in src imports src/cli',
    `src/service/ingest.ts -> src/cli/options.ts: src/service imports only ${SERVICE_MAY_IMPORT.join(', ')}`,
    'test/api/support.ts -> bench/synthetic-snapshot.ts: tests do not import bench/ (shared code is in src/service)',
    'test/pipeline/ingest.test.ts -> src/cli/commands/ingest.ts: tests and benchmarks call src/service, not the command line',
  ]);
});
