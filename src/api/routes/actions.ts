import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { ActionDto, ErrorDto, PageQuery, dataOf, pageOf, toActionDto } from '../dto.js';

const RefParams = Type.Object({ ref: Type.String({ minLength: 1, maxLength: 255 }) });
const ListQuery = Type.Object({ ...PageQuery, pack: Type.Optional(Type.String({ description: 'Only this pack’s actions' })) });

export function registerActionRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/api/v1/actions',
    { schema: { tags: ['actions'], summary: 'List actions', querystring: ListQuery, response: { 200: pageOf(ActionDto) } } },
    async (request) => {
      const { limit, offset, pack } = request.query;
      const page = await ctx.packQueries.listActions({ limit, offset, ...(pack === undefined ? {} : { packRef: pack }) });
      return { data: page.items.map(toActionDto), pagination: { limit, offset, total: page.total } };
    },
  );

  app.get<{ Params: Static<typeof RefParams> }>(
    '/api/v1/actions/:ref',
    { schema: { tags: ['actions'], summary: 'Show an action', params: RefParams, response: { 200: dataOf(ActionDto), 404: ErrorDto } } },
    async (request) => {
      return { data: toActionDto(await ctx.packQueries.getAction(request.params.ref)) };
    },
  );
}
