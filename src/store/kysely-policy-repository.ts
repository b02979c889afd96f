import type { Kysely, Selectable } from 'kysely';
import type { Execution, ExecutionStatus, PackId, Policy, PolicyKind, PolicyOnExceeded } from '../domain/index.js';
import type { StoreDialect } from './dialect.js';
import { toExecution } from './kysely-execution-repository.js';
import { replacePackComponents } from './pack-components.js';
import { fromJson, toJson } from './rows.js';
import type { Database, PolicyTable } from './schema.js';
import type { PolicyRepository } from './store.js';
import type { PolicyInput } from './store-types.js';

function toPolicy(row: Selectable<PolicyTable>): Policy {
  return {
    id: row.id,
    ref: row.ref,
    packRef: row.pack_ref,
    label: row.label,
    description: row.description,
    kind: row.kind as PolicyKind,
    actionRef: row.action_ref,
    max: row.max,
    onExceeded: row.on_exceeded as PolicyOnExceeded,
    per: fromJson<string[]>(row.per),
    windowSeconds: row.window_seconds,
    created: row.created,
    updated: row.updated,
  };
}

export class KyselyPolicyRepository implements PolicyRepository {
  readonly #db: Kysely<Database>;
  readonly #dialect: StoreDialect;

  constructor(db: Kysely<Database>, dialect: StoreDialect) {
    this.#db = db;
    this.#dialect = dialect;
  }

  async list(): Promise<readonly Policy[]> {
    return (await this.#db.selectFrom('policies').selectAll().orderBy('ref').execute()).map(toPolicy);
  }

  async forAction(actionRef: string, lock = false): Promise<readonly Policy[]> {
    const rows = await this.#db
      .selectFrom('policies')
      .selectAll()
      .where('action_ref', '=', actionRef)
      .orderBy('id')
      // Where rows lock (PostgreSQL), admit passes for one action queue here; SQLite has one writer.
      .$if(lock && this.#dialect.supportsSkipLocked, (qb) => qb.forUpdate())
      .execute();
    return rows.map(toPolicy);
  }

  async listActionRefs(): Promise<readonly string[]> {
    const rows = await this.#db.selectFrom('policies').select('action_ref').distinct().orderBy('action_ref').execute();
    return rows.map((row) => row.action_ref);
  }

  async executionsOf(actionRef: string, statuses: readonly ExecutionStatus[], limit: number): Promise<readonly Execution[]> {
    const rows = await this.#db
      .selectFrom('executions')
      .selectAll()
      .where('action_ref', '=', actionRef)
      .where('status', 'in', [...statuses])
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toExecution);
  }

  async startedSince(actionRef: string, since: string, limit: number): Promise<readonly Execution[]> {
    const rows = await this.#db
      .selectFrom('executions')
      .selectAll()
      .where('action_ref', '=', actionRef)
      // One statement: a row a worker moves from scheduled to running meanwhile is seen once, either way.
      .where((eb) => eb.or([eb('status', '=', 'scheduled'), eb('started_at', '>=', since)]))
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toExecution);
  }

  replaceForPack(pack: PackId, inputs: readonly PolicyInput[]): Promise<void> {
    const rows = inputs.map((input) => ({
      ref: input.ref,
      pack_ref: input.packRef,
      label: input.label,
      description: input.description,
      kind: input.kind,
      action_ref: input.actionRef,
      max: input.max,
      on_exceeded: input.onExceeded,
      per: toJson(input.per),
      window_seconds: input.windowSeconds,
    }));
    return replacePackComponents(this.#db, 'policies', pack, rows);
  }
}
