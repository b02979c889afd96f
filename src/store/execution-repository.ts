import type { Kysely, Selectable, Updateable } from 'kysely';
import {
  type EnforcementId,
  type EventId,
  type Execution,
  type ExecutionId,
  type ExecutionResult,
  type ExecutionStatus,
  type ProcessIdentity,
  type RuleId,
  enforcementId,
  eventId,
  executionId,
  ruleId,
} from '../domain/index.js';
import type { StoreDialect } from './dialect.js';
import { type ExecutionSummary, selectSummaries, toExecutionSummary } from './execution-summary.js';
import { countRows, fromJson, nowIso, type Page, type PageRequest, readPage, toJson } from './rows.js';
import type { Database, ExecutionTable } from './schema.js';

export interface NewExecution {
  readonly actionRef: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly timeoutSeconds?: number | null;
  readonly ruleId?: RuleId | null;
  readonly ruleRef?: string | null;
  readonly enforcementId?: EnforcementId | null;
  readonly eventId?: EventId | null;
  readonly parentId?: ExecutionId | null;
}

export interface ExecutionFilter extends PageRequest {
  readonly status?: ExecutionStatus;
  readonly actionRef?: string;
  readonly ruleRef?: string;
  readonly parentId?: ExecutionId;
}

/** Columns a status transition may set along with the status. */
export interface TransitionPatch {
  readonly result?: ExecutionResult;
  readonly workerId?: string;
  readonly started?: boolean;
  readonly finished?: boolean;
  readonly countAttempt?: boolean;
}

const nullable = <T, U>(value: T | null, wrap: (v: T) => U): U | null => (value === null ? null : wrap(value));

export function toExecution(row: Selectable<ExecutionTable>): Execution {
  return {
    id: executionId(row.id),
    actionRef: row.action_ref,
    status: row.status as ExecutionStatus,
    parameters: fromJson(row.parameters),
    timeoutSeconds: row.timeout_seconds,
    result: fromJson(row.result),
    ruleId: nullable(row.rule_id, ruleId),
    ruleRef: row.rule_ref,
    enforcementId: nullable(row.enforcement_id, enforcementId),
    eventId: nullable(row.event_id, eventId),
    parentId: nullable(row.parent_id, executionId),
    workerId: row.worker_id,
    process: fromJson(row.process),
    attempt: row.attempt,
    created: row.created,
    updated: row.updated,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

export class ExecutionRepository {
  readonly #db: Kysely<Database>;
  readonly #dialect: StoreDialect;

  constructor(db: Kysely<Database>, dialect: StoreDialect) {
    this.#db = db;
    this.#dialect = dialect;
  }

  async create(input: NewExecution): Promise<Execution> {
    const now = nowIso();
    const row = await this.#db
      .insertInto('executions')
      .values({
        action_ref: input.actionRef,
        status: 'requested',
        parameters: toJson(input.parameters),
        timeout_seconds: input.timeoutSeconds ?? null,
        result: null,
        rule_id: input.ruleId ?? null,
        rule_ref: input.ruleRef ?? null,
        enforcement_id: input.enforcementId ?? null,
        event_id: input.eventId ?? null,
        parent_id: input.parentId ?? null,
        worker_id: null,
        process: null,
        attempt: 0,
        created: now,
        updated: now,
        started_at: null,
        finished_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toExecution(row);
  }

  async get(id: ExecutionId): Promise<Execution | undefined> {
    const row = await this.#db.selectFrom('executions').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toExecution(row);
  }

  async list(filter: ExecutionFilter): Promise<Page<Execution>> {
    const query = this.#filtered(filter);
    return readPage(query.selectAll().orderBy('id', 'desc').limit(filter.limit).offset(filter.offset).execute(), countRows(query), toExecution);
  }

  /** A page as lists show it: each result summarised in the database, never read whole. */
  async listSummaries(filter: ExecutionFilter): Promise<Page<ExecutionSummary>> {
    const query = this.#filtered(filter);
    const rows = selectSummaries(query, this.#dialect).orderBy('id', 'desc').limit(filter.limit).offset(filter.offset).execute();
    return readPage(rows, countRows(query), toExecutionSummary);
  }

  #filtered(filter: ExecutionFilter) {
    let query = this.#db.selectFrom('executions');
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    if (filter.actionRef !== undefined) query = query.where('action_ref', '=', filter.actionRef);
    if (filter.ruleRef !== undefined) query = query.where('rule_ref', '=', filter.ruleRef);
    if (filter.parentId !== undefined) query = query.where('parent_id', '=', filter.parentId);
    return query;
  }

  /**
   * Moves an execution to `to` only if it is in one of `from` — a compare-and-set, so two
   * processes racing for the same row cannot both win. Returns the updated row, or undefined
   * when the execution was not in an expected status (someone else moved it first).
   */
  async transition(
    id: ExecutionId,
    from: readonly ExecutionStatus[],
    to: ExecutionStatus,
    patch: TransitionPatch = {},
  ): Promise<Execution | undefined> {
    const now = nowIso();
    const set: Updateable<ExecutionTable> = { status: to, updated: now };
    if (patch.result !== undefined) set.result = toJson(patch.result);
    if (patch.workerId !== undefined) set.worker_id = patch.workerId;
    if (patch.started === true) set.started_at = now;
    if (patch.finished === true) set.finished_at = now;
    const row = await this.#db
      .updateTable('executions')
      .set(set)
      .$if(patch.countAttempt === true, (qb) => qb.set((eb) => ({ attempt: eb('attempt', '+', 1) })))
      .where('id', '=', id)
      .where('status', 'in', from)
      .returningAll()
      .executeTakeFirst();
    return row && toExecution(row);
  }

  /** Records the process running an execution (while it is running or being cancelled). */
  async recordProcess(id: ExecutionId, identity: ProcessIdentity): Promise<void> {
    await this.#db
      .updateTable('executions')
      .set({ process: toJson(identity) })
      .where('id', '=', id)
      .where('status', 'in', ['running', 'canceling'])
      .execute();
  }

  /** Executions in `statuses` not touched since `updatedBefore` (ISO time), by id after `afterId`. */
  async findStale(
    statuses: readonly ExecutionStatus[],
    updatedBefore: string,
    limit: number,
    afterId = 0,
  ): Promise<readonly Execution[]> {
    const rows = await this.#db
      .selectFrom('executions')
      .selectAll()
      .where('status', 'in', statuses)
      .where('updated', '<=', updatedBefore)
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toExecution);
  }

  /** Every execution in `statuses`, oldest first (used at start to find what a crash left). */
  async findByStatus(statuses: readonly ExecutionStatus[], limit: number): Promise<readonly Execution[]> {
    const rows = await this.#db
      .selectFrom('executions')
      .selectAll()
      .where('status', 'in', statuses)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toExecution);
  }
}
