// GET /openapi.json (the served contract), GET /docs (the API reference page with a try-it form, rendered
// in the browser from /openapi.json) and its script. The page's files ship in web/; nothing is fetched
// from elsewhere, and the CSP keeps it that way.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { openApiDocument } from '../openapi.ts';

const WEB_DIR = new URL('../../../web/', import.meta.url);
const PAGE_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function registerDocs(app: FastifyInstance, options: { publicUrl: string }): void {
  const document = JSON.stringify(openApiDocument(options.publicUrl));
  const page = readFileSync(new URL('docs.html', WEB_DIR), 'utf8');
  const script = readFileSync(new URL('docs.js', WEB_DIR), 'utf8');
  const style = readFileSync(new URL('docs.css', WEB_DIR), 'utf8');

  app.get('/openapi.json', async (_request, reply) => {
    reply.type('application/json; charset=utf-8');
    return document;
  });
  app.get('/docs', async (_request, reply) => {
    reply.type('text/html; charset=utf-8').header('content-security-policy', PAGE_POLICY);
    return page;
  });
  app.get('/docs/docs.js', async (_request, reply) => {
    reply.type('text/javascript; charset=utf-8');
    return script;
  });
  app.get('/docs/docs.css', async (_request, reply) => {
    reply.type('text/css; charset=utf-8');
    return style;
  });
  app.get('/', async (_request, reply) => reply.redirect('/docs'));
}
