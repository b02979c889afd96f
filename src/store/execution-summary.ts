import { type SelectQueryBuilder, sql } from 'kysely';
import { type ExecutionResult, type ExecutionStatus, enforcementId, eventId, executionId, ruleId } from '../domain/index.js';
import type { JsonFieldType, StoreDialect } from './dialect.js';
import { fromJson } from './rows.js';
import type { Database } from './schema.js';
import { ERROR_PREVIEW_CHARS, type ExecutionSummary, type ResultSummary } from './store-types.js';

/**
 * Selects a summary page. The summary fields are read inside the database, so the full result
 * text of a row never reaches this process; the dialect spells the JSON reads (octet_length and
 * substr are the same in SQLite and PostgreSQL).
 */
export function selectSummaries<O>(query: SelectQueryBuilder<Database, 'executions', O>, dialect: StoreDialect) {
  const field = <T extends JsonFieldType>(key: keyof ExecutionResult & string, type: T) => dialect.jsonField('result', key, type);
  return query.select([
    'id', 'action_ref', 'status', 'parameters', 'timeout_seconds', 'rule_id', 'rule_ref', 'enforcement_id',
    'event_id', 'parent_id', 'task_name', 'task_index', 'rerun_of', 'worker_id', 'attempt', 'created', 'updated', 'started_at', 'finished_at', 'requested_by', 'secret_parameters',
    sql<number | null>`octet_length(result)`.as('result_bytes'),
    field('exit_code', 'number').as('result_exit_code'),
    field('signal', 'text').as('result_signal'),
    field('duration_ms', 'number').as('result_duration_ms'),
    sql<string | null>`substr(${field('error', 'text')}, 1, ${ERROR_PREVIEW_CHARS + 1})`.as('result_error'),
    field('truncated', 'flag').as('result_truncated'),
  ]);
}

/** A row of `selectSummaries`: the execution's columns but `result` and `process`, and the summary fields. */
interface SummaryRow {
  readonly id: number;
  readonly action_ref: string;
  readonly status: string;
  readonly parameters: string;
  readonly timeout_seconds: number | null;
  readonly rule_id: number | null;
  readonly rule_ref: string | null;
  readonly enforcement_id: number | null;
  readonly event_id: number | null;
  readonly parent_id: number | null;
  readonly task_name: string | null;
  readonly task_index: number | null;
  readonly rerun_of: number | null;
  readonly worker_id: string | null;
  readonly attempt: number;
  readonly created: string;
  readonly updated: string;
  readonly started_at: string | null;
  readonly finished_at: string | null;
  readonly requested_by: string | null;
  readonly secret_parameters: string;
  readonly result_bytes: number | null;
  readonly result_exit_code: number | null;
  readonly result_signal: string | null;
  readonly result_duration_ms: number | null;
  readonly result_error: string | null;
  readonly result_truncated: number | null;
}

export function toExecutionSummary(row: SummaryRow): ExecutionSummary {
  return {
    id: executionId(row.id),
    actionRef: row.action_ref,
    status: row.status as ExecutionStatus,
    parameters: fromJson(row.parameters),
    timeoutSeconds: row.timeout_seconds,
    ruleId: row.rule_id === null ? null : ruleId(row.rule_id),
    ruleRef: row.rule_ref,
    enforcementId: row.enforcement_id === null ? null : enforcementId(row.enforcement_id),
    eventId: row.event_id === null ? null : eventId(row.event_id),
    parentId: row.parent_id === null ? null : executionId(row.parent_id),
    taskName: row.task_name,
    taskIndex: row.task_index,
    rerunOf: row.rerun_of === null ? null : executionId(row.rerun_of),
    workerId: row.worker_id,
    attempt: row.attempt,
    created: row.created,
    updated: row.updated,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    requestedBy: row.requested_by,
    secretParameters: fromJson(row.secret_parameters),
    resultSummary: row.result_bytes === null ? null : summaryOf(row),
  };
}

function summaryOf(row: SummaryRow): ResultSummary {
  const error = row.result_error;
  return {
    exit_code: row.result_exit_code,
    signal: row.result_signal,
    duration_ms: row.result_duration_ms,
    error: error !== null && error.length > ERROR_PREVIEW_CHARS ? `${error.slice(0, ERROR_PREVIEW_CHARS)}…` : error,
    truncated: row.result_truncated === 1,
    size_bytes: Number(row.result_bytes),
  };
}
