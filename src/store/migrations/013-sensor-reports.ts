import type { Kysely } from 'kysely';

/**
 * What each sensor service reports of the sensors it runs (issue 8): their process status and
 * recent log lines, so an API in another process answers `GET /sensors` from the database.
 * One row per sensor, written by whichever sensor service ran it last (its lease holder name and
 * term: a deposed leader's late write never overwrites its successor's).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sensor_reports')
    .addColumn('ref', 'varchar(200)', (c) => c.primaryKey())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('pid', 'integer')
    .addColumn('restarts', 'integer', (c) => c.notNull())
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull())
    .addColumn('last_exit', 'text')
    .addColumn('next_restart_at', 'varchar(32)')
    .addColumn('instances', 'integer', (c) => c.notNull())
    .addColumn('in_process', 'integer', (c) => c.notNull())
    .addColumn('service', 'varchar(200)', (c) => c.notNull())
    .addColumn('term', 'integer', (c) => c.notNull())
    .addColumn('logs', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
}
