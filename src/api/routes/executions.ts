import type { Static } from '@sinclair/typebox';
import {
  ErrorDto,
  ExecutionCreateBody as CreateBody,
  ExecutionDto,
  type ExecutionJson,
  ExecutionListQuery as ListQuery,
  ExecutionRerunBody as RerunBody,
  ExecutionSummaryDto,
  type ExecutionSummaryJson,
  IdParams,
  dataOf,
  pageOf,
} from '../../api-contract/index.js';
import { type Execution, type FlatSchema, executionId, withSecrets } from '../../domain/index.js';
import type { ExecutionSummary } from '../../store/index.js';
import type { ApiContext } from '../context.js';
import { principalOf } from '../permissions.js';
import { redactStored } from '../redact-stored.js';
import type { ResourceRoutes } from '../resource-routes.js';

/** `actionSchema`: the parameters of the execution's action, undefined when it is no longer installed. */
function toExecutionDto(execution: Execution, actionSchema: FlatSchema | undefined): ExecutionJson {
  // Spread into a plain object: TypeScript does not take an interface (ExecutionResult) for a record.
  return { ...executionFields(execution, actionSchema), result: execution.result === null ? null : { ...execution.result } };
}

function toExecutionSummaryDto(execution: ExecutionSummary, actionSchema: FlatSchema | undefined): ExecutionSummaryJson {
  return { ...executionFields(execution, actionSchema), result_summary: execution.resultSummary };
}

function executionFields(execution: Omit<Execution, 'result' | 'process'>, actionSchema: FlatSchema | undefined) {
  return {
    id: execution.id,
    action_ref: execution.actionRef,
    status: execution.status,
    parameters: redactStored(actionSchema && withSecrets(actionSchema, execution.secretParameters), execution.parameters),
    timeout_seconds: execution.timeoutSeconds,
    rule_id: execution.ruleId,
    rule_ref: execution.ruleRef,
    enforcement_id: execution.enforcementId,
    event_id: execution.eventId,
    parent_id: execution.parentId,
    task_name: execution.taskName,
    task_index: execution.taskIndex,
    rerun_of: execution.rerunOf,
    worker_id: execution.workerId,
    attempt: execution.attempt,
    created: execution.created,
    updated: execution.updated,
    started_at: execution.startedAt,
    finished_at: execution.finishedAt,
    requested_by: execution.requestedBy,
  };
}

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
      config: { permission: 'actions:execute' },
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
        requestedBy: principalOf(request).identity.login,
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
        description:
          "Each result is summarised (result_summary); GET /api/v1/executions/{id} returns the whole result. With parent=<id> the list is a workflow's children, each with its whole result.",
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
      if (parent !== undefined) {
        // A workflow's children are read with their results: the task tree shows what each returned.
        const results = await ctx.executionQueries.results(page.items.map((e) => e.id));
        return { data: data.map((e) => ({ ...e, result: results.get(e.id) ?? null })), pagination: { limit, offset, total: page.total } };
      }
      return { data, pagination: { limit, offset, total: page.total } };
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/:id',
    {
      config: { permission: 'executions:read' },
      schema: { tags: ['executions'], summary: 'Show an execution', params: IdParams, response: { 200: dataOf(ExecutionDto), 404: ErrorDto } },
    },
    async (request) => {
      const id = executionId(request.params.id);
      const data = await present(ctx, await ctx.executionQueries.get(id));
      const tasks = await ctx.executionQueries.workflowTasks(id);
      if (!tasks) return { data };
      const workflowTasks = tasks.map((t) => ({ ...t, transitions: [...t.transitions], started_at: t.startedAt, finished_at: t.finishedAt }));
      return { data: { ...data, workflow_tasks: workflowTasks.map(({ startedAt: _s, finishedAt: _f, ...t }) => t) } };
    },
  );

  app.post<{ Params: Static<typeof IdParams> }>(
    '/:id/cancel',
    {
      config: { permission: 'executions:cancel' },
      schema: {
        tags: ['executions'],
        summary: 'Cancel an execution',
        params: IdParams,
        response: { 200: dataOf(ExecutionDto), 404: ErrorDto, 409: ErrorDto },
      },
    },
    async (request) => ({ data: await present(ctx, await ctx.executions.cancel(executionId(request.params.id))) }),
  );

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof RerunBody> }>(
    '/:id/rerun',
    {
      config: { permission: 'actions:execute' },
      schema: {
        tags: ['executions'],
        summary: 'Re-run a finished workflow from a task',
        description:
          'Starts a new workflow execution (rerun_of the original, which stays as it ended) from the original state: the tasks before from_task keep their results and published variables; from_task and every task after it run again. See docs/workflows.md.',
        params: IdParams,
        body: RerunBody,
        response: { 201: dataOf(ExecutionDto), 400: ErrorDto, 404: ErrorDto, 409: ErrorDto },
      },
    },
    async (request, reply) => {
      const { from_task } = request.body;
      const execution = await ctx.executions.rerun({
        executionId: executionId(request.params.id),
        fromTasks: typeof from_task === 'string' ? [from_task] : from_task,
        requestedBy: principalOf(request).identity.login,
      });
      return reply.status(201).send({ data: await present(ctx, execution) });
    },
  );
};
