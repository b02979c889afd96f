import { type Kysely, sql } from 'kysely';

/**
 * Only workflow children have a parent, yet `executions_parent_id` and `executions_parent_task`
 * held an entry for every execution: two more B-trees written by each insert, and two more pages
 * in each commit. One partial index of the children replaces both: `parent_id = ?` (and the task
 * lookup by parent, name and index) implies `parent_id is not null`, so the same queries use it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('executions_parent_task').execute();
  await db.schema.dropIndex('executions_parent_id').execute();
  await db.schema
    .createIndex('executions_parent_task')
    .on('executions')
    .columns(['parent_id', 'task_name', 'task_index'])
    .where(sql.ref('parent_id'), 'is not', null)
    .execute();
}
