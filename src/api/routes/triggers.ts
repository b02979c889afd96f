import type { Static } from '@sinclair/typebox';
import { ErrorDto, RefParams, TriggerDto, type TriggerJson, TriggerListQuery as ListQuery, dataOf, pageOf } from '../../api-contract/index.js';
import type { Trigger } from '../../domain/index.js';
import type { ResourceRoutes } from '../resource-routes.js';

function toTriggerDto(trigger: Trigger): TriggerJson {
  const { packRef, ...rest } = trigger;
  return { ...rest, pack_ref: packRef };
}

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
