import type { Kysely } from 'kysely';

/**
 * When a re-drive last took a row. Several processes re-drive the same tables (distributed
 * mode): a claim marks the rows it took, so the others take other rows until the mark is old.
 * `updated` stays what it says, the last change of the execution itself.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('events').addColumn('redriven_at', 'varchar(32)').execute();
  await db.schema.alterTable('executions').addColumn('redriven_at', 'varchar(32)').execute();
}
