import type { Kysely, Selectable } from 'kysely';
import { type Identity, type IdentityId, type IdentityKind, identityId } from '../domain/index.js';
import { countRows, nowIso, readPage } from './rows.js';
import type { Database, IdentityTable } from './schema.js';
import type { IdentityRepository } from './access-repositories.js';
import type { NewIdentity, Page, PageRequest } from './store-types.js';

function toIdentity(row: Selectable<IdentityTable>, permissionSets: readonly string[]): Identity {
  return {
    id: identityId(row.id),
    login: row.login,
    displayName: row.display_name,
    kind: row.kind as IdentityKind,
    disabled: row.disabled === 1,
    permissionSets,
    created: row.created,
    updated: row.updated,
  };
}

export class KyselyIdentityRepository implements IdentityRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async create(input: NewIdentity): Promise<Identity | undefined> {
    const now = nowIso();
    const row = await this.#db
      .insertInto('identities')
      .values({ login: input.login, display_name: input.displayName, kind: input.kind, password_hash: input.passwordHash, disabled: 0, created: now, updated: now })
      .onConflict((oc) => oc.column('login').doNothing())
      .returningAll()
      .executeTakeFirst();
    return row && toIdentity(row, []);
  }

  async get(id: IdentityId): Promise<Identity | undefined> {
    const row = await this.#db.selectFrom('identities').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toIdentity(row, await this.#setsOf([row.id]).then((sets) => sets.get(row.id) ?? []));
  }

  async findByLogin(login: string): Promise<Identity | undefined> {
    return (await this.findCredentials(login))?.identity;
  }

  async findCredentials(login: string): Promise<{ identity: Identity; passwordHash: string | null } | undefined> {
    const row = await this.#db.selectFrom('identities').selectAll().where('login', '=', login).executeTakeFirst();
    if (!row) return undefined;
    const sets = await this.#setsOf([row.id]);
    return { identity: toIdentity(row, sets.get(row.id) ?? []), passwordHash: row.password_hash };
  }

  async list(page: PageRequest): Promise<Page<Identity>> {
    const query = this.#db.selectFrom('identities');
    const rows = await query.selectAll().orderBy('login').limit(page.limit).offset(page.offset).execute();
    const sets = await this.#setsOf(rows.map((r) => r.id));
    return readPage(Promise.resolve(rows), countRows(query), (row) => toIdentity(row, sets.get(row.id) ?? []));
  }

  async count(): Promise<number> {
    const { total } = await countRows(this.#db.selectFrom('identities'));
    return Number(total);
  }

  async setPassword(id: IdentityId, passwordHash: string): Promise<boolean> {
    const result = await this.#db.updateTable('identities').set({ password_hash: passwordHash, updated: nowIso() }).where('id', '=', id).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async setDisabled(id: IdentityId, disabled: boolean): Promise<boolean> {
    const result = await this.#db.updateTable('identities').set({ disabled: disabled ? 1 : 0, updated: nowIso() }).where('id', '=', id).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async delete(id: IdentityId): Promise<boolean> {
    // Foreign keys cascade on SQLite only when enabled; deleting dependants first holds everywhere.
    await this.#db.deleteFrom('identity_permission_sets').where('identity_id', '=', id).execute();
    await this.#db.deleteFrom('api_tokens').where('identity_id', '=', id).execute();
    const result = await this.#db.deleteFrom('identities').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async grant(id: IdentityId, permissionSetRef: string): Promise<boolean> {
    const set = await this.#db.selectFrom('permission_sets').select('id').where('ref', '=', permissionSetRef).executeTakeFirst();
    if (!set) return false;
    const result = await this.#db
      .insertInto('identity_permission_sets')
      .values({ identity_id: id, permission_set_id: set.id })
      .onConflict((oc) => oc.columns(['identity_id', 'permission_set_id']).doNothing())
      .executeTakeFirst();
    const granted = Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    if (granted) await this.#touch(id);
    return granted;
  }

  async revoke(id: IdentityId, permissionSetRef: string): Promise<boolean> {
    const set = await this.#db.selectFrom('permission_sets').select('id').where('ref', '=', permissionSetRef).executeTakeFirst();
    if (!set) return false;
    const result = await this.#db.deleteFrom('identity_permission_sets').where('identity_id', '=', id).where('permission_set_id', '=', set.id).executeTakeFirst();
    const revoked = Number(result.numDeletedRows) > 0;
    if (revoked) await this.#touch(id);
    return revoked;
  }

  async #touch(id: IdentityId): Promise<void> {
    await this.#db.updateTable('identities').set({ updated: nowIso() }).where('id', '=', id).execute();
  }

  /** Permission set refs by identity id, each list by ref. */
  async #setsOf(ids: readonly number[]): Promise<Map<number, string[]>> {
    const out = new Map<number, string[]>();
    if (ids.length === 0) return out;
    const rows = await this.#db
      .selectFrom('identity_permission_sets')
      .innerJoin('permission_sets', 'permission_sets.id', 'identity_permission_sets.permission_set_id')
      .select(['identity_permission_sets.identity_id as identityId', 'permission_sets.ref as ref'])
      .where('identity_permission_sets.identity_id', 'in', ids)
      .orderBy('permission_sets.ref')
      .execute();
    for (const row of rows) out.set(row.identityId, [...(out.get(row.identityId) ?? []), row.ref]);
    return out;
  }
}
