import type { ExpressionBuilder, Expression, Kysely, SqlBool } from 'kysely';
import type { StoreDialect } from './dialect.js';
import { nowIso } from './rows.js';
import type { Database } from './schema.js';

type ClaimTable = 'events' | 'executions';
/** Both tables seen through their common columns: one code path claims from either. */
type Loose = Record<ClaimTable, Record<string, unknown> & { id: number; redriven_at: string | null }>;
export type ClaimExpressions = ExpressionBuilder<Loose, ClaimTable>;

export interface ClaimRequest {
  readonly table: ClaimTable;
  /** What makes a row wait for a re-drive (unprocessed; in a status), besides its age. */
  readonly waiting: (eb: ClaimExpressions) => Expression<SqlBool>;
  /** The column saying since when the row has waited (`created`, `updated`). */
  readonly since: 'created' | 'updated';
  readonly before: string;
  readonly limit: number;
  readonly afterId: number;
}

/**
 * Takes up to `limit` rows that have waited since `before` and were not claimed since then, by id
 * after `afterId`, and marks them claimed now (`redriven_at`), in one statement: processes that
 * re-drive at once each get other rows. Where the dialect has it, `FOR UPDATE SKIP LOCKED` lets
 * them pass rows another claim holds instead of queueing behind it; SQLite runs one statement at
 * a time, so the statement alone decides. Returns the rows in id order; the caller maps them.
 */
export async function claimForRedrive(db: Kysely<Database>, dialect: StoreDialect, request: ClaimRequest): Promise<Record<string, unknown>[]> {
  const loose = db as unknown as Kysely<Loose>;
  const { table, before } = request;
  const candidates = loose
    .selectFrom(table)
    .select('id')
    .where((eb) => eb.and([request.waiting(eb), eb(request.since, '<=', before)]))
    .where((eb) => eb.or([eb('redriven_at', 'is', null), eb('redriven_at', '<=', before)]))
    .where('id', '>', request.afterId)
    .orderBy('id')
    .limit(request.limit)
    .$if(dialect.supportsSkipLocked, (qb) => qb.forUpdate().skipLocked());
  const rows = await loose.updateTable(table).set({ redriven_at: nowIso() }).where('id', 'in', candidates).returningAll().execute();
  return rows.sort((a, b) => Number(a.id) - Number(b.id));
}
