import type { Kysely, Selectable } from 'kysely';
import type { Grant, PermissionSet } from '../domain/index.js';
import { fromJson, nowIso, toJson } from './rows.js';
import type { Database, PermissionSetTable } from './schema.js';
import type { PermissionSetRepository } from './access-repositories.js';
import type { PermissionSetInput } from './store-types.js';

function toPermissionSet(row: Selectable<PermissionSetTable>): PermissionSet {
  return {
    ref: row.ref,
    description: row.description,
    grants: fromJson<Grant[]>(row.grants),
    builtin: row.builtin === 1,
    created: row.created,
    updated: row.updated,
  };
}

export class KyselyPermissionSetRepository implements PermissionSetRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async findByRef(ref: string): Promise<PermissionSet | undefined> {
    const row = await this.#db.selectFrom('permission_sets').selectAll().where('ref', '=', ref).executeTakeFirst();
    return row && toPermissionSet(row);
  }

  async listAll(): Promise<readonly PermissionSet[]> {
    const rows = await this.#db.selectFrom('permission_sets').selectAll().orderBy('ref').execute();
    return rows.map(toPermissionSet);
  }

  async create(input: PermissionSetInput): Promise<PermissionSet | undefined> {
    const now = nowIso();
    const row = await this.#db
      .insertInto('permission_sets')
      .values({ ref: input.ref, description: input.description, grants: toJson(input.grants), builtin: 0, created: now, updated: now })
      .onConflict((oc) => oc.column('ref').doNothing())
      .returningAll()
      .executeTakeFirst();
    return row && toPermissionSet(row);
  }

  async update(input: PermissionSetInput): Promise<PermissionSet | undefined> {
    const row = await this.#db
      .updateTable('permission_sets')
      .set({ description: input.description, grants: toJson(input.grants), updated: nowIso() })
      .where('ref', '=', input.ref)
      .where('builtin', '=', 0)
      .returningAll()
      .executeTakeFirst();
    return row && toPermissionSet(row);
  }

  async delete(ref: string): Promise<boolean> {
    const row = await this.#db.selectFrom('permission_sets').select('id').where('ref', '=', ref).where('builtin', '=', 0).executeTakeFirst();
    if (!row) return false;
    await this.#db.deleteFrom('identity_permission_sets').where('permission_set_id', '=', row.id).execute();
    await this.#db.deleteFrom('permission_sets').where('id', '=', row.id).execute();
    return true;
  }

  async syncBuiltins(sets: readonly PermissionSetInput[]): Promise<void> {
    const current = new Map((await this.listAll()).map((set) => [set.ref, set]));
    const now = nowIso();
    for (const set of sets) {
      const existing = current.get(set.ref);
      const values = { description: set.description, grants: toJson(set.grants), builtin: 1, updated: now };
      if (!existing) await this.#db.insertInto('permission_sets').values({ ref: set.ref, created: now, ...values }).execute();
      else if (!existing.builtin || existing.description !== set.description || toJson(existing.grants) !== values.grants) {
        await this.#db.updateTable('permission_sets').set(values).where('ref', '=', set.ref).execute();
      }
    }
  }

  async grantsOf(refs: readonly string[]): Promise<readonly Grant[]> {
    if (refs.length === 0) return [];
    const rows = await this.#db.selectFrom('permission_sets').select('grants').where('ref', 'in', refs).orderBy('ref').execute();
    return rows.flatMap((row) => fromJson<Grant[]>(row.grants));
  }
}
