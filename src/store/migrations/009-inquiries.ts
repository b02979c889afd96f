import type { Kysely } from 'kysely';
import type { StoreDialect } from '../dialect.js';

/**
 * Inquiries (issue 9 §4): one row per `core.ask` execution, waiting in `pending` for a person's
 * answer. `due_at` is when it times out: the executor's periodic pass finds due rows by it, so a
 * timeout lives in the database and survives any process.
 */
export async function up(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  await dialect
    .addIdColumn(db.schema.createTable('inquiries'))
    .addColumn('execution_id', 'integer', (c) => c.notNull().unique())
    .addColumn('prompt', 'text', (c) => c.notNull())
    .addColumn('schema', 'text', (c) => c.notNull())
    .addColumn('assignee', 'varchar(64)')
    .addColumn('role', 'varchar(64)')
    .addColumn('forbid_requester', 'integer', (c) => c.notNull())
    .addColumn('requested_by', 'varchar(64)')
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('response', 'text')
    .addColumn('responded_by', 'varchar(64)')
    .addColumn('due_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('created', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('inquiries_status_due_at').on('inquiries').columns(['status', 'due_at']).execute();
}
