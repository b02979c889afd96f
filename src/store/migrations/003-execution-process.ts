import type { Kysely } from 'kysely';

/** Where a running action's process is, so a restart can end it if Attune was killed. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('executions').addColumn('process', 'text').execute();
}
