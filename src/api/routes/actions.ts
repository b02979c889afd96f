import { type Static, Type } from '@sinclair/typebox';
import { ActionDto, ErrorDto, PageQuery, dataOf, pageOf, toActionDto } from '../dto.js';
import type { ResourceRoutes } from '../resource-routes.js';

const RefParams = Type.Object({ ref: Type.String({ minLength: 1, maxLength: 255 }) });
const ListQuery = Type.Object({ ...PageQuery, pack: Type.Optional(Type.String({ description: 'Only this pack’s actions' })) });

/** `/api/v1/actions`. */
export const actionRoutes: ResourceRoutes<'packQueries'> = async (app, { ctx }) => {
  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '',
    { config: { permission: 'actions:read' }, schema: { tags: ['actions'], summary: 'List actions', querystring: ListQuery, response: { 200: pageOf(ActionDto) } } },
    async (request) => {
      const { limit, offset, pack } = request.query;
      const page = await ctx.packQueries.listActions({ limit, offset, ...(pack === undefined ? {} : { packRef: pack }) });
      return { data: page.items.map(toActionDto), pagination: { limit, offset, total: page.total } };
    },
  );

  app.get<{ Params: Static<typeof RefParams> }>(
    '/:ref',
    {
      config: { permission: 'actions:read' },
      schema: { tags: ['actions'], summary: 'Show an action', params: RefParams, response: { 200: dataOf(ActionDto), 404: ErrorDto } },
    },
    async (request) => ({ data: toActionDto(await ctx.packQueries.getAction(request.params.ref)) }),
  );
};
