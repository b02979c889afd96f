import type { Static } from '@sinclair/typebox';
import { EnforcementDto, type EnforcementJson, EnforcementListQuery as ListQuery, pageOf } from '../../api-contract/index.js';
import { type Enforcement, eventId } from '../../domain/index.js';
import type { ResourceRoutes } from '../resource-routes.js';

function toEnforcementDto(enforcement: Enforcement): EnforcementJson {
  return {
    id: enforcement.id,
    rule_id: enforcement.ruleId,
    rule_ref: enforcement.ruleRef,
    event_id: enforcement.eventId,
    status: enforcement.status,
    execution_id: enforcement.executionId,
    failure: enforcement.failure,
    created: enforcement.created,
    updated: enforcement.updated,
  };
}

/** `/api/v1/enforcements`: what rules decided for each event. */
export const enforcementRoutes: ResourceRoutes<'enforcementQueries'> = async (app, { ctx }) => {
  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '',
    {
      config: { permission: 'enforcements:read' },
      schema: { tags: ['events'], summary: 'List enforcements, newest first', querystring: ListQuery, response: { 200: pageOf(EnforcementDto) } },
    },
    async (request) => {
      const { limit, offset, rule_ref, event } = request.query;
      const filter = { limit, offset, ...(rule_ref === undefined ? {} : { ruleRef: rule_ref }), ...(event === undefined ? {} : { eventId: eventId(event) }) };
      const page = await ctx.enforcementQueries.list(filter);
      return { data: page.items.map(toEnforcementDto), pagination: { limit, offset, total: page.total } };
    },
  );
};
