import type { Kysely, Selectable } from 'kysely';
import { type AuditEntry, type AuditOutcome, identityId } from '../domain/index.js';
import { countRows, fromJson, nowIso, readPage, toJson } from './rows.js';
import type { AuditLogTable, Database } from './schema.js';
import type { AuditRepository } from './access-repositories.js';
import type { AuditFilter, NewAuditEntry, Page } from './store-types.js';

function toAuditEntry(row: Selectable<AuditLogTable>): AuditEntry {
  return {
    id: row.id,
    at: row.at,
    actorId: row.actor_id === null ? null : identityId(row.actor_id),
    actorLogin: row.actor_login,
    action: row.action,
    target: row.target,
    source: row.source,
    outcome: row.outcome as AuditOutcome,
    details: fromJson(row.details),
  };
}

export class KyselyAuditRepository implements AuditRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async append(entry: NewAuditEntry): Promise<AuditEntry> {
    const row = await this.#db
      .insertInto('audit_log')
      .values({
        at: entry.at ?? nowIso(),
        actor_id: entry.actorId,
        actor_login: entry.actorLogin,
        action: entry.action,
        target: entry.target,
        source: entry.source,
        outcome: entry.outcome,
        details: toJson(entry.details),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toAuditEntry(row);
  }

  async list(filter: AuditFilter): Promise<Page<AuditEntry>> {
    let query = this.#db.selectFrom('audit_log');
    if (filter.actorLogin !== undefined) query = query.where('actor_login', '=', filter.actorLogin);
    if (filter.action !== undefined) {
      query = filter.action.endsWith('.') ? query.where('action', 'like', `${filter.action.replaceAll('%', '')}%`) : query.where('action', '=', filter.action);
    }
    if (filter.since !== undefined) query = query.where('at', '>=', filter.since);
    return readPage(query.selectAll().orderBy('id', 'desc').limit(filter.limit).offset(filter.offset).execute(), countRows(query), toAuditEntry);
  }
}
