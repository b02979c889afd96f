import type { Static } from '@sinclair/typebox';
import { ErrorDto, EventCreateBody as CreateBody, EventDto, type EventJson, EventListQuery as ListQuery, IdParams, dataOf, pageOf } from '../../api-contract/index.js';
import { type Event, eventId } from '../../domain/index.js';
import type { ResourceRoutes } from '../resource-routes.js';

function toEventDto(event: Event): EventJson {
  return {
    id: event.id,
    trigger_ref: event.triggerRef,
    payload: event.payload,
    source: event.source,
    rule_ref: event.ruleRef,
    processed_at: event.processedAt,
    created: event.created,
  };
}

/** `/api/v1/events`: what sensors, webhooks and clients emitted. */
export const eventRoutes: ResourceRoutes<'eventQueries' | 'ingest'> = async (app, { ctx }) => {
  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '',
    {
      config: { permission: 'events:read' },
      schema: { tags: ['events'], summary: 'List events, newest first', querystring: ListQuery, response: { 200: pageOf(EventDto) } },
    },
    async (request) => {
      const { limit, offset, trigger_ref, rule_ref } = request.query;
      const filter = { limit, offset, ...(trigger_ref === undefined ? {} : { triggerRef: trigger_ref }), ...(rule_ref === undefined ? {} : { ruleRef: rule_ref }) };
      const page = await ctx.eventQueries.list(filter);
      return { data: page.items.map(toEventDto), pagination: { limit, offset, total: page.total } };
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/:id',
    { config: { permission: 'events:read' }, schema: { tags: ['events'], summary: 'Show an event', params: IdParams, response: { 200: dataOf(EventDto), 404: ErrorDto } } },
    async (request) => ({ data: toEventDto(await ctx.eventQueries.get(eventId(request.params.id))) }),
  );

  app.post<{ Body: Static<typeof CreateBody> }>(
    '',
    {
      config: { permission: 'events:create' },
      schema: { tags: ['events'], summary: 'Emit an event (daemon sensors)', body: CreateBody, response: { 201: dataOf(EventDto), 400: ErrorDto } },
    },
    async (request, reply) => {
      const { trigger_ref, payload, rule_ref } = request.body;
      const event = await ctx.ingest.emitFromClient({ triggerRef: trigger_ref, payload: payload ?? {}, ruleRef: rule_ref ?? null });
      return reply.status(201).send({ data: toEventDto(event) });
    },
  );
};
