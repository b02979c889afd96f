import type { Kysely, Selectable } from 'kysely';
import type { Key, KeyAddress, KeyScope } from '../domain/index.js';
import { countRows, fromJson, nowIso, readPage, toJson } from './rows.js';
import type { Database, KeyTable } from './schema.js';
import type { KeyRepository } from './access-repositories.js';
import type { KeyFilter, KeyInput, Page, StoredKey } from './store-types.js';

function toKey(row: Selectable<KeyTable>): Key {
  return {
    id: row.id,
    scope: row.scope as KeyScope,
    owner: row.owner,
    name: row.name,
    secret: row.secret === 1,
    createdBy: row.created_by,
    created: row.created,
    updated: row.updated,
  };
}

function toStoredKey(row: Selectable<KeyTable>): StoredKey {
  return { ...toKey(row), value: fromJson(row.value) };
}

export class KyselyKeyRepository implements KeyRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  #at(address: KeyAddress) {
    return this.#db.selectFrom('keys').where('scope', '=', address.scope).where('owner', '=', address.owner).where('name', '=', address.name);
  }

  async get(address: KeyAddress): Promise<StoredKey | undefined> {
    const row = await this.#at(address).selectAll().executeTakeFirst();
    return row && toStoredKey(row);
  }

  async put(input: KeyInput): Promise<{ readonly key: Key; readonly created: boolean }> {
    const now = nowIso();
    const changes = { value: toJson(input.value), secret: input.secret ? 1 : 0, updated: now };
    const updated = await this.#db
      .updateTable('keys')
      .set(changes)
      .where('scope', '=', input.scope)
      .where('owner', '=', input.owner)
      .where('name', '=', input.name)
      .returningAll()
      .executeTakeFirst();
    if (updated) return { key: toKey(updated), created: false };
    // Two writers racing for a new key: the unique (scope, owner, name) lets one insert, the other updates.
    const row = await this.#db
      .insertInto('keys')
      .values({ scope: input.scope, owner: input.owner, name: input.name, created_by: input.createdBy, created: now, ...changes })
      .onConflict((oc) => oc.columns(['scope', 'owner', 'name']).doUpdateSet(changes))
      .returningAll()
      .executeTakeFirstOrThrow();
    return { key: toKey(row), created: row.created === now };
  }

  async delete(address: KeyAddress): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('keys')
      .where('scope', '=', address.scope)
      .where('owner', '=', address.owner)
      .where('name', '=', address.name)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async list(filter: KeyFilter): Promise<Page<Key>> {
    let query = this.#db.selectFrom('keys');
    if (filter.scope !== undefined) query = query.where('scope', '=', filter.scope);
    if (filter.owner !== undefined) query = query.where('owner', '=', filter.owner);
    const { visibleTo } = filter;
    if (visibleTo !== undefined) query = query.where((eb) => eb.or([eb('scope', '!=', 'user'), eb('owner', '=', visibleTo)]));
    const rows = query.selectAll().orderBy('scope').orderBy('owner').orderBy('name').limit(filter.limit).offset(filter.offset).execute();
    return readPage(rows, countRows(query), toKey);
  }

  async listValues(owners: readonly Omit<KeyAddress, 'name'>[]): Promise<readonly StoredKey[]> {
    if (owners.length === 0) return [];
    const rows = await this.#db
      .selectFrom('keys')
      .selectAll()
      .where((eb) => eb.or(owners.map((o) => eb.and([eb('scope', '=', o.scope), eb('owner', '=', o.owner)]))))
      .orderBy('id')
      .execute();
    return rows.map(toStoredKey);
  }
}
