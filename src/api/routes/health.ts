import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { dataOf } from '../dto.js';

const Health = Type.Object({
  status: Type.Literal('ok'),
  version: Type.String(),
  services: Type.Array(Type.String()),
});

export function registerHealthRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    '/api/v1/health',
    { schema: { tags: ['health'], summary: 'Liveness and the services this process runs', response: { 200: dataOf(Health) } } },
    () => ({ data: { status: 'ok' as const, version: ctx.version, services: [...ctx.services] } }),
  );
}
