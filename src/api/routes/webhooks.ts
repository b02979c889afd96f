import { type Static, Type } from '@sinclair/typebox';
import { ErrorDto, dataOf } from '../dto.js';
import type { ResourceRoutes } from '../resource-routes.js';
import { storableHeaders } from '../webhook-headers.js';

const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9._-]+$' }) });

/** `/api/v1/webhooks`: ingress for senders that know nothing of Attune but a URL. */
export const webhookRoutes: ResourceRoutes<'ingest'> = async (app, { ctx }) => {
  app.post<{ Params: Static<typeof NameParams>; Body: unknown }>(
    '/:name',
    {
      config: { permission: 'webhooks:write' },
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
};
