import type { Kysely } from 'kysely';
import type { StoreDialect } from '../dialect.js';

/** Packs, their components, and the pipeline's records (events → enforcements → executions). */
export async function up(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  const id = (name: string) => dialect.addIdColumn(db.schema.createTable(name));

  await id('packs')
    .addColumn('ref', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('version', 'varchar(64)', (c) => c.notNull())
    .addColumn('author', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('conf_schema', 'text', (c) => c.notNull())
    .addColumn('config', 'text', (c) => c.notNull())
    .addColumn('created', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated', 'varchar(32)', (c) => c.notNull())
    .execute();

  const component = (name: string) =>
    id(name)
      .addColumn('ref', 'varchar(255)', (c) => c.notNull().unique())
      .addColumn('pack_id', 'integer', (c) => c.notNull().references('packs.id').onDelete('cascade'))
      .addColumn('pack_ref', 'varchar(255)', (c) => c.notNull())
      .addColumn('label', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('created', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated', 'varchar(32)', (c) => c.notNull());

  await component('actions')
    .addColumn('runner_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('entry_point', 'text', (c) => c.notNull())
    .addColumn('parameters', 'text', (c) => c.notNull())
    .addColumn('output', 'text', (c) => c.notNull())
    .addColumn('parameter_delivery', 'varchar(16)', (c) => c.notNull())
    .addColumn('parameter_format', 'varchar(16)', (c) => c.notNull())
    .addColumn('output_format', 'varchar(16)', (c) => c.notNull())
    .addColumn('timeout_seconds', 'integer', (c) => c.notNull())
    .addColumn('max_retries', 'integer', (c) => c.notNull())
    .execute();

  await component('triggers')
    .addColumn('type', 'varchar(64)', (c) => c.notNull())
    .addColumn('parameters', 'text', (c) => c.notNull())
    .addColumn('output', 'text', (c) => c.notNull())
    .execute();

  await component('sensors')
    .addColumn('runner_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('entry_point', 'text', (c) => c.notNull())
    .addColumn('trigger_types', 'text', (c) => c.notNull())
    .addColumn('parameters', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .execute();

  await component('rules')
    .addColumn('trigger_ref', 'varchar(255)', (c) => c.notNull())
    .addColumn('trigger_params', 'text', (c) => c.notNull())
    .addColumn('conditions', 'text', (c) => c.notNull())
    .addColumn('action_ref', 'varchar(255)', (c) => c.notNull())
    .addColumn('action_params', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('origin', 'varchar(16)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('rules_trigger_ref').on('rules').column('trigger_ref').execute();

  await id('events')
    .addColumn('trigger_ref', 'varchar(255)', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('rule_ref', 'varchar(255)')
    .addColumn('processed_at', 'varchar(32)')
    .addColumn('created', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('events_trigger_ref').on('events').column('trigger_ref').execute();

  await id('enforcements')
    .addColumn('rule_id', 'integer', (c) => c.notNull())
    .addColumn('rule_ref', 'varchar(255)', (c) => c.notNull())
    .addColumn('event_id', 'integer', (c) => c.notNull().references('events.id'))
    .addColumn('status', 'varchar(32)', (c) => c.notNull())
    .addColumn('execution_id', 'integer')
    .addColumn('created', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated', 'varchar(32)', (c) => c.notNull())
    .addUniqueConstraint('enforcements_rule_event', ['rule_id', 'event_id'])
    .execute();

  await id('executions')
    .addColumn('action_ref', 'varchar(255)', (c) => c.notNull())
    .addColumn('status', 'varchar(32)', (c) => c.notNull())
    .addColumn('parameters', 'text', (c) => c.notNull())
    .addColumn('timeout_seconds', 'integer')
    .addColumn('result', 'text')
    .addColumn('rule_id', 'integer')
    .addColumn('rule_ref', 'varchar(255)')
    .addColumn('enforcement_id', 'integer')
    .addColumn('event_id', 'integer')
    .addColumn('parent_id', 'integer')
    .addColumn('worker_id', 'varchar(255)')
    .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated', 'varchar(32)', (c) => c.notNull())
    .addColumn('started_at', 'varchar(32)')
    .addColumn('finished_at', 'varchar(32)')
    .execute();
  // Every index costs each of the several writes an execution goes through; only the list
  // filters and the supervisor's status sweep have one.
  for (const column of ['status', 'action_ref', 'rule_ref']) {
    await db.schema.createIndex(`executions_${column}`).on('executions').column(column).execute();
  }
}
