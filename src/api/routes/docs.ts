// GET /openapi.json: the served contract, built once from the endpoint registry (src/api/openapi.ts). The
// reference page that renders it (/docs) is built from web/docs.html and served by routes/web.ts.
import type { FastifyInstance } from 'fastify';
import { openApiDocument } from '../openapi.ts';

export function registerDocs(app: FastifyInstance, options: { publicUrl: string }): void {
  const document = JSON.stringify(openApiDocument(options.publicUrl));
  app.get('/openapi.json', async (_request, reply) => {
    reply.type('application/json; charset=utf-8');
    return document;
  });
}
