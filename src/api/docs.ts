import type { StaticDocumentSpec } from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';

/** Hop-by-hop and length headers: the outer reply sets its own. */
const NOT_COPIED: ReadonlySet<string> = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'date']);

/**
 * The interactive docs (Swagger UI) at /docs, loaded on the first visit rather than at every start:
 * `@fastify/swagger-ui` and the static-file server under it cost ~150 ms of start-up CPU
 * (docs/benchmarks.md) for a page most runs never show. The first request builds a small Fastify
 * instance serving the UI for the finished OpenAPI document; /docs requests are answered from
 * it, after the API's own Host/Origin checks, as the UI answers them.
 */
export function installLazyDocs(app: FastifyInstance): void {
  let docs: Promise<FastifyInstance> | undefined;
  const serve = async (request: FastifyRequest, reply: FastifyReply) => {
    // An OpenAPI 3.0 document (app.ts registers @fastify/swagger with openapi '3.0.3').
    docs ??= buildDocsApp(app.swagger() as StaticDocumentSpec['document']).catch((error: unknown) => {
      docs = undefined; // a later visit tries again
      throw error;
    });
    const { host: _host, ...headers } = request.headers;
    const answer = await (await docs).inject({ method: request.method as 'GET', url: request.url, headers });
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value !== undefined && !NOT_COPIED.has(name)) void reply.header(name, value);
    }
    return reply.code(answer.statusCode).send(answer.rawPayload);
  };
  app.get('/docs', { schema: { hide: true } }, serve);
  app.get('/docs/*', { schema: { hide: true } }, serve);
}

async function buildDocsApp(document: StaticDocumentSpec['document']): Promise<FastifyInstance> {
  // Only their default exports are used, which a bundled dynamic import keeps.
  // eslint-disable-next-line no-restricted-syntax
  const [{ default: swagger }, { default: swaggerUi }] = await Promise.all([import('@fastify/swagger'), import('@fastify/swagger-ui')]);
  const docs = Fastify() as unknown as FastifyInstance;
  await docs.register(swagger, { mode: 'static', specification: { document } });
  await docs.register(swaggerUi, { routePrefix: '/docs' });
  await docs.ready();
  return docs;
}
