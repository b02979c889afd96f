import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { eventId } from '../../domain/index.js';
import type { ApiContext } from '../context.js';
import { ErrorDto, PageQuery, dataOf, pageOf } from '../dto.js';
import { EnforcementDto, EventDto, toEnforcementDto, toEventDto } from '../dto-pipeline.js';
import { storableHeaders } from '../webhook-headers.js';

const MAX_ID = 2_147_483_647;
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: MAX_ID }) });
const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9._-]+$' }) });
const ListQuery = Type.Object({ ...PageQuery, trigger_ref: Type.Optional(Type.String()), rule_ref: Type.Optional(Type.String()) });
const EnforcementQuery = Type.Object({ ...PageQuery, rule_ref: Type.Optional(Type.String()), event: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ID })) });
const CreateBody = Type.Object(
  {
    trigger_ref: Type.String({ minLength: 1, maxLength: 255 }),
    payload: Type.Optional(Type.Unknown()),
    rule_ref: Type.Optional(Type.String({ description: 'Target one rule (a per-rule trigger instance).' })),
  },
  { additionalProperties: false },
);

/** Events (from daemon sensors and webhooks) and the enforcements rules wrote for them. */
export function registerEventRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/api/v1/events',
    { schema: { tags: ['events'], summary: 'List events, newest first', querystring: ListQuery, response: { 200: pageOf(EventDto) } } },
    async (request) => {
      const { limit, offset, trigger_ref, rule_ref } = request.query;
      const filter = { limit, offset, ...(trigger_ref === undefined ? {} : { triggerRef: trigger_ref }), ...(rule_ref === undefined ? {} : { ruleRef: rule_ref }) };
      const page = await ctx.eventQueries.list(filter);
      return { data: page.items.map(toEventDto), pagination: { limit, offset, total: page.total } };
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/api/v1/events/:id',
    { schema: { tags: ['events'], summary: 'Show an event', params: IdParams, response: { 200: dataOf(EventDto), 404: ErrorDto } } },
    async (request) => {
      return { data: toEventDto(await ctx.eventQueries.get(eventId(request.params.id))) };
    },
  );

  app.post<{ Body: Static<typeof CreateBody> }>(
    '/api/v1/events',
    { schema: { tags: ['events'], summary: 'Emit an event (daemon sensors)', body: CreateBody, response: { 201: dataOf(EventDto), 400: ErrorDto } } },
    async (request, reply) => {
      const { trigger_ref, payload, rule_ref } = request.body;
      const event = await ctx.ingest.emitFromClient({ triggerRef: trigger_ref, payload: payload ?? {}, ruleRef: rule_ref ?? null });
      return reply.status(201).send({ data: toEventDto(event) });
    },
  );

  app.get<{ Querystring: Static<typeof EnforcementQuery> }>(
    '/api/v1/enforcements',
    { schema: { tags: ['events'], summary: 'List enforcements, newest first', querystring: EnforcementQuery, response: { 200: pageOf(EnforcementDto) } } },
    async (request) => {
      const { limit, offset, rule_ref, event } = request.query;
      const filter = { limit, offset, ...(rule_ref === undefined ? {} : { ruleRef: rule_ref }), ...(event === undefined ? {} : { eventId: eventId(event) }) };
      const page = await ctx.enforcementQueries.list(filter);
      return { data: page.items.map(toEnforcementDto), pagination: { limit, offset, total: page.total } };
    },
  );

  app.post<{ Params: Static<typeof NameParams>; Body: unknown }>(
    '/api/v1/webhooks/:name',
    {
      schema: {
        tags: ['events'],
        summary: 'Webhook ingress: one core.webhook event per enabled rule listening on this name',
        params: NameParams,
        response: { 202: dataOf(Type.Object({ events: Type.Array(Type.Integer()) })), 404: ErrorDto },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const payload = { url: name, body: request.body ?? {}, headers: storableHeaders(request.headers) };
      const events = await ctx.ingest.emitWebhook(name, payload);
      return reply.status(202).send({ data: { events: events.map((event) => event.id) } });
    },
  );
}
