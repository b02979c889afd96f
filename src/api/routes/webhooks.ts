import type { Static } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import {
  ErrorDto,
  MAX_WEBHOOK_WAIT_SECONDS,
  WebhookAcceptedDto,
  type WebhookAcceptedJson,
  WebhookParams as NameParams,
  WebhookQuery as Query,
  dataOf,
} from '../../api-contract/index.js';
import { eventId } from '../../domain/index.js';
import type { ResourceRoutes } from '../resource-routes.js';
import { parseJsonBody } from '../strict-inputs.js';
import { storableHeaders } from '../webhook-headers.js';
import { WebhookGuard } from '../webhook-guard.js';

const EMPTY = Buffer.alloc(0);

/**
 * `/api/v1/webhooks`: ingress for senders that know nothing of Attune but a URL. Each webhook's
 * rules may ask for a signature, a body size limit and a rate limit (docs/rules.md, "Webhooks");
 * the 202 comes once the events are committed, and with `?wait=` the answer waits for what they ran.
 */
export const webhookRoutes: ResourceRoutes<'ingest' | 'keys' | 'outcomes'> = async (app, { ctx }) => {
  const guard = new WebhookGuard({ keys: ctx.keys });
  // The signature covers the bytes as sent: this plugin's JSON parser keeps them (here only).
  const rawBodies = new WeakMap<FastifyRequest, Buffer>();
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const raw = body as Buffer;
    rawBodies.set(request, raw);
    try {
      done(null, parseJsonBody(raw.toString('utf8')));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  app.post<{ Params: Static<typeof NameParams>; Querystring: Static<typeof Query>; Body: unknown }>(
    '/:name',
    {
      config: { permission: 'public' },
      schema: {
        tags: ['events'],
        summary: 'Webhook ingress: one core.webhook event per enabled rule listening on this name',
        params: NameParams,
        querystring: Query,
        response: { 200: dataOf(WebhookAcceptedDto), 202: dataOf(WebhookAcceptedDto), 401: ErrorDto, 404: ErrorDto, 413: ErrorDto, 429: ErrorDto },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const rules = await ctx.ingest.webhookRules(name);
      const signature = request.headers['x-hub-signature-256'];
      await guard.check(name, rules, rawBodies.get(request) ?? EMPTY, Array.isArray(signature) ? signature[0] : signature);
      const payload = { url: name, body: request.body ?? {}, headers: storableHeaders(request.headers) };
      const { wait } = request.query;
      // Listening before the events exist spares the wait a first read (EventOutcomes.watch).
      const watch = wait === undefined ? undefined : ctx.outcomes.watch();
      let events: number[];
      try {
        events = (await ctx.ingest.emitWebhook(name, payload, rules)).map((event) => event.id);
      } catch (error) {
        watch?.cancel();
        throw error;
      }
      if (watch === undefined || wait === undefined) return reply.status(202).send({ data: { events } });
      const outcome = await watch.wait(events.map(eventId), Math.min(wait, MAX_WEBHOOK_WAIT_SECONDS) * 1000);
      const data: WebhookAcceptedJson = { events, executions: outcome.executions.map((e) => ({ id: e.id, status: e.status, result: e.result === null ? null : { ...e.result } })) };
      return reply.status(outcome.finished ? 200 : 202).send({ data });
    },
  );
};
