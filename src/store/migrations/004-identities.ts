import type { Kysely } from 'kysely';
import type { StoreDialect } from '../dialect.js';

/**
 * Who may use Attune and what they did: identities and their permission sets, API tokens (stored
 * only as keyed hashes), the audit log and the key datastore (values sealed). Actions and rules
 * may name the permission set their executions run with; executions record who asked for them.
 */
export async function up(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  const id = (name: string) => dialect.addIdColumn(db.schema.createTable(name));

  await id('identities')
    .addColumn('login', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('disabled', 'integer', (c) => c.notNull())
    .addColumn('created', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated', 'varchar(32)', (c) => c.notNull())
    .execute();

  await id('permission_sets')
    .addColumn('ref', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('grants', 'text', (c) => c.notNull())
    .addColumn('builtin', 'integer', (c) => c.notNull())
    .addColumn('created', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated', 'varchar(32)', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('identity_permission_sets')
    .addColumn('identity_id', 'integer', (c) => c.notNull().references('identities.id').onDelete('cascade'))
    .addColumn('permission_set_id', 'integer', (c) => c.notNull().references('permission_sets.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('identity_permission_sets_pk', ['identity_id', 'permission_set_id'])
    .execute();

  await id('api_tokens')
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('identity_id', 'integer', (c) => c.notNull().references('identities.id').onDelete('cascade'))
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('permission_set', 'varchar(64)')
    .addColumn('execution_id', 'integer')
    .addColumn('expires_at', 'varchar(32)')
    .addColumn('revoked_at', 'varchar(32)')
    .addColumn('last_used_at', 'varchar(32)')
    .addColumn('created', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('api_tokens_identity').on('api_tokens').column('identity_id').execute();
  await db.schema.createIndex('api_tokens_execution').on('api_tokens').column('execution_id').execute();

  await id('audit_log')
    .addColumn('at', 'varchar(32)', (c) => c.notNull())
    .addColumn('actor_id', 'integer')
    .addColumn('actor_login', 'varchar(64)')
    .addColumn('action', 'varchar(64)', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('outcome', 'varchar(16)', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .execute();

  await id('keys')
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('scope', 'varchar(16)', (c) => c.notNull())
    .addColumn('owner', 'varchar(255)', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('created_by', 'varchar(64)')
    .addColumn('created', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated', 'varchar(32)', (c) => c.notNull())
    .addUniqueConstraint('keys_scope_owner_name', ['scope', 'owner', 'name'])
    .execute();

  await db.schema.alterTable('actions').addColumn('permission_set', 'varchar(64)').execute();
  await db.schema.alterTable('actions').addColumn('api_access', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('rules').addColumn('permission_set', 'varchar(64)').execute();
  await db.schema.alterTable('executions').addColumn('requested_by', 'varchar(64)').execute();
}
