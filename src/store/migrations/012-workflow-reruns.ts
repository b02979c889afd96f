import type { Kysely } from 'kysely';

/**
 * Workflow reruns and with_items results (issue 9). `rerun_of` links a workflow execution started
 * by `attune execution rerun` to the one it re-runs. `task_index` is the with_items item a child
 * runs: the engine reads a finished task's item results from its children, in item order, rather
 * than rewriting a growing list in the state row at every item's completion.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('executions').addColumn('rerun_of', 'integer').execute();
  await db.schema.alterTable('executions').addColumn('task_index', 'integer').execute();
  await db.schema.createIndex('executions_parent_task').on('executions').columns(['parent_id', 'task_name', 'task_index']).execute();
}
