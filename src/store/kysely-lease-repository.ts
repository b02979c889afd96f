import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import type { Database, LeaseTable } from './schema.js';
import type { LeaseRepository } from './store.js';
import type { Lease, LeaseRequest } from './store-types.js';

function toLease(row: Selectable<LeaseTable>): Lease {
  return {
    name: row.name,
    holder: row.holder,
    term: Number(row.term),
    expiresAt: row.expires_at,
    acquiredAt: row.acquired_at,
    renewedAt: row.renewed_at,
  };
}

/**
 * Leases by compare-and-set on one row: each statement decides alone (a conditional UPDATE is
 * atomic on both dialects, PostgreSQL re-checking its WHERE on the row it waited for), so of
 * several processes asking at once exactly one holds the lease.
 */
export class KyselyLeaseRepository implements LeaseRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async acquire(request: LeaseRequest): Promise<Lease | undefined> {
    const { name, holder, now, expiresAt } = request;
    const inserted = await this.#db
      .insertInto('leases')
      .values({ name, holder, term: 1, expires_at: expiresAt, acquired_at: now, renewed_at: now })
      .onConflict((oc) => oc.column('name').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) return toLease(inserted);
    // Still ours and live: the same holding, renewed. Free or expired: a new holding, a new term.
    const isOurs = (eb: ExpressionBuilder<Database, 'leases'>) =>
      eb.and([eb('holder', '=', holder), eb('expires_at', '>', now)]);
    const row = await this.#db
      .updateTable('leases')
      .set((eb) => ({
        holder,
        term: eb.case().when(isOurs(eb)).then(eb.ref('term')).else(eb('term', '+', 1)).end(),
        acquired_at: eb.case().when(isOurs(eb)).then(eb.ref('acquired_at')).else(now).end(),
        expires_at: expiresAt,
        renewed_at: now,
      }))
      .where('name', '=', name)
      .where((eb) => eb.or([eb('holder', '=', holder), eb('expires_at', '<=', now)]))
      .returningAll()
      .executeTakeFirst();
    return row ? toLease(row) : undefined;
  }

  async renew(request: LeaseRequest & { readonly term: number }): Promise<Lease | undefined> {
    const row = await this.#db
      .updateTable('leases')
      .set({ expires_at: request.expiresAt, renewed_at: request.now })
      .where('name', '=', request.name)
      .where('holder', '=', request.holder)
      .where('term', '=', request.term)
      .where('expires_at', '>', request.now)
      .returningAll()
      .executeTakeFirst();
    return row ? toLease(row) : undefined;
  }

  async release(name: string, holder: string, term: number, now: string): Promise<boolean> {
    const result = await this.#db
      .updateTable('leases')
      .set({ expires_at: now })
      .where('name', '=', name)
      .where('holder', '=', holder)
      .where('term', '=', term)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async get(name: string): Promise<Lease | undefined> {
    const row = await this.#db.selectFrom('leases').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? toLease(row) : undefined;
  }
}
