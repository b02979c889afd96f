import { type Static, Type } from '@sinclair/typebox';
import { EXECUTION_STATUSES } from '../domain/index.js';
import { FreeObject, MAX_ID, NullableInt, NullableString, PageQuery, StringEnum, Timestamp } from './primitives.js';

/** The fields an execution shows in a list and on its own; only the result differs. */
const ExecutionFields = {
  id: Type.Integer(),
  action_ref: Type.String(),
  status: Type.Union(EXECUTION_STATUSES.map((s) => Type.Literal(s))),
  parameters: FreeObject,
  timeout_seconds: NullableInt,
  rule_id: NullableInt,
  rule_ref: NullableString,
  enforcement_id: NullableInt,
  event_id: NullableInt,
  parent_id: NullableInt,
  task_name: Type.Union([Type.String({ description: 'The workflow task a child execution runs.' }), Type.Null()]),
  task_index: Type.Union([Type.Integer({ description: 'The with_items item a child execution runs (from 0).' }), Type.Null()]),
  rerun_of: Type.Union([Type.Integer({ description: 'The workflow execution this one re-runs (POST /executions/{id}/rerun).' }), Type.Null()]),
  worker_id: NullableString,
  attempt: Type.Integer(),
  created: Timestamp,
  updated: Timestamp,
  started_at: Type.Union([Timestamp, Type.Null()]),
  finished_at: Type.Union([Timestamp, Type.Null()]),
  requested_by: Type.Union([Type.String({ description: 'The login that asked for it through the API; null when a rule made it.' }), Type.Null()]),
};

/** One task of a workflow execution, from its state: how it ended and where it led. */
export const WorkflowTaskDto = Type.Object(
  {
    name: Type.String(),
    status: Type.String({ description: 'running, succeeded, failed, timed_out or cancelled' }),
    runs: Type.Integer({ description: 'Child executions started for it, retries and items included.' }),
    transitions: Type.Array(Type.String(), { description: 'The tasks its taken transitions led to.' }),
    started_at: Timestamp,
    finished_at: Type.Union([Timestamp, Type.Null()]),
  },
  { $id: 'WorkflowTask' },
);
export type WorkflowTaskJson = Static<typeof WorkflowTaskDto>;

export const ExecutionDto = Type.Object(
  {
    ...ExecutionFields,
    result: Type.Union([FreeObject, Type.Null()]),
    workflow_tasks: Type.Optional(Type.Array(WorkflowTaskDto, { description: 'A workflow execution only: its tasks in the order they started.' })),
  },
  { $id: 'Execution' },
);
export type ExecutionJson = Static<typeof ExecutionDto>;

export const ResultSummaryDto = Type.Object(
  {
    exit_code: NullableInt,
    signal: NullableString,
    duration_ms: Type.Union([Type.Number(), Type.Null()]),
    error: Type.Union([Type.String({ description: 'result.error, cut to 1000 characters.' }), Type.Null()]),
    truncated: Type.Boolean({ description: 'Some output was cut at worker.max_output_bytes.' }),
    size_bytes: Type.Integer({ description: 'The size of the whole result as JSON.' }),
  },
  { $id: 'ResultSummary' },
);

/** An execution in a list: its result summarised; GET /executions/{id} has the whole result. */
export const ExecutionSummaryDto = Type.Object(
  {
    ...ExecutionFields,
    result_summary: Type.Union([ResultSummaryDto, Type.Null()]),
    result: Type.Optional(
      Type.Union([FreeObject, Type.Null()], { description: "The whole result: only when listing a workflow's children (?parent=)." }),
    ),
  },
  { $id: 'ExecutionSummary' },
);
export type ExecutionSummaryJson = Static<typeof ExecutionSummaryDto>;

export const ExecutionListQuery = Type.Object({
  ...PageQuery,
  status: Type.Optional(StringEnum(EXECUTION_STATUSES)),
  action_ref: Type.Optional(Type.String()),
  rule_ref: Type.Optional(Type.String()),
  parent: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ID })),
});

export const ExecutionCreateBody = Type.Object(
  {
    action_ref: Type.String({ minLength: 1, maxLength: 255 }),
    parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { default: {} })),
    timeout_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
  },
  { additionalProperties: false },
);

const TaskName = Type.String({ minLength: 1, maxLength: 255 });

export const ExecutionRerunBody = Type.Object(
  {
    from_task: Type.Union([TaskName, Type.Array(TaskName, { minItems: 1, maxItems: 100 })], {
      description: 'The task (or tasks) to re-run from: they and every task after them run again; the tasks before keep their results.',
    }),
  },
  { additionalProperties: false },
);
