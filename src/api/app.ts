import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyReply, LogController } from 'fastify';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import type { Logger } from 'pino';
import type { ApiContext } from './context.js';
import type { TlsFiles } from './exposure.js';
import { installLazyDocs } from './docs.js';
import { installErrorHandlers, sendError, toAppError } from './error-handler.js';
import { installAuthentication, requirePermissions } from './permissions.js';
import { installRequestGuard, type RequestGuardOptions } from './request-guard.js';
import type { ResourceRoutes } from './resource-routes.js';
import { actionRoutes } from './routes/actions.js';
import { auditRoutes } from './routes/audit.js';
import { workerRoutes } from './routes/workers.js';
import { policyRoutes } from './routes/policies.js';
import { authRoutes } from './routes/auth.js';
import { enforcementRoutes } from './routes/enforcements.js';
import { eventRoutes } from './routes/events.js';
import { executionRoutes } from './routes/executions.js';
import { healthRoutes } from './routes/health.js';
import { keyRoutes } from './routes/keys.js';
import { identityRoutes } from './routes/identities.js';
import { inquiryRoutes } from './routes/inquiries.js';
import { packRoutes } from './routes/packs.js';
import { permissionSetRoutes } from './routes/permission-sets.js';
import { ruleRoutes } from './routes/rules.js';
import { sensorRoutes } from './routes/sensors.js';
import { streamRoutes } from './routes/stream.js';
import { tokenRenewalRoutes } from './routes/token-renewal.js';
import { tokenRoutes } from './routes/tokens.js';
import { triggerRoutes } from './routes/triggers.js';
import { webhookRoutes } from './routes/webhooks.js';
import { installStrictInputs } from './strict-inputs.js';

// ajv-formats is CommonJS; its default export is the plugin function.
const addFormats = addFormatsPlugin as unknown as (ajv: Ajv) => Ajv;

/**
 * Query strings and path parameters arrive as text and are coerced to their schema types; a
 * JSON body is taken as sent, so `{"action_ref": 42}` is a type error rather than the ref "42".
 * Unknown body fields are rejected, never silently dropped.
 */
function installValidators(app: FastifyInstance): void {
  // The route schemas are ours and fixed (src/api-contract): checking each against Ajv's
  // meta-schema would compile that too, on the first request, for nothing.
  const common = { allErrors: true, removeAdditional: false, useDefaults: true, strict: false, validateSchema: false } as const;
  const strict = new Ajv({ ...common, coerceTypes: false });
  const coercing = new Ajv({ ...common, coerceTypes: 'array' });
  for (const ajv of [strict, coercing]) addFormats(ajv);
  app.setValidatorCompiler(({ schema, httpPart }) => compileOnFirstUse(httpPart === 'body' ? strict : coercing, schema));
  // Response schemas document the API (OpenAPI); bodies are sent with JSON.stringify, which
  // spares compiling a serializer per route at start and never drops a field a schema missed.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
}

/**
 * Compiling every route's schemas took about a third of the start-up CPU of `attune up`
 * (docs/benchmarks.md), for routes most runs never call: each is compiled on its first request
 * instead. The schemas are fixed in src/api-contract; src/api/app.test.ts sends every route a
 * request, so a schema Ajv cannot compile still fails a test rather than a user's request.
 */
function compileOnFirstUse(ajv: Ajv, schema: object) {
  let validate: ValidateFunction | undefined;
  const lazy = Object.assign(
    (data: unknown, dataCxt?: Parameters<ValidateFunction>[1]) => {
      validate ??= ajv.compile(schema);
      // Ajv's own signature: the data context lets it coerce the request part in place.
      const valid = validate(data, dataCxt);
      lazy.errors = validate.errors;
      return valid;
    },
    // Fastify passes that context only to a validator that has a schemaEnv, as Ajv's do.
    { errors: null as ErrorObject[] | null | undefined, schemaEnv: {} },
  );
  return lazy;
}

/**
 * Each resource's routes: one encapsulated plugin per file, under its prefix, in the order the
 * OpenAPI document lists them. A plugin inherits what the root set up before it was registered
 * (the Host/Origin guard, strict inputs, the JSON parser, validators, the error and not-found
 * handlers); hooks a plugin adds stay inside it.
 */
const RESOURCES: readonly { readonly prefix: string; readonly routes: ResourceRoutes<keyof ApiContext> }[] = [
  { prefix: '/auth', routes: authRoutes },
  { prefix: '/api/v1/health', routes: healthRoutes },
  { prefix: '/api/v1/packs', routes: packRoutes },
  { prefix: '/api/v1/actions', routes: actionRoutes },
  { prefix: '/api/v1/executions', routes: executionRoutes },
  { prefix: '/api/v1/triggers', routes: triggerRoutes },
  { prefix: '/api/v1/sensors', routes: sensorRoutes },
  { prefix: '/api/v1/rules', routes: ruleRoutes },
  { prefix: '/api/v1/events', routes: eventRoutes },
  { prefix: '/api/v1/enforcements', routes: enforcementRoutes },
  { prefix: '/api/v1/webhooks', routes: webhookRoutes },
  { prefix: '/auth', routes: tokenRenewalRoutes },
  { prefix: '/api/v1/stream', routes: streamRoutes },
  { prefix: '/api/v1/keys', routes: keyRoutes },
  { prefix: '/api/v1/identities', routes: identityRoutes },
  { prefix: '/api/v1/permission-sets', routes: permissionSetRoutes },
  { prefix: '/api/v1/tokens', routes: tokenRoutes },
  { prefix: '/api/v1/audit', routes: auditRoutes },
  { prefix: '/api/v1/workers', routes: workerRoutes },
  { prefix: '/api/v1/inquiries', routes: inquiryRoutes },
  { prefix: '/api/v1/policies', routes: policyRoutes },
];

export interface ApiOptions extends RequestGuardOptions {
  readonly log: Logger;
  readonly bodyLimitBytes: number;
  /** Serve HTTPS with this certificate (server.tls). */
  readonly tls?: TlsFiles;
}

/** Builds the REST API: routes, the one error handler, OpenAPI at /api-spec/openapi.json, docs at /docs. */
export async function buildApi(ctx: ApiContext, options: ApiOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.log.child({ svc: 'api' }),
    // Per-request log lines would dominate the log under load; errors are still logged by the handler.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes,
    ...(options.tls === undefined ? {} : { https: { cert: options.tls.cert, key: options.tls.key } }),
    // Refs may be 255 characters long; the router's default cap on a path parameter is 100.
    // Router settings go under routerOptions: as top-level options they are deprecated (FSTDEP022).
    routerOptions: { maxParamLength: 300 },
    // Errors the router raises before any route runs (a malformed URL, an over-long path
    // parameter) get the same error body as every other error.
    frameworkErrors: (error, _request, reply) => {
      void sendError(reply as FastifyReply, toAppError(error));
    },
  }) as unknown as FastifyInstance;
  installValidators(app);
  installErrorHandlers(app);
  installRequestGuard(app, options);
  // JSON is the only body the API takes; anything else is a 415, not a confusing validation error.
  app.removeContentTypeParser('text/plain');
  installStrictInputs(app);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Attune API', version: ctx.version, description: 'Event-driven automation: packs, actions, executions, triggers, sensors, rules and events.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An access token from POST /auth/login, or an API token (attune_it_…, attune_st_…, attune_xt_…).' } } },
      security: [{ bearer: [] }],
      tags: ['auth', 'health', 'packs', 'actions', 'executions', 'triggers', 'sensors', 'rules', 'events', 'stream', 'keys', 'identities', 'permission-sets', 'tokens', 'audit', 'workers', 'inquiries', 'policies'].map((name) => ({ name })),
    },
  });
  installLazyDocs(app);
  app.get('/api-spec/openapi.json', { schema: { hide: true } }, () => app.swagger());
  requirePermissions(app);
  installAuthentication(app, ctx.auth);
  for (const { prefix, routes } of RESOURCES) await app.register(routes, { prefix, ctx });
  return app;
}
