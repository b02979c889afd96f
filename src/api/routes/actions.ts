import type { Static } from '@sinclair/typebox';
import { ActionDto, type ActionJson, ActionListQuery as ListQuery, ErrorDto, RefParams, dataOf, pageOf } from '../../api-contract/index.js';
import type { Action } from '../../domain/index.js';
import { redactSchemaDefaults } from '../../secrets/index.js';
import type { ResourceRoutes } from '../resource-routes.js';

/** An action as the API shows it: the defaults of secret parameters masked. */
function toActionDto(action: Action): ActionJson {
  return {
    id: action.id,
    ref: action.ref,
    pack_ref: action.packRef,
    label: action.label,
    description: action.description,
    runner_type: action.runnerType,
    entry_point: action.entryPoint,
    parameters: redactSchemaDefaults(action.parameters),
    output: action.output,
    parameter_delivery: action.parameterDelivery,
    parameter_format: action.parameterFormat,
    output_format: action.outputFormat,
    timeout_seconds: action.timeoutSeconds,
    max_retries: action.maxRetries,
    api_access: action.apiAccess,
    permission_set: action.permissionSet,
    created: action.created,
    updated: action.updated,
  };
}

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
