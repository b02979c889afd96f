import type { Kysely } from 'kysely';

/**
 * Keys say whether they are secret (a non-secret key may be read in clear by anyone who may read
 * keys); executions name the parameters that are secret beyond their action's schema (a rule
 * template that read a key), so the worker opens them and the API masks them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('keys').addColumn('secret', 'integer', (c) => c.notNull().defaultTo(1)).execute();
  await db.schema.alterTable('executions').addColumn('secret_parameters', 'text', (c) => c.notNull().defaultTo('[]')).execute();
}
