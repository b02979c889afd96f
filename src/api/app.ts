import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { ApiContext } from './context.js';
import { installErrorHandlers } from './error-handler.js';
import { registerActionRoutes } from './routes/actions.js';
import { registerExecutionRoutes } from './routes/executions.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerPackRoutes } from './routes/packs.js';

export interface ApiOptions {
  readonly log: Logger;
  readonly bodyLimitBytes: number;
}

/** Builds the REST API: routes, the one error handler, OpenAPI at /api-spec/openapi.json, docs at /docs. */
export async function buildApi(ctx: ApiContext, options: ApiOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.log.child({ svc: 'api' }),
    // Per-request log lines would dominate the log under load; errors are still logged by the handler.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes,
    // Unknown body fields are rejected, not silently dropped; query strings are coerced to their types.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true } },
  }) as unknown as FastifyInstance;
  installErrorHandlers(app);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Attune API', version: ctx.version, description: 'Event-driven automation: packs, actions and executions.' },
      tags: ['health', 'packs', 'actions', 'executions'].map((name) => ({ name })),
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/api-spec/openapi.json', { schema: { hide: true } }, () => app.swagger());
  registerHealthRoutes(app, ctx);
  registerPackRoutes(app, ctx);
  registerActionRoutes(app, ctx);
  registerExecutionRoutes(app, ctx);
  return app;
}
