import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import { PolicyDto, type PolicyJson, PolicyListQuery, dataOf } from '../../api-contract/index.js';
import type { Policy } from '../../domain/index.js';
import type { ResourceRoutes } from '../resource-routes.js';

function toPolicyDto(policy: Policy): PolicyJson {
  const { id, ref, packRef, label, description, kind, actionRef, max, onExceeded, per, windowSeconds, created, updated } = policy;
  return { id, ref, pack_ref: packRef, label, description, kind, action: actionRef, max, on_exceeded: onExceeded, per: [...per], window: windowSeconds, created, updated };
}

/** `/api/v1/policies`: what limits actions' executions; reading them is reading the actions. */
export const policyRoutes: ResourceRoutes<'packQueries'> = async (app, { ctx }) => {
  app.get<{ Querystring: Static<typeof PolicyListQuery> }>(
    '',
    {
      config: { permission: 'actions:read' },
      schema: { tags: ['policies'], summary: 'List policies, by ref', querystring: PolicyListQuery, response: { 200: dataOf(Type.Array(PolicyDto)) } },
    },
    async (request) => ({ data: (await ctx.packQueries.listPolicies(request.query.action)).map(toPolicyDto) }),
  );
};
