import type { Kysely, Selectable } from 'kysely';
import { type ApiToken, type ApiTokenId, type ApiTokenKind, type ExecutionId, apiTokenId, executionId, identityId } from '../domain/index.js';
import { countRows, nowIso, readPage } from './rows.js';
import type { ApiTokenTable, Database } from './schema.js';
import type { ApiTokenRepository } from './access-repositories.js';
import type { ApiTokenFilter, NewApiToken, Page, PageRequest, StoredApiToken } from './store-types.js';

function toApiToken(row: Selectable<ApiTokenTable>): ApiToken {
  return {
    id: apiTokenId(row.id),
    kind: row.kind as ApiTokenKind,
    identityId: identityId(row.identity_id),
    label: row.label,
    permissionSet: row.permission_set,
    executionId: row.execution_id === null ? null : executionId(row.execution_id),
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
    created: row.created,
  };
}

export class KyselyApiTokenRepository implements ApiTokenRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async create(input: NewApiToken): Promise<ApiToken> {
    const row = await this.#db
      .insertInto('api_tokens')
      .values({
        kind: input.kind,
        hash: input.hash,
        identity_id: input.identityId,
        label: input.label,
        permission_set: input.permissionSet ?? null,
        execution_id: input.executionId ?? null,
        expires_at: input.expiresAt ?? null,
        revoked_at: null,
        last_used_at: null,
        created: nowIso(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toApiToken(row);
  }

  async get(id: ApiTokenId): Promise<ApiToken | undefined> {
    const row = await this.#db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toApiToken(row);
  }

  async findByHash(hash: string): Promise<ApiToken | undefined> {
    const row = await this.#db.selectFrom('api_tokens').selectAll().where('hash', '=', hash).executeTakeFirst();
    return row && toApiToken(row);
  }

  listStored(page: PageRequest): Promise<Page<StoredApiToken>> {
    const rows = this.#db.selectFrom('api_tokens').selectAll().orderBy('id', 'asc').limit(page.limit).offset(page.offset).execute();
    return readPage(rows, countRows(this.#db.selectFrom('api_tokens')), (row) => ({ ...toApiToken(row), hash: row.hash }));
  }

  async list(filter: ApiTokenFilter): Promise<Page<ApiToken>> {
    let query = this.#db.selectFrom('api_tokens');
    if (filter.identityId !== undefined) query = query.where('identity_id', '=', filter.identityId);
    if (filter.kind !== undefined) query = query.where('kind', '=', filter.kind);
    if (filter.includeInactive !== true) {
      const now = nowIso();
      query = query.where('revoked_at', 'is', null).where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]));
    }
    return readPage(query.selectAll().orderBy('id', 'desc').limit(filter.limit).offset(filter.offset).execute(), countRows(query), toApiToken);
  }

  async revoke(id: ApiTokenId, at = nowIso()): Promise<boolean> {
    const result = await this.#db.updateTable('api_tokens').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async revokeForExecution(execution: ExecutionId, at = nowIso()): Promise<number> {
    const result = await this.#db
      .updateTable('api_tokens')
      .set({ revoked_at: at })
      .where('execution_id', '=', execution)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async touch(id: ApiTokenId, at: string): Promise<void> {
    await this.#db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
  }

  async purge(before: string): Promise<number> {
    const result = await this.#db
      .deleteFrom('api_tokens')
      .where((eb) => eb.or([eb('revoked_at', '<', before), eb('expires_at', '<', before)]))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
