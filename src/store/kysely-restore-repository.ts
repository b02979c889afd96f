import type { Insertable, Kysely } from 'kysely';
import type { StoreDialect } from './dialect.js';
import { toJson } from './rows.js';
import type { Database } from './schema.js';
import type { RestoreRepository } from './store.js';
import type { RestoredRecord } from './store-types.js';

/** The tables an import writes, each checked empty first; the ones with an `id` sequence come first. */
const ID_TABLES = ['packs', 'permission_sets', 'identities', 'rules', 'keys', 'events', 'enforcements', 'executions', 'api_tokens'] as const;
const RESTORED_TABLES = [...ID_TABLES, 'workflow_states'] as const;

type Restored<K extends RestoredRecord['kind']> = Extract<RestoredRecord, { kind: K }>['data'];

export class KyselyRestoreRepository implements RestoreRepository {
  readonly #db: Kysely<Database>;
  readonly #dialect: StoreDialect;

  constructor(db: Kysely<Database>, dialect: StoreDialect) {
    this.#db = db;
    this.#dialect = dialect;
  }

  async isEmpty(): Promise<boolean> {
    for (const table of RESTORED_TABLES) {
      const row = await this.#db.selectFrom(table).select((eb) => eb.lit(1).as('one')).limit(1).executeTakeFirst();
      if (row) return false;
    }
    return true;
  }

  async insert(record: RestoredRecord): Promise<void> {
    switch (record.kind) {
      case 'pack':
        return this.#put('packs', packRow(record.data));
      case 'permission_set':
        return this.#put('permission_sets', permissionSetRow(record.data));
      case 'identity':
        return this.#insertIdentity(record.data);
      case 'rule':
        return this.#insertRule(record.data);
      case 'key':
        return this.#put('keys', keyRow(record.data));
      case 'event':
        return this.#put('events', eventRow(record.data));
      case 'enforcement':
        return this.#put('enforcements', enforcementRow(record.data));
      case 'execution':
        return this.#put('executions', executionRow(record.data));
      case 'workflow_state':
        return this.#put('workflow_states', workflowRow(record.data));
      case 'api_token':
        return this.#put('api_tokens', apiTokenRow(record.data));
    }
  }

  async syncIdSequences(): Promise<void> {
    if (!this.#dialect.syncIdSequence) return;
    for (const table of ID_TABLES) await this.#dialect.syncIdSequence(table).execute(this.#db);
  }

  async #put<T extends keyof Database>(table: T, row: Insertable<Database[T]>): Promise<void> {
    await this.#db.insertInto(table).values(row as never).execute();
  }

  async #insertIdentity(identity: Restored<'identity'>): Promise<void> {
    await this.#put('identities', {
      id: identity.id,
      login: identity.login,
      display_name: identity.displayName,
      kind: identity.kind,
      password_hash: identity.passwordHash,
      disabled: identity.disabled ? 1 : 0,
      created: identity.created,
      updated: identity.updated,
    });
    if (identity.permissionSets.length === 0) return;
    const sets = await this.#db.selectFrom('permission_sets').select('id').where('ref', 'in', identity.permissionSets).execute();
    if (sets.length === 0) return;
    await this.#db
      .insertInto('identity_permission_sets')
      .values(sets.map((set) => ({ identity_id: identity.id, permission_set_id: set.id })))
      .execute();
  }

  async #insertRule(rule: Restored<'rule'>): Promise<void> {
    const pack = await this.#db.selectFrom('packs').select('id').where('ref', '=', rule.packRef).executeTakeFirst();
    if (!pack) throw new Error(`rule ${rule.ref}: its pack ${rule.packRef} was not restored before it`);
    await this.#put('rules', {
      id: rule.id,
      ref: rule.ref,
      pack_id: pack.id,
      pack_ref: rule.packRef,
      label: rule.label,
      description: rule.description,
      trigger_ref: rule.triggerRef,
      trigger_params: toJson(rule.triggerParams),
      conditions: toJson(rule.conditions),
      action_ref: rule.actionRef,
      action_params: toJson(rule.actionParams),
      enabled: rule.enabled ? 1 : 0,
      origin: rule.origin,
      permission_set: rule.permissionSet,
      created: rule.created,
      updated: rule.updated,
    });
  }
}

function packRow(pack: Restored<'pack'>): Insertable<Database['packs']> {
  const { id, ref, label, description, version, author, path, created, updated } = pack;
  return { id, ref, label, description, version, author, path, created, updated, conf_schema: toJson(pack.confSchema), config: toJson(pack.config) };
}

function permissionSetRow(set: Restored<'permission_set'>): Insertable<Database['permission_sets']> {
  const { ref, description, created, updated } = set;
  return { ref, description, created, updated, grants: toJson(set.grants), builtin: set.builtin ? 1 : 0 };
}

function keyRow(key: Restored<'key'>): Insertable<Database['keys']> {
  const { id, name, scope, owner, created, updated } = key;
  return { id, name, scope, owner, created, updated, value: toJson(key.value), secret: key.secret ? 1 : 0, created_by: key.createdBy };
}

function eventRow(event: Restored<'event'>): Insertable<Database['events']> {
  const { id, source, created } = event;
  return {
    id,
    source,
    created,
    trigger_ref: event.triggerRef,
    payload: toJson(event.payload),
    rule_ref: event.ruleRef,
    processed_at: event.processedAt,
    redriven_at: null,
  };
}

function enforcementRow(enforcement: Restored<'enforcement'>): Insertable<Database['enforcements']> {
  const { id, status, failure, created, updated } = enforcement;
  return {
    id,
    status,
    failure,
    created,
    updated,
    rule_id: enforcement.ruleId,
    rule_ref: enforcement.ruleRef,
    event_id: enforcement.eventId,
    execution_id: enforcement.executionId,
  };
}

function executionRow(execution: Restored<'execution'>): Insertable<Database['executions']> {
  const { id, status, attempt, created, updated } = execution;
  return {
    id,
    status,
    attempt,
    created,
    updated,
    action_ref: execution.actionRef,
    parameters: toJson(execution.parameters),
    timeout_seconds: execution.timeoutSeconds,
    result: execution.result === null ? null : toJson(execution.result),
    rule_id: execution.ruleId,
    rule_ref: execution.ruleRef,
    enforcement_id: execution.enforcementId,
    event_id: execution.eventId,
    parent_id: execution.parentId,
    task_name: execution.taskName,
    task_index: execution.taskIndex,
    rerun_of: execution.rerunOf,
    worker_id: execution.workerId,
    process: execution.process === null ? null : toJson(execution.process),
    started_at: execution.startedAt,
    finished_at: execution.finishedAt,
    redriven_at: null,
    requested_by: execution.requestedBy,
    secret_parameters: toJson(execution.secretParameters),
  };
}

function workflowRow(row: Restored<'workflow_state'>): Insertable<Database['workflow_states']> {
  const { version, created, updated } = row;
  return {
    version,
    created,
    updated,
    execution_id: row.executionId,
    action_ref: row.actionRef,
    state: toJson(row.state),
    active: row.active ? 1 : 0,
    due_at: row.dueAt,
  };
}

function apiTokenRow(token: Restored<'api_token'>): Insertable<Database['api_tokens']> {
  const { id, kind, hash, label, created } = token;
  return {
    id,
    kind,
    hash,
    label,
    created,
    identity_id: token.identityId,
    permission_set: token.permissionSet,
    execution_id: token.executionId,
    expires_at: token.expiresAt,
    revoked_at: token.revokedAt,
    last_used_at: token.lastUsedAt,
  };
}
