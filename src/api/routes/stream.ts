import type { ServerResponse } from 'node:http';
import type { Static } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { ErrorDto, StreamMessageDto, StreamQuery } from '../../api-contract/index.js';
import type { Principal } from '../../auth/index.js';
import { AppError, allows } from '../../domain/index.js';
import { type Notification, STREAM_ENTITY_TYPES, STREAM_TYPE_RESOURCES, type StreamEntityType, type StreamFilter, isStreamEntityType } from '../../notifier/index.js';
import { bearerToken, principalOf } from '../permissions.js';
import type { ResourceRoutes } from '../resource-routes.js';

/** A comment line this often keeps proxies from closing an idle stream; the token is checked again then. */
export const HEARTBEAT_MS = 15_000;
/** A subscriber this far behind (bytes not yet sent) is cut off rather than buffered without end. */
const MAX_BACKLOG_BYTES = 1024 * 1024;

/** The types a stream carries: those asked for (all when none), each one the principal may read (403 otherwise). */
function streamFilter(principal: Principal, query: Static<typeof StreamQuery>): StreamFilter {
  const readable = (type: StreamEntityType) => allows(principal.grants, { resource: STREAM_TYPE_RESOURCES[type], action: 'read' });
  const asked = query.types?.split(',').map((t) => t.trim()).filter((t) => t !== '');
  if (asked === undefined || asked.length === 0) {
    if (query.id !== undefined) throw new AppError('ERR_VALIDATION', 'querystring/id needs exactly one type (?types=execution&id=…)');
    return { types: new Set(STREAM_ENTITY_TYPES.filter(readable)) };
  }
  const unknown = asked.filter((t) => !isStreamEntityType(t));
  if (unknown.length > 0) throw new AppError('ERR_VALIDATION', `querystring/types: unknown type "${unknown[0]}"; one of ${STREAM_ENTITY_TYPES.join(', ')}`);
  const types = new Set(asked.filter(isStreamEntityType));
  const hidden = [...types].find((t) => !readable(t));
  if (hidden) {
    const permission = `${STREAM_TYPE_RESOURCES[hidden]}:read`;
    throw new AppError('ERR_FORBIDDEN', `${principal.identity.login} may not read ${STREAM_TYPE_RESOURCES[hidden]} (needs ${permission})`, { details: { permission } });
  }
  if (query.id !== undefined && types.size !== 1) throw new AppError('ERR_VALIDATION', 'querystring/id needs exactly one type (?types=execution&id=…)');
  return { types, ...(query.id === undefined ? {} : { id: query.id }) };
}

/**
 * `GET /api/v1/stream`: entity changes as server-sent events, one `data:` line of JSON each
 * (a StreamMessage), with an `id:` counting from 1 per connection (Last-Event-ID is not
 * replayed). A `: connected` comment opens the stream once the subscription is live; `: heartbeat`
 * comments follow every 15 s, and at each the token is checked again: a revoked or expired
 * token (an execution's, once it ended) closes the stream. The server's shutdown closes them all.
 */
export const streamRoutes: ResourceRoutes<'auth' | 'notifier'> = async (app, { ctx }) => {
  const open = new Set<() => void>();
  app.addHook('preClose', (done) => {
    for (const close of [...open]) close();
    done();
  });

  app.get<{ Querystring: Static<typeof StreamQuery> }>(
    '',
    {
      config: { permission: 'authenticated' },
      schema: {
        tags: ['stream'],
        summary: 'Follow entity changes (server-sent events)',
        description: 'Each event is one `data:` line holding a StreamMessage. The token must be able to read each type asked for (403 otherwise); without ?types, the stream carries every type it may read.',
        querystring: StreamQuery,
        response: { 200: { description: 'text/event-stream of StreamMessage', content: { 'text/event-stream': { schema: StreamMessageDto } } }, 400: ErrorDto, 401: ErrorDto, 403: ErrorDto },
      },
    },
    (request, reply) => {
      const filter = streamFilter(principalOf(request), request.query);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write(': connected\n\n');
      let seq = 0;
      const close = () => {
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(close);
        if (!res.writableEnded) res.end();
      };
      const send = (text: string) => {
        if (res.writableEnded) return;
        if (res.writableLength > MAX_BACKLOG_BYTES) close();
        else res.write(text);
      };
      const unsubscribe = ctx.notifier.subscribe(filter, (n: Notification) => send(`id: ${++seq}\ndata: ${JSON.stringify(n)}\n\n`));
      const heartbeat = setInterval(() => void recheck(ctx.auth, request, res, close, send), HEARTBEAT_MS);
      open.add(close);
      request.raw.on('close', close);
      res.on('close', close);
    },
  );
};

/** At each heartbeat: the token must still stand for someone, else the stream ends. */
async function recheck(
  auth: { authenticate(token: string): Promise<Principal | undefined> },
  request: FastifyRequest,
  res: ServerResponse,
  close: () => void,
  send: (text: string) => void,
): Promise<void> {
  const token = bearerToken(request);
  const principal = token === undefined ? undefined : await auth.authenticate(token).catch(() => undefined);
  if (res.writableEnded) return;
  if (principal) send(': heartbeat\n\n');
  else close();
}
