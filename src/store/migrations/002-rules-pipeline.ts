import { type Kysely, sql } from 'kysely';

/** What the event → rule → enforcement pipeline needs beyond the first schema. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('enforcements').addColumn('failure', 'text').execute();
  await db.schema.alterTable('sensors').addColumn('live_updates', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.createIndex('enforcements_event_id').on('enforcements').column('event_id').execute();
  await db.schema.createIndex('enforcements_rule_ref').on('enforcements').column('rule_ref').execute();
  await db.schema.createIndex('events_rule_ref').on('events').column('rule_ref').execute();
  // Only events still waiting for the rule engine are in this index, so it stays small.
  await db.schema.createIndex('events_unprocessed').on('events').column('id').where(sql.ref('processed_at'), 'is', null).execute();
}
