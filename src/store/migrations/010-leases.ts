import type { Kysely } from 'kysely';

/**
 * Named leases for the work only one process may do at a time (issue 8: the sensor leader).
 * A holding is taken and renewed by compare-and-set on this row; `term` is its fencing token.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('leases')
    .addColumn('name', 'varchar(200)', (c) => c.primaryKey())
    .addColumn('holder', 'varchar(200)', (c) => c.notNull())
    .addColumn('term', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('acquired_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('renewed_at', 'varchar(32)', (c) => c.notNull())
    .execute();
}
