import type { Kysely, Selectable } from 'kysely';
import { type Pack, type PackMeta, packId } from '../domain/index.js';
import { countRows, fromJson, nowIso, readPage, toJson } from './rows.js';
import type { Database, PackTable } from './schema.js';
import type { PackRepository } from './store.js';
import type { Page, PageRequest } from './store-types.js';

export function toPack(row: Selectable<PackTable>): Pack {
  return {
    id: packId(row.id),
    ref: row.ref,
    label: row.label,
    description: row.description,
    version: row.version,
    author: row.author,
    path: row.path,
    confSchema: fromJson(row.conf_schema),
    config: fromJson(row.config),
    created: row.created,
    updated: row.updated,
  };
}

export class KyselyPackRepository implements PackRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async findByRef(ref: string): Promise<Pack | undefined> {
    const row = await this.#db.selectFrom('packs').selectAll().where('ref', '=', ref).executeTakeFirst();
    return row && toPack(row);
  }

  async list(page: PageRequest): Promise<Page<Pack>> {
    const query = this.#db.selectFrom('packs');
    return readPage(query.selectAll().orderBy('ref').limit(page.limit).offset(page.offset).execute(), countRows(query), toPack);
  }

  async listAll(): Promise<readonly Pack[]> {
    const rows = await this.#db.selectFrom('packs').selectAll().orderBy('ref').execute();
    return rows.map(toPack);
  }

  async upsert(meta: PackMeta, path: string): Promise<Pack> {
    const now = nowIso();
    const values = {
      label: meta.label,
      description: meta.description,
      version: meta.version,
      author: meta.author,
      path,
      conf_schema: toJson(meta.confSchema),
      config: toJson(meta.config),
      updated: now,
    };
    const row = await this.#db
      .insertInto('packs')
      .values({ ref: meta.ref, created: now, ...values })
      .onConflict((oc) => oc.column('ref').doUpdateSet(values))
      .returningAll()
      .executeTakeFirstOrThrow();
    return toPack(row);
  }

  async deleteByRef(ref: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('packs').where('ref', '=', ref).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
