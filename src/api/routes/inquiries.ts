import type { Static } from '@sinclair/typebox';
import {
  ErrorDto,
  IdParams,
  InquiryDto,
  type InquiryJson,
  InquiryListQuery as ListQuery,
  InquiryRespondBody as RespondBody,
  dataOf,
  pageOf,
} from '../../api-contract/index.js';
import { type Inquiry, executionId, inquiryId } from '../../domain/index.js';
import { actingOf } from '../acting.js';
import { principalOf } from '../permissions.js';
import type { ResourceRoutes } from '../resource-routes.js';

function toInquiryDto(inquiry: Inquiry): InquiryJson {
  return {
    id: inquiry.id,
    execution_id: inquiry.executionId,
    prompt: inquiry.prompt,
    schema: { ...inquiry.schema },
    assignee: inquiry.assignee,
    role: inquiry.role,
    forbid_requester: inquiry.forbidRequester,
    requested_by: inquiry.requestedBy,
    status: inquiry.status,
    response: inquiry.response === null ? null : { ...inquiry.response },
    responded_by: inquiry.respondedBy,
    due_at: inquiry.dueAt,
    created: inquiry.created,
    updated: inquiry.updated,
  };
}

const ERRORS = { 400: ErrorDto, 403: ErrorDto, 404: ErrorDto, 409: ErrorDto };

/** `/api/v1/inquiries`: the questions workflows ask people (core.ask), and their answers (docs/workflows.md). */
export const inquiryRoutes: ResourceRoutes<'inquiries' | 'audit'> = async (app, { ctx }) => {
  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '',
    { config: { permission: 'inquiries:read' }, schema: { tags: ['inquiries'], summary: 'List inquiries, newest first', querystring: ListQuery, response: { 200: pageOf(InquiryDto) } } },
    async (request) => {
      const { limit, offset, status, execution } = request.query;
      const page = await ctx.inquiries.list({
        limit,
        offset,
        ...(status === undefined ? {} : { status }),
        ...(execution === undefined ? {} : { executionId: executionId(execution) }),
      });
      return { data: page.items.map(toInquiryDto), pagination: { limit, offset, total: page.total } };
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/:id',
    { config: { permission: 'inquiries:read' }, schema: { tags: ['inquiries'], summary: 'Show an inquiry', params: IdParams, response: { 200: dataOf(InquiryDto), 404: ErrorDto } } },
    async (request) => ({ data: toInquiryDto(await ctx.inquiries.get(inquiryId(request.params.id))) }),
  );

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof RespondBody> }>(
    '/:id/respond',
    {
      config: { permission: 'inquiries:respond' },
      schema: {
        tags: ['inquiries'],
        summary: 'Answer an inquiry (its assignee, a holder of its role, or an admin; never its requester when it forbids them)',
        params: IdParams,
        body: RespondBody,
        response: { 200: dataOf(InquiryDto), ...ERRORS },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const responder = {
        login: principal.identity.login,
        permissionSets: principal.identity.permissionSets,
        // An admin holds every permission (the built-in admin set: `*` on `*`).
        isAdmin: principal.grants.some((g) => g.resource === '*' && g.actions.includes('*')),
      };
      const inquiry = await ctx.inquiries.respond(inquiryId(request.params.id), responder, request.body.response);
      await ctx.audit.change(actingOf(request), 'inquiry.responded', String(inquiry.id));
      return { data: toInquiryDto(inquiry) };
    },
  );
};
