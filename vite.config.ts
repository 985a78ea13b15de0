// Builds the pages in web/ (the explorer at /, the API reference at /docs) into dist/web, which the server
// serves (src/api/routes/web.ts). Assets get content-hashed names (cached for a year) and .br/.gz twins
// written beside them, so the server sends them compressed without compressing per request.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

export const WEB_OUT_DIR = 'dist/web';

/** Writes name.br and name.gz beside every text asset of the build (once, at build time). */
function precompress(outDir: string): Plugin {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : [path];
    });
  return {
    name: 'kolscope-precompress',
    apply: 'build',
    closeBundle() {
      for (const file of walk(outDir)) {
        if (!/\.(js|css|html|svg|json)$/.test(file)) continue;
        const bytes = readFileSync(file);
        writeFileSync(`${file}.gz`, gzipSync(bytes, { level: 9 }));
        writeFileSync(
          `${file}.br`,
          brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
        );
      }
    },
  };
}

const root = new URL('./web/', import.meta.url).pathname;
const outDir = new URL(`./${WEB_OUT_DIR}/`, import.meta.url).pathname;

export default defineConfig({
  root,
  base: '/',
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir,
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    // The reference page's renderer is one large prebuilt bundle; the explorer's budget is checked by tests.
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      input: { index: join(root, 'index.html'), docs: join(root, 'docs.html') },
    },
  },
  plugins: [precompress(outDir)],
});
