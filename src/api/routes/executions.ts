import { type Static, Type } from '@sinclair/typebox';
import { EXECUTION_STATUSES, type Execution, executionId } from '../../domain/index.js';
import type { ApiContext } from '../context.js';
import { ErrorDto, ExecutionDto, ExecutionSummaryDto, PageQuery, StringEnum, dataOf, pageOf, toExecutionDto, toExecutionSummaryDto } from '../dto.js';
import type { ResourceRoutes } from '../resource-routes.js';

const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) });
const ListQuery = Type.Object({
  ...PageQuery,
  status: Type.Optional(StringEnum(EXECUTION_STATUSES)),
  action_ref: Type.Optional(Type.String()),
  rule_ref: Type.Optional(Type.String()),
  parent: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647 })),
});
const CreateBody = Type.Object(
  {
    action_ref: Type.String({ minLength: 1, maxLength: 255 }),
    parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { default: {} })),
    timeout_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
  },
  { additionalProperties: false },
);

type Ctx = Pick<ApiContext, 'catalog' | 'executions' | 'executionQueries'>;

/** The execution as the API shows it: its action's schema says which parameters to mask. */
async function actionSchema(ctx: Ctx, actionRef: string) {
  return (await ctx.catalog.action(actionRef))?.parameters;
}

async function present(ctx: Ctx, execution: Execution) {
  return toExecutionDto(execution, await actionSchema(ctx, execution.actionRef));
}

/** `/api/v1/executions`. */
export const executionRoutes: ResourceRoutes<'catalog' | 'executions' | 'executionQueries'> = async (app, { ctx }) => {
  app.post<{ Body: Static<typeof CreateBody> }>(
    '',
    {
      config: { permission: 'executions:write' },
      schema: {
        tags: ['executions'],
        summary: 'Run an action now',
        body: CreateBody,
        response: { 201: dataOf(ExecutionDto), 400: ErrorDto, 404: ErrorDto },
      },
    },
    async (request, reply) => {
      const { action_ref, parameters, timeout_seconds } = request.body;
      const execution = await ctx.executions.request({
        actionRef: action_ref,
        parameters: parameters ?? {},
        timeoutSeconds: timeout_seconds ?? null,
      });
      return reply.status(201).send({ data: await present(ctx, execution) });
    },
  );

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '',
    {
      config: { permission: 'executions:read' },
      schema: {
        tags: ['executions'],
        summary: 'List executions, newest first',
        description: 'Each result is summarised (result_summary); GET /api/v1/executions/{id} returns the whole result.',
        querystring: ListQuery,
        response: { 200: pageOf(ExecutionSummaryDto) },
      },
    },
    async (request) => {
      const { limit, offset, status, action_ref, rule_ref, parent } = request.query;
      const page = await ctx.executionQueries.list({
        limit,
        offset,
        ...(status === undefined ? {} : { status }),
        ...(action_ref === undefined ? {} : { actionRef: action_ref }),
        ...(rule_ref === undefined ? {} : { ruleRef: rule_ref }),
        ...(parent === undefined ? {} : { parentId: executionId(parent) }),
      });
      const data = await Promise.all(page.items.map(async (e) => toExecutionSummaryDto(e, await actionSchema(ctx, e.actionRef))));
      return { data, pagination: { limit, offset, total: page.total } };
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/:id',
    {
      config: { permission: 'executions:read' },
      schema: { tags: ['executions'], summary: 'Show an execution', params: IdParams, response: { 200: dataOf(ExecutionDto), 404: ErrorDto } },
    },
    async (request) => ({ data: await present(ctx, await ctx.executionQueries.get(executionId(request.params.id))) }),
  );

  app.post<{ Params: Static<typeof IdParams> }>(
    '/:id/cancel',
    {
      config: { permission: 'executions:write' },
      schema: {
        tags: ['executions'],
        summary: 'Cancel an execution',
        params: IdParams,
        response: { 200: dataOf(ExecutionDto), 404: ErrorDto, 409: ErrorDto },
      },
    },
    async (request) => ({ data: await present(ctx, await ctx.executions.cancel(executionId(request.params.id))) }),
  );
};
