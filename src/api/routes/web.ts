// The pages built from web/ by Vite into dist/web (npm install's prepare, npm start's prestart): the explorer
// at /, the API reference at /docs, and their hashed assets under /assets/. Assets are immutable (their
// names change with their content) and sent precompressed (.br/.gz written by the build); the HTML is
// revalidated on every load so a new build is picked up. The CSP allows nothing from another origin.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const WEB_DIST = new URL('../../../dist/web/', import.meta.url);
const PAGE_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const PAGES: Readonly<Record<string, string>> = { '/': 'index.html', '/docs': 'docs.html' };

interface Page {
  readonly builtAt: number;
  readonly identity: Buffer;
  readonly br: Buffer;
  readonly gzip: Buffer;
}

/**
 * A page of the build, read again when the build changes (a rebuild while the server runs replaces the
 * hashed assets the old HTML points to); null while there is no build.
 */
function pageLoader(file: string): () => Page | null {
  const url = new URL(file, WEB_DIST);
  let page: Page | null = null;
  return () => {
    const builtAt = statSync(url, { throwIfNoEntry: false })?.mtimeMs;
    if (builtAt === undefined) return null;
    if (page?.builtAt !== builtAt) {
      const identity = readFileSync(url);
      page = { builtAt, identity, br: brotliCompressSync(identity), gzip: gzipSync(identity) };
    }
    return page;
  };
}

function sendPage(page: Page, request: FastifyRequest, reply: FastifyReply): Buffer {
  reply
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-cache')
    .header('vary', 'accept-encoding')
    .header('content-security-policy', PAGE_POLICY);
  const accepted = String(request.headers['accept-encoding'] ?? '');
  if (/\bbr\b/.test(accepted)) {
    reply.header('content-encoding', 'br');
    return page.br;
  }
  if (/\bgzip\b/.test(accepted)) {
    reply.header('content-encoding', 'gzip');
    return page.gzip;
  }
  return page.identity;
}

export function registerWeb(app: FastifyInstance): void {
  for (const [path, file] of Object.entries(PAGES)) {
    const load = pageLoader(file);
    app.get(path, async (request, reply) => {
      const page = load();
      if (page) return sendPage(page, request, reply);
      reply.code(503).type('text/plain; charset=utf-8');
      return 'The web pages are not built: run npm run build:web (npm install does it).\n';
    });
  }
  if (!existsSync(new URL('assets/', WEB_DIST))) return;
  void app.register(fastifyStatic, {
    root: new URL('assets/', WEB_DIST).pathname,
    prefix: '/assets/',
    preCompressed: true,
    index: false,
    list: false,
    dotfiles: 'deny',
    immutable: true,
    maxAge: '365d',
  });
}
