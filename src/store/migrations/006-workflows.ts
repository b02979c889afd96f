import type { Kysely } from 'kysely';

/**
 * Workflows (issue 9): an action may carry a graph; a child execution names the task it runs; and
 * each running workflow has one state row, advanced only by compare-and-set on `version`.
 * `due_at` is the earliest delayed start or retry it waits for, so a delay lives in the database
 * and survives any process.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('actions').addColumn('workflow', 'text').execute();
  await db.schema.alterTable('executions').addColumn('task_name', 'varchar(255)').execute();
  await db.schema.createIndex('executions_parent_id').on('executions').column('parent_id').execute();
  await db.schema
    .createTable('workflow_states')
    .addColumn('execution_id', 'integer', (c) => c.primaryKey())
    .addColumn('action_ref', 'varchar(255)', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('due_at', 'varchar(32)')
    .addColumn('created', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('workflow_states_due_at').on('workflow_states').column('due_at').execute();
  await db.schema.createIndex('workflow_states_active').on('workflow_states').columns(['active', 'updated']).execute();
}
