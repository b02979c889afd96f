import type { Kysely, Selectable } from 'kysely';
import { type ExecutionId, type FlatSchema, type Inquiry, type InquiryId, type InquiryStatus, executionId, inquiryId } from '../domain/index.js';
import type { CompiledQueries } from './compiled-queries.js';
import { countRows, fromJson, nowIso, readPage, toJson } from './rows.js';
import type { Database, InquiryTable } from './schema.js';
import type { InquiryRepository } from './store.js';
import type { InquiryFilter, InquirySettlement, NewInquiry, Page } from './store-types.js';

function toInquiry(row: Selectable<InquiryTable>): Inquiry {
  return {
    id: inquiryId(row.id),
    executionId: executionId(row.execution_id),
    prompt: row.prompt,
    schema: fromJson<FlatSchema>(row.schema),
    assignee: row.assignee,
    role: row.role,
    forbidRequester: row.forbid_requester === 1,
    requestedBy: row.requested_by,
    status: row.status as InquiryStatus,
    response: fromJson<Record<string, unknown> | null>(row.response),
    respondedBy: row.responded_by,
    dueAt: row.due_at,
    created: row.created,
    updated: row.updated,
  };
}

export class KyselyInquiryRepository implements InquiryRepository {
  readonly #db: Kysely<Database>;
  readonly #queries: CompiledQueries;

  constructor(db: Kysely<Database>, queries: CompiledQueries) {
    this.#db = db;
    this.#queries = queries;
  }

  async create(input: NewInquiry): Promise<Inquiry | undefined> {
    const now = nowIso();
    const row = await this.#db
      .insertInto('inquiries')
      .values({
        execution_id: input.executionId,
        prompt: input.prompt,
        schema: toJson(input.schema),
        assignee: input.assignee,
        role: input.role,
        forbid_requester: input.forbidRequester ? 1 : 0,
        requested_by: input.requestedBy,
        status: 'pending',
        response: null,
        responded_by: null,
        due_at: input.dueAt,
        created: now,
        updated: now,
      })
      .onConflict((oc) => oc.column('execution_id').doNothing())
      .returningAll()
      .executeTakeFirst();
    return row && toInquiry(row);
  }

  async get(id: InquiryId): Promise<Inquiry | undefined> {
    const row = await this.#db.selectFrom('inquiries').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toInquiry(row);
  }

  async findByExecution(id: ExecutionId): Promise<Inquiry | undefined> {
    const row = await this.#db.selectFrom('inquiries').selectAll().where('execution_id', '=', id).executeTakeFirst();
    return row && toInquiry(row);
  }

  list(filter: InquiryFilter): Promise<Page<Inquiry>> {
    let query = this.#db.selectFrom('inquiries');
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    if (filter.executionId !== undefined) query = query.where('execution_id', '=', filter.executionId);
    const rows = query.selectAll().orderBy('id', 'desc').limit(filter.limit).offset(filter.offset).execute();
    return readPage(rows, countRows(query), toInquiry);
  }

  // UPDATE … WHERE status = 'pending': of an answer and a timeout racing, exactly one lands.
  async settle(id: InquiryId, settlement: InquirySettlement): Promise<Inquiry | undefined> {
    const row = await this.#db
      .updateTable('inquiries')
      .set({
        status: settlement.status,
        response: settlement.response === undefined ? null : toJson(settlement.response),
        responded_by: settlement.respondedBy ?? null,
        updated: nowIso(),
      })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .returningAll()
      .executeTakeFirst();
    return row && toInquiry(row);
  }

  async findDue(now: string, limit: number): Promise<readonly Inquiry[]> {
    // Asked several times a second by the executor's inquiry tick, mostly to find nothing: compiled once.
    const { rows } = await this.#queries.run(this.#db, 'inquiries.findDue', [now, limit], (at, most) =>
      this.#db.selectFrom('inquiries').selectAll().where('status', '=', 'pending').where('due_at', '<=', at).orderBy('due_at').limit(most),
    );
    return rows.map(toInquiry);
  }
}
