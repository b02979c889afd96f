import { type TSchema, Type } from '@sinclair/typebox';
import { type Action, EXECUTION_STATUSES, type Execution, type FlatSchema, type Pack, REDACTED } from '../domain/index.js';
import { isSealed, redactSchemaDefaults, redactSecrets } from '../secrets/index.js';
import type { ExecutionSummary } from '../store/index.js';

/**
 * The API's JSON shapes, defined once: the TypeBox schemas document them in OpenAPI and the
 * mappers below produce them from domain entities.
 */
export const FreeObject = Type.Record(Type.String(), Type.Unknown());
export const Timestamp = Type.String({ format: 'date-time' });
export const NullableInt = Type.Union([Type.Integer(), Type.Null()]);
export const NullableString = Type.Union([Type.String(), Type.Null()]);

/**
 * A string from a fixed list, as one JSON Schema `enum`: a wrong value is one validation error
 * naming the allowed values, where a union of literals reports one error per literal.
 */
export const StringEnum = <T extends string>(values: readonly T[], options: { description?: string } = {}) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...options });

/** The fields every pack component (action, trigger, sensor, rule) shows. */
export const ComponentFields = {
  id: Type.Integer(),
  ref: Type.String(),
  pack_ref: Type.String(),
  label: Type.String(),
  description: Type.String(),
};

export const PackDto = Type.Object(
  {
    id: Type.Integer(),
    ref: Type.String(),
    label: Type.String(),
    description: Type.String(),
    version: Type.String(),
    author: Type.String(),
    path: Type.String(),
    conf_schema: FreeObject,
    config: FreeObject,
    created: Timestamp,
    updated: Timestamp,
  },
  { $id: 'Pack' },
);

export const ActionDto = Type.Object(
  {
    ...ComponentFields,
    runner_type: Type.String(),
    entry_point: Type.String(),
    parameters: FreeObject,
    output: FreeObject,
    parameter_delivery: Type.String(),
    parameter_format: Type.String(),
    output_format: Type.String(),
    timeout_seconds: Type.Integer(),
    max_retries: Type.Integer(),
    created: Timestamp,
    updated: Timestamp,
  },
  { $id: 'Action' },
);

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
  worker_id: NullableString,
  attempt: Type.Integer(),
  created: Timestamp,
  updated: Timestamp,
  started_at: Type.Union([Timestamp, Type.Null()]),
  finished_at: Type.Union([Timestamp, Type.Null()]),
};

export const ExecutionDto = Type.Object(
  { ...ExecutionFields, result: Type.Union([FreeObject, Type.Null()]) },
  { $id: 'Execution' },
);

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
  { ...ExecutionFields, result_summary: Type.Union([ResultSummaryDto, Type.Null()]) },
  { $id: 'ExecutionSummary' },
);

export const ErrorDto = Type.Object(
  {
    error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) }),
  },
  { $id: 'Error' },
);

export const Pagination = Type.Object({ limit: Type.Integer(), offset: Type.Integer(), total: Type.Integer() });

/** `{ data: T }` */
export const dataOf = <T extends TSchema>(schema: T) => Type.Object({ data: schema });
/** `{ data: T[], pagination }` */
export const pageOf = <T extends TSchema>(schema: T) => Type.Object({ data: Type.Array(schema), pagination: Pagination });

export const PageQuery = {
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
  offset: Type.Integer({ minimum: 0, maximum: 2_147_483_647, default: 0 }),
};

export function toPackDto(pack: Pack) {
  return {
    id: pack.id,
    ref: pack.ref,
    label: pack.label,
    description: pack.description,
    version: pack.version,
    author: pack.author,
    path: pack.path,
    conf_schema: redactSchemaDefaults(pack.confSchema),
    config: redactSecrets(pack.confSchema, pack.config),
    created: pack.created,
    updated: pack.updated,
  };
}

export function toActionDto(action: Action) {
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
    created: action.created,
    updated: action.updated,
  };
}

/**
 * Stored values as the API shows them: each one the schema marks secret as `********`, never its
 * value (sealed or not). Without a schema (the action was removed since) nothing says what is
 * secret, so whatever was stored sealed stays masked.
 */
export function redactStored(
  schema: FlatSchema | undefined,
  values: Readonly<Record<string, unknown>>,
  isReference?: (value: unknown) => boolean,
): Record<string, unknown> {
  if (schema) return redactSecrets(schema, values, isReference);
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, isSealed(value) ? REDACTED : value]));
}

/** `actionSchema`: the parameters of the execution's action, undefined when it is no longer installed. */
export function toExecutionDto(execution: Execution, actionSchema: FlatSchema | undefined) {
  return { ...executionFields(execution, actionSchema), result: execution.result };
}

export function toExecutionSummaryDto(execution: ExecutionSummary, actionSchema: FlatSchema | undefined) {
  return { ...executionFields(execution, actionSchema), result_summary: execution.resultSummary };
}

function executionFields(execution: Omit<Execution, 'result' | 'process'>, actionSchema: FlatSchema | undefined) {
  return {
    id: execution.id,
    action_ref: execution.actionRef,
    status: execution.status,
    parameters: redactStored(actionSchema, execution.parameters),
    timeout_seconds: execution.timeoutSeconds,
    rule_id: execution.ruleId,
    rule_ref: execution.ruleRef,
    enforcement_id: execution.enforcementId,
    event_id: execution.eventId,
    parent_id: execution.parentId,
    worker_id: execution.workerId,
    attempt: execution.attempt,
    created: execution.created,
    updated: execution.updated,
    started_at: execution.startedAt,
    finished_at: execution.finishedAt,
  };
}
