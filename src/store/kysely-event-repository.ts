import { type Insertable, type Kysely, type Selectable, sql } from 'kysely';
import {
  type Enforcement,
  type EnforcementId,
  type EnforcementStatus,
  type Event,
  type EventId,
  type ExecutionId,
  type ExecutionStatus,
  enforcementId,
  eventId,
  executionId,
  ruleId,
} from '../domain/index.js';
import type { StoreDialect } from './dialect.js';
import { COMPILED_ROWS_MAX, type CompiledQueries } from './compiled-queries.js';
import { claimForRedrive } from './redrive-claim.js';
import { byId, countRows, fromJson, inSlices, nowIso, paddedIds, readPage, toJson } from './rows.js';
import type { Database, EnforcementTable, EventTable } from './schema.js';
import type { EventRepository } from './store.js';
import type { EnforcementFilter, EventFilter, NewEnforcement, NewEvent, Page, StoredEventOutcome } from './store-types.js';

export function toEvent(row: Selectable<EventTable>): Event {
  return {
    id: eventId(row.id),
    triggerRef: row.trigger_ref,
    payload: fromJson(row.payload),
    source: row.source,
    ruleRef: row.rule_ref,
    processedAt: row.processed_at,
    created: row.created,
  };
}

export function toEnforcement(row: Selectable<EnforcementTable>): Enforcement {
  return {
    id: enforcementId(row.id),
    ruleId: ruleId(row.rule_id),
    ruleRef: row.rule_ref,
    eventId: eventId(row.event_id),
    status: row.status as EnforcementStatus,
    executionId: row.execution_id === null ? null : executionId(row.execution_id),
    failure: row.failure,
    created: row.created,
    updated: row.updated,
  };
}

function toEventRow(input: NewEvent, now: string): Insertable<EventTable> {
  return {
    trigger_ref: input.triggerRef,
    payload: toJson(input.payload),
    source: input.source,
    rule_ref: input.ruleRef ?? null,
    processed_at: null,
    created: now,
  };
}

function toEnforcementRow(input: NewEnforcement, now: string): Insertable<EnforcementTable> {
  return {
    rule_id: input.ruleId,
    rule_ref: input.ruleRef,
    event_id: input.eventId,
    status: input.status,
    execution_id: null,
    failure: input.failure ?? null,
    created: now,
    updated: now,
  };
}

export class KyselyEventRepository implements EventRepository {
  readonly #db: Kysely<Database>;
  readonly #dialect: StoreDialect;
  readonly #queries: CompiledQueries;

  constructor(db: Kysely<Database>, dialect: StoreDialect, queries: CompiledQueries) {
    this.#db = db;
    this.#dialect = dialect;
    this.#queries = queries;
  }

  async create(input: NewEvent): Promise<Event> {
    const values: [string, string, string, string | null, string] = [input.triggerRef, toJson(input.payload), input.source, input.ruleRef ?? null, nowIso()];
    const { rows } = await this.#queries.run(this.#db, 'events.create', values, (trigger, payload, source, rule, created) =>
      this.#db.insertInto('events').values({ trigger_ref: trigger, payload, source, rule_ref: rule, processed_at: null, created }).returningAll(),
    );
    const [row] = rows;
    if (!row) throw new Error('the event was not stored');
    return toEvent(row);
  }

  async createMany(inputs: readonly NewEvent[]): Promise<readonly Event[]> {
    const now = nowIso();
    const rows = await inSlices(inputs, (slice) =>
      this.#db
        .insertInto('events')
        .values(slice.map((input) => toEventRow(input, now)))
        .returningAll()
        .execute(),
    );
    return byId(rows).map(toEvent);
  }

  async get(id: EventId): Promise<Event | undefined> {
    const { rows } = await this.#queries.run(this.#db, 'events.get', [id], (i) => this.#db.selectFrom('events').selectAll().where('id', '=', i));
    const [row] = rows;
    return row && toEvent(row);
  }

  async getMany(ids: readonly EventId[]): Promise<readonly Event[]> {
    const rows = await inSlices(ids, async (slice) => {
      const padded = paddedIds(slice);
      const { rows: found } = await this.#queries.run(this.#db, `events.getMany:${padded.length}`, padded, (...bound) =>
        this.#db.selectFrom('events').selectAll().where('id', 'in', bound),
      );
      return found;
    });
    return byId(rows).map(toEvent);
  }

  async list(filter: EventFilter): Promise<Page<Event>> {
    let query = this.#db.selectFrom('events');
    if (filter.triggerRef !== undefined) query = query.where('trigger_ref', '=', filter.triggerRef);
    if (filter.ruleRef !== undefined) query = query.where('rule_ref', '=', filter.ruleRef);
    return readPage(query.selectAll().orderBy('id', 'desc').limit(filter.limit).offset(filter.offset).execute(), countRows(query), toEvent);
  }

  async existsFor(triggerRef: string, ruleRef: string, since = ''): Promise<boolean> {
    const row = await this.#db
      .selectFrom('events')
      .select('id')
      .where('rule_ref', '=', ruleRef)
      .where('trigger_ref', '=', triggerRef)
      .where('created', '>=', since)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async markProcessed(id: EventId): Promise<boolean> {
    const result = await this.#db
      .updateTable('events')
      .set({ processed_at: nowIso() })
      .where('id', '=', id)
      .where('processed_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async markProcessedMany(ids: readonly EventId[]): Promise<readonly EventId[]> {
    const now = nowIso();
    const rows = await inSlices(ids, async (slice) => {
      const padded = paddedIds(slice);
      const { rows: marked } = await this.#queries.run(this.#db, `events.markProcessedMany:${padded.length}`, [now, ...padded], (at, ...bound) =>
        this.#db.updateTable('events').set({ processed_at: at }).where('id', 'in', bound).where('processed_at', 'is', null).returning('id'),
      );
      return marked;
    });
    return byId(rows).map((row) => eventId(row.id));
  }

  async claimUnprocessed(before: string, limit: number, afterId = 0): Promise<readonly Event[]> {
    const rows = await claimForRedrive(this.#db, this.#dialect, {
      table: 'events',
      waiting: (eb) => eb('processed_at', 'is', null),
      since: 'created',
      before,
      limit,
      afterId,
    });
    return (rows as unknown as Selectable<EventTable>[]).map(toEvent);
  }

  // The unique (rule_id, event_id) constraint is what makes a second enforcement impossible.
  async createEnforcement(input: NewEnforcement): Promise<Enforcement | undefined> {
    const row = await this.#db
      .insertInto('enforcements')
      .values(toEnforcementRow(input, nowIso()))
      .onConflict((oc) => oc.columns(['rule_id', 'event_id']).doNothing())
      .returningAll()
      .executeTakeFirst();
    return row && toEnforcement(row);
  }

  async createEnforcements(inputs: readonly NewEnforcement[]): Promise<readonly Enforcement[]> {
    const now = nowIso();
    const rows = await inSlices(inputs, async (slice) => {
      const rowsToWrite = slice.map((input) => toEnforcementRow(input, now));
      const columns = Object.keys(rowsToWrite[0] ?? {}) as (keyof (typeof rowsToWrite)[number])[];
      const key = slice.length <= COMPILED_ROWS_MAX ? `enforcements.createMany:${slice.length}` : undefined;
      const values = rowsToWrite.flatMap((row) => columns.map((column) => row[column]));
      const { rows: written } = await this.#queries.run(this.#db, key, values, (...bound) =>
        this.#db
          .insertInto('enforcements')
          .values(rowsToWrite.map((_, r) => Object.fromEntries(columns.map((column, c) => [column, bound[r * columns.length + c]])) as (typeof rowsToWrite)[number]))
          .onConflict((oc) => oc.columns(['rule_id', 'event_id']).doNothing())
          .returningAll(),
      );
      return written;
    });
    return byId(rows).map(toEnforcement);
  }

  async linkExecution(enforcement: EnforcementId, execution: ExecutionId): Promise<void> {
    await this.#db
      .updateTable('enforcements')
      .set({ execution_id: execution, updated: nowIso() })
      .where('id', '=', enforcement)
      .execute();
  }

  async linkExecutions(links: readonly { readonly enforcementId: EnforcementId; readonly executionId: ExecutionId }[]): Promise<void> {
    const now = nowIso();
    await inSlices(links, async (slice) => {
      const n = slice.length;
      const key = n <= COMPILED_ROWS_MAX ? `enforcements.linkExecutions:${n}` : undefined;
      // Values: the (enforcement, execution) pairs, then the time.
      const values = [...slice.flatMap((link) => [link.enforcementId as number, link.executionId as number]), now];
      await this.#queries.run(this.#db, key, values, (...bound) => {
        // One CASE over the slice; the casts give PostgreSQL the parameters' type.
        const cases = sql.join(
          slice.map((_, i) => sql`when ${bound[2 * i]} then cast(${bound[2 * i + 1]} as integer)`),
          sql` `,
        );
        return this.#db
          .updateTable('enforcements')
          .set({ execution_id: sql<number>`case ${sql.ref('id')} ${cases} end`, updated: bound[2 * n] as string })
          .where(
            'id',
            'in',
            slice.map((_, i) => bound[2 * i] as number),
          );
      });
      return [];
    });
  }

  async listEnforcements(filter: EnforcementFilter): Promise<Page<Enforcement>> {
    let query = this.#db.selectFrom('enforcements');
    if (filter.ruleRef !== undefined) query = query.where('rule_ref', '=', filter.ruleRef);
    if (filter.eventId !== undefined) query = query.where('event_id', '=', filter.eventId);
    return readPage(query.selectAll().orderBy('id', 'desc').limit(filter.limit).offset(filter.offset).execute(), countRows(query), toEnforcement);
  }

  async outcome(id: EventId, limit: number): Promise<StoredEventOutcome | undefined> {
    // One row per enforcement (one row of nulls when there is none), each with its execution if it has one.
    const { rows } = await this.#queries.run(this.#db, 'events.outcome', [id, limit], (i, n) =>
      this.#db
        .selectFrom('events')
        .leftJoin('enforcements', 'enforcements.event_id', 'events.id')
        .leftJoin('executions', 'executions.id', 'enforcements.execution_id')
        .select(['events.processed_at', 'executions.id as execution_id', 'executions.status', 'executions.result'])
        .where('events.id', '=', i)
        .orderBy('enforcements.id', 'desc')
        .limit(n),
    );
    const [first] = rows;
    if (!first) return undefined;
    const executions: StoredEventOutcome['executions'][number][] = [];
    for (const row of rows) {
      if (row.execution_id === null || row.status === null) continue;
      executions.push({ id: executionId(row.execution_id), status: row.status as ExecutionStatus, result: fromJson(row.result) });
    }
    return { processed: first.processed_at !== null, executions };
  }
}
