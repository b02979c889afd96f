import type { Kysely, Selectable } from 'kysely';
import { type ExecutionId, executionId } from '../domain/index.js';
import type { CompiledQueries } from './compiled-queries.js';
import { fromJson, nowIso, toJson } from './rows.js';
import type { Database, WorkflowStateTable } from './schema.js';
import type { WorkflowRepository } from './store.js';
import type { NewWorkflowState, WorkflowStatePatch, WorkflowStateRow } from './store-types.js';

function toWorkflowState(row: Selectable<WorkflowStateTable>): WorkflowStateRow {
  return {
    executionId: executionId(row.execution_id),
    actionRef: row.action_ref,
    state: fromJson(row.state),
    version: row.version,
    active: row.active === 1,
    dueAt: row.due_at,
    created: row.created,
    updated: row.updated,
  };
}

export class KyselyWorkflowRepository implements WorkflowRepository {
  readonly #db: Kysely<Database>;
  readonly #queries: CompiledQueries;

  constructor(db: Kysely<Database>, queries: CompiledQueries) {
    this.#db = db;
    this.#queries = queries;
  }

  async create(input: NewWorkflowState): Promise<boolean> {
    const now = nowIso();
    const result = await this.#db
      .insertInto('workflow_states')
      .values({
        execution_id: input.executionId,
        action_ref: input.actionRef,
        state: toJson(input.state),
        version: 1,
        active: input.active === false ? 0 : 1,
        due_at: input.dueAt ?? null,
        created: now,
        updated: now,
      })
      .onConflict((oc) => oc.column('execution_id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async get(id: ExecutionId): Promise<WorkflowStateRow | undefined> {
    const row = await this.#db.selectFrom('workflow_states').selectAll().where('execution_id', '=', id).executeTakeFirst();
    return row && toWorkflowState(row);
  }

  // One UPDATE … WHERE version = read version: of two writers that read the same state, one wins.
  async update(id: ExecutionId, version: number, patch: WorkflowStatePatch): Promise<boolean> {
    const result = await this.#db
      .updateTable('workflow_states')
      .set({ state: toJson(patch.state), version: version + 1, active: patch.active ? 1 : 0, due_at: patch.dueAt, updated: nowIso() })
      .where('execution_id', '=', id)
      .where('version', '=', version)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async findDue(now: string, limit: number): Promise<readonly WorkflowStateRow[]> {
    // Asked several times a second by the executor's workflow tick, mostly to find nothing: compiled once.
    const { rows } = await this.#queries.run(this.#db, 'workflows.findDue', [now, limit], (at, most) =>
      this.#db.selectFrom('workflow_states').selectAll().where('due_at', '<=', at).where('active', '=', 1).orderBy('due_at').limit(most),
    );
    return rows.map(toWorkflowState);
  }

  async findStale(updatedBefore: string, limit: number, afterId = 0): Promise<readonly WorkflowStateRow[]> {
    const rows = await this.#db
      .selectFrom('workflow_states')
      .selectAll()
      .where('active', '=', 1)
      .where('updated', '<=', updatedBefore)
      .where('execution_id', '>', afterId)
      .orderBy('execution_id')
      .limit(limit)
      .execute();
    return rows.map(toWorkflowState);
  }
}
