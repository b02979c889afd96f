import type { Kysely } from 'kysely';

/**
 * Workers register here with their runtimes and heart-beat (DESIGN §2); an executor marks a
 * silent one `dead` (a compare-and-set, so one executor does it) and abandons what it ran.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('workers')
    .addColumn('id', 'varchar(200)', (c) => c.primaryKey())
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('runtimes', 'text', (c) => c.notNull())
    .addColumn('concurrency', 'integer', (c) => c.notNull())
    .addColumn('started', 'varchar(32)', (c) => c.notNull())
    .addColumn('heartbeat_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('workers_status_heartbeat').on('workers').columns(['status', 'heartbeat_at']).execute();
}
