import type { Static } from '@sinclair/typebox';
import { ErrorDto, WebhookAcceptedDto, WebhookParams as NameParams, dataOf } from '../../api-contract/index.js';
import type { ResourceRoutes } from '../resource-routes.js';
import { storableHeaders } from '../webhook-headers.js';

/** `/api/v1/webhooks`: ingress for senders that know nothing of Attune but a URL. */
export const webhookRoutes: ResourceRoutes<'ingest'> = async (app, { ctx }) => {
  app.post<{ Params: Static<typeof NameParams>; Body: unknown }>(
    '/:name',
    {
      config: { permission: 'public' },
      schema: {
        tags: ['events'],
        summary: 'Webhook ingress: one core.webhook event per enabled rule listening on this name',
        params: NameParams,
        response: { 202: dataOf(WebhookAcceptedDto), 404: ErrorDto },
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
