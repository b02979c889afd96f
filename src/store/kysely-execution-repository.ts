import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import {
  type Execution,
  type ExecutionId,
  type ExecutionStatus,
  type ProcessIdentity,
  enforcementId,
  eventId,
  executionId,
  ruleId,
} from '../domain/index.js';
import type { StoreDialect } from './dialect.js';
import { selectSummaries, toExecutionSummary } from './execution-summary.js';
import { COMPILED_ROWS_MAX, type CompiledQueries } from './compiled-queries.js';
import { claimForRedrive } from './redrive-claim.js';
import { byId, countRows, fromJson, inSlices, nowIso, paddedIds, readPage, toJson } from './rows.js';
import type { Database, ExecutionTable } from './schema.js';
import type { ExecutionRepository } from './store.js';
import type { ExecutionFilter, ExecutionSummary, NewExecution, Page, TransitionPatch } from './store-types.js';

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
    taskName: row.task_name ?? null,
    taskIndex: row.task_index ?? null,
    rerunOf: nullable(row.rerun_of ?? null, executionId),
    workerId: row.worker_id,
    process: fromJson(row.process),
    attempt: row.attempt,
    created: row.created,
    updated: row.updated,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    requestedBy: row.requested_by,
    secretParameters: fromJson(row.secret_parameters),
  };
}

function toExecutionRow(input: NewExecution, now: string): Insertable<ExecutionTable> {
  return {
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
    task_name: input.taskName ?? null,
    task_index: input.taskIndex ?? null,
    rerun_of: input.rerunOf ?? null,
    worker_id: null,
    process: null,
    attempt: 0,
    created: now,
    updated: now,
    started_at: null,
    finished_at: null,
    requested_by: input.requestedBy ?? null,
    secret_parameters: toJson(input.secretParameters ?? []),
  };
}

export class KyselyExecutionRepository implements ExecutionRepository {
  readonly #db: Kysely<Database>;
  readonly #dialect: StoreDialect;
  readonly #queries: CompiledQueries;

  constructor(db: Kysely<Database>, dialect: StoreDialect, queries: CompiledQueries) {
    this.#db = db;
    this.#dialect = dialect;
    this.#queries = queries;
  }

  async create(input: NewExecution): Promise<Execution> {
    const row = toExecutionRow(input, nowIso());
    const columns = Object.keys(row) as (keyof typeof row)[];
    const { rows } = await this.#queries.run(
      this.#db,
      'executions.create',
      columns.map((column) => row[column]),
      (...values) => this.#db.insertInto('executions').values(Object.fromEntries(columns.map((column, i) => [column, values[i]])) as typeof row).returningAll(),
    );
    const [created] = rows;
    if (!created) throw new Error('the execution was not stored');
    return toExecution(created);
  }

  async createMany(inputs: readonly NewExecution[]): Promise<readonly Execution[]> {
    const now = nowIso();
    const rows = await inSlices(inputs, async (slice) => {
      const rowsToWrite = slice.map((input) => toExecutionRow(input, now));
      const columns = Object.keys(rowsToWrite[0] ?? {}) as (keyof (typeof rowsToWrite)[number])[];
      const key = slice.length <= COMPILED_ROWS_MAX ? `executions.createMany:${slice.length}` : undefined;
      const values = rowsToWrite.flatMap((row) => columns.map((column) => row[column]));
      const { rows: written } = await this.#queries.run(this.#db, key, values, (...bound) =>
        this.#db
          .insertInto('executions')
          .values(rowsToWrite.map((_, r) => Object.fromEntries(columns.map((column, c) => [column, bound[r * columns.length + c]])) as (typeof rowsToWrite)[number]))
          .returningAll(),
      );
      return written;
    });
    return byId(rows).map(toExecution);
  }

  async listTaskItems(parentId: ExecutionId, taskName: string, fromId: number): Promise<readonly Execution[]> {
    const rows = await this.#db
      .selectFrom('executions')
      .selectAll()
      .where('parent_id', '=', parentId)
      .where('task_name', '=', taskName)
      .where('task_index', 'is not', null)
      .where('id', '>=', fromId)
      .orderBy('task_index')
      .orderBy('id')
      .execute();
    return rows.map(toExecution);
  }

  async get(id: ExecutionId): Promise<Execution | undefined> {
    const { rows } = await this.#queries.run(this.#db, 'executions.get', [id], (i) => this.#db.selectFrom('executions').selectAll().where('id', '=', i));
    const [row] = rows;
    return row && toExecution(row);
  }

  async getMany(ids: readonly ExecutionId[]): Promise<readonly Execution[]> {
    const rows = await inSlices(ids, async (slice) => {
      const padded = paddedIds(slice);
      const { rows: found } = await this.#queries.run(this.#db, `executions.getMany:${padded.length}`, padded, (...bound) =>
        this.#db.selectFrom('executions').selectAll().where('id', 'in', bound),
      );
      return found;
    });
    return byId(rows).map(toExecution);
  }

  async list(filter: ExecutionFilter): Promise<Page<Execution>> {
    const query = this.#filtered(filter);
    return readPage(query.selectAll().orderBy('id', 'desc').limit(filter.limit).offset(filter.offset).execute(), countRows(query), toExecution);
  }

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

  // One UPDATE … WHERE status IN (from): the database decides the race, not a read before it.
  async transition(id: ExecutionId, from: readonly ExecutionStatus[], to: ExecutionStatus, patch: TransitionPatch = {}): Promise<Execution | undefined> {
    const [moved] = await this.#transition([id], from, to, patch);
    return moved;
  }

  transitionMany(ids: readonly ExecutionId[], from: readonly ExecutionStatus[], to: ExecutionStatus, patch: TransitionPatch = {}): Promise<readonly Execution[]> {
    return this.#transition(ids, from, to, patch);
  }

  async #transition(ids: readonly ExecutionId[], from: readonly ExecutionStatus[], to: ExecutionStatus, patch: TransitionPatch): Promise<readonly Execution[]> {
    const now = nowIso();
    const set: Record<string, unknown> = { status: to, updated: now };
    if (patch.result !== undefined) set.result = toJson(patch.result);
    if (patch.workerId !== undefined) set.worker_id = patch.workerId;
    if (patch.started === true) set.started_at = now;
    if (patch.finished === true) set.finished_at = now;
    const columns = Object.keys(set);
    const held = patch.heldBy !== undefined;
    const rows = await inSlices(ids, async (slice) => {
      const padded = paddedIds(slice);
      // The statuses, the columns set, whether a holder is required and the (padded) number of ids shape the SQL; the values are bound.
      const key = `executions.transitionMany:${from.join(',')}:${columns.join(',')}:${patch.countAttempt === true}:${held}:${padded.length}`;
      const values = [...columns.map((column) => set[column]), ...padded, ...(held ? [patch.heldBy] : [])];
      const { rows: moved } = await this.#queries.run(this.#db, key, values, (...bound) =>
        this.#db
          .updateTable('executions')
          .set(Object.fromEntries(columns.map((column, i) => [column, bound[i]])) as Updateable<ExecutionTable>)
          .$if(patch.countAttempt === true, (qb) => qb.set((eb) => ({ attempt: eb('attempt', '+', 1) })))
          .where('id', 'in', bound.slice(columns.length, columns.length + padded.length) as ExecutionId[])
          .where('status', 'in', from)
          .$if(held, (qb) => qb.where('worker_id', '=', bound[columns.length + padded.length] as string))
          .returningAll(),
      );
      return moved;
    });
    return byId(rows).map(toExecution);
  }

  async recordProcess(id: ExecutionId, identity: ProcessIdentity): Promise<void> {
    await this.#db
      .updateTable('executions')
      .set({ process: toJson(identity) })
      .where('id', '=', id)
      .where('status', 'in', ['running', 'canceling'])
      .execute();
  }

  async claimStale(statuses: readonly ExecutionStatus[], updatedBefore: string, limit: number, afterId = 0): Promise<readonly Execution[]> {
    const rows = await claimForRedrive(this.#db, this.#dialect, {
      table: 'executions',
      waiting: (eb) => eb('status', 'in', statuses),
      since: 'updated',
      before: updatedBefore,
      limit,
      afterId,
    });
    return (rows as unknown as Selectable<ExecutionTable>[]).map(toExecution);
  }

  async findByStatus(statuses: readonly ExecutionStatus[], limit: number, afterId = 0): Promise<readonly Execution[]> {
    const rows = await this.#db
      .selectFrom('executions')
      .selectAll()
      .where('status', 'in', statuses)
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toExecution);
  }

  async findOfGoneWorkers(statuses: readonly ExecutionStatus[], limit: number, afterId = 0): Promise<readonly Execution[]> {
    const rows = await this.#db
      .selectFrom('executions')
      .selectAll()
      .where('status', 'in', statuses)
      .where('id', '>', afterId)
      .where('worker_id', 'is not', null)
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('workers').select('workers.id').whereRef('workers.id', '=', 'executions.worker_id').where('workers.status', '=', 'live'))),
      )
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toExecution);
  }
}
