import type { Static } from '@sinclair/typebox';
import { AuditEntryDto, type AuditEntryJson, AuditListQuery as ListQuery, pageOf } from '../../api-contract/index.js';
import type { AuditEntry } from '../../domain/index.js';
import type { ResourceRoutes } from '../resource-routes.js';

function toAuditEntryDto(entry: AuditEntry): AuditEntryJson {
  return { id: entry.id, at: entry.at, actor: entry.actorLogin, action: entry.action, target: entry.target, source: entry.source, outcome: entry.outcome, details: { ...entry.details } };
}

/** `/api/v1/audit`: the audit log, newest first. */
export const auditRoutes: ResourceRoutes<'audit'> = async (app, { ctx }) => {
  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '',
    { config: { permission: 'audit:read' }, schema: { tags: ['audit'], summary: 'List audit log entries, newest first', querystring: ListQuery, response: { 200: pageOf(AuditEntryDto) } } },
    async (request) => {
      const { limit, offset, actor, action, since } = request.query;
      const page = await ctx.audit.list({
        limit,
        offset,
        ...(actor === undefined ? {} : { actorLogin: actor }),
        ...(action === undefined ? {} : { action }),
        ...(since === undefined ? {} : { since: new Date(since).toISOString() }),
      });
      return { data: page.items.map(toAuditEntryDto), pagination: { limit, offset, total: page.total } };
    },
  );
};
