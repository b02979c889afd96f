import { type Static, Type } from '@sinclair/typebox';
import { PageQuery, ErrorDto, dataOf, pageOf } from '../dto.js';
import { TriggerDto, toTriggerDto } from '../dto-pipeline.js';
import type { ResourceRoutes } from '../resource-routes.js';

const RefParams = Type.Object({ ref: Type.String({ minLength: 1, maxLength: 255 }) });
const ListQuery = Type.Object({ ...PageQuery, pack: Type.Optional(Type.String()) });

/** `/api/v1/triggers`. */
export const triggerRoutes: ResourceRoutes<'packQueries'> = async (app, { ctx }) => {
  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '',
    { config: { permission: 'triggers:read' }, schema: { tags: ['triggers'], summary: 'List triggers', querystring: ListQuery, response: { 200: pageOf(TriggerDto) } } },
    async (request) => {
      const { limit, offset, pack } = request.query;
      const page = await ctx.packQueries.listTriggers({ limit, offset, ...(pack === undefined ? {} : { packRef: pack }) });
      return { data: page.items.map(toTriggerDto), pagination: { limit, offset, total: page.total } };
    },
  );

  app.get<{ Params: Static<typeof RefParams> }>(
    '/:ref',
    {
      config: { permission: 'triggers:read' },
      schema: { tags: ['triggers'], summary: 'Show a trigger', params: RefParams, response: { 200: dataOf(TriggerDto), 404: ErrorDto } },
    },
    async (request) => ({ data: toTriggerDto(await ctx.packQueries.getTrigger(request.params.ref)) }),
  );
};
