import type { Kysely } from 'kysely';
import type { StoreDialect } from '../dialect.js';

/**
 * Policies from packs' policies/ folders (issue 9 item 5), a pack component like the others.
 * Executions a concurrency policy holds back wait in `scheduling`; the admit pass reads one
 * action's rows through the existing executions(action_ref) index.
 */
export async function up(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  await dialect
    .addIdColumn(db.schema.createTable('policies'))
    .addColumn('ref', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('pack_id', 'integer', (c) => c.notNull().references('packs.id').onDelete('cascade'))
    .addColumn('pack_ref', 'varchar(255)', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('created', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated', 'varchar(32)', (c) => c.notNull())
    .addColumn('kind', 'varchar(32)', (c) => c.notNull())
    .addColumn('action_ref', 'varchar(255)', (c) => c.notNull())
    .addColumn('max', 'integer', (c) => c.notNull())
    .addColumn('on_exceeded', 'varchar(16)', (c) => c.notNull())
    .addColumn('per', 'text', (c) => c.notNull())
    .addColumn('window_seconds', 'integer')
    .execute();
  await db.schema.createIndex('policies_action_ref').on('policies').column('action_ref').execute();
}
