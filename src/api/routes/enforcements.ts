import { type Static, Type } from '@sinclair/typebox';
import { eventId } from '../../domain/index.js';
import { PageQuery, pageOf } from '../dto.js';
import { EnforcementDto, toEnforcementDto } from '../dto-pipeline.js';
import type { ResourceRoutes } from '../resource-routes.js';

const ListQuery = Type.Object({ ...PageQuery, rule_ref: Type.Optional(Type.String()), event: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647 })) });

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
