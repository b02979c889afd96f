import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyReply, LogController } from 'fastify';
import { Ajv } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import type { Logger } from 'pino';
import type { ApiContext } from './context.js';

// ajv-formats is CommonJS; its default export is the plugin function.
const addFormats = addFormatsPlugin as unknown as (ajv: Ajv) => Ajv;
import { installErrorHandlers, sendError, toAppError } from './error-handler.js';
import { installJsonBodyParser } from './json-body.js';
import { registerActionRoutes } from './routes/actions.js';
import { registerExecutionRoutes } from './routes/executions.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerPackRoutes } from './routes/packs.js';
import { registerRuleRoutes } from './routes/rules.js';
import { registerTriggerRoutes } from './routes/triggers.js';
import { registerEventRoutes } from './routes/events.js';

/**
 * Query strings and path parameters arrive as text and are coerced to their schema types; a
 * JSON body is taken as sent, so `{"action_ref": 42}` is a type error rather than the ref "42".
 * Unknown body fields are rejected, never silently dropped.
 */
function installValidators(app: FastifyInstance): void {
  const common = { allErrors: true, removeAdditional: false, useDefaults: true, strict: false } as const;
  const strict = new Ajv({ ...common, coerceTypes: false });
  const coercing = new Ajv({ ...common, coerceTypes: 'array' });
  for (const ajv of [strict, coercing]) addFormats(ajv);
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema));
  // Response schemas document the API (OpenAPI); bodies are sent with JSON.stringify, which
  // spares compiling a serializer per route at start and never drops a field a schema missed.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
}

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
    // Refs may be 255 characters long; the router's default cap on a path parameter is 100.
    maxParamLength: 300,
    // Errors the router raises before any route runs (a malformed URL, an over-long path
    // parameter) get the same error body as every other error.
    frameworkErrors: (error, _request, reply) => {
      void sendError(reply as FastifyReply, toAppError(error));
    },
  }) as unknown as FastifyInstance;
  installValidators(app);
  installErrorHandlers(app);
  // JSON is the only body the API takes; anything else is a 415, not a confusing validation error.
  app.removeContentTypeParser('text/plain');
  installJsonBodyParser(app, options.bodyLimitBytes);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Attune API', version: ctx.version, description: 'Event-driven automation: packs, actions, executions, triggers, sensors, rules and events.' },
      tags: ['health', 'packs', 'actions', 'executions', 'triggers', 'sensors', 'rules', 'events'].map((name) => ({ name })),
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/api-spec/openapi.json', { schema: { hide: true } }, () => app.swagger());
  registerHealthRoutes(app, ctx);
  registerPackRoutes(app, ctx);
  registerActionRoutes(app, ctx);
  registerExecutionRoutes(app, ctx);
  registerTriggerRoutes(app, ctx);
  registerRuleRoutes(app, ctx);
  registerEventRoutes(app, ctx);
  return app;
}
