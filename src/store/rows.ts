import type { SelectQueryBuilder } from 'kysely';
import type { Database } from './schema.js';
import type { Page } from './store-types.js';

/** Shared row helpers for the repositories: JSON columns, timestamps and pages. */

export function toJson(value: unknown): string {
  return JSON.stringify(value ?? null);
}

export function fromJson<T>(text: string | null): T {
  return (text === null ? null : JSON.parse(text)) as T;
}

export function nowIso(): string {
  return new Date().toISOString();
}

/** The number of rows a filtered query matches, for a page's `total`. */
export function countRows<TB extends keyof Database>(query: SelectQueryBuilder<Database, TB, object>): Promise<{ total: number | string | bigint }> {
  return query.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
}

/** A page: its rows mapped to entities, and the total the filter matches. */
export async function readPage<Row, Item>(
  rows: Promise<Row[]>,
  count: Promise<{ total: number | string | bigint }>,
  map: (row: Row) => Item,
): Promise<Page<Item>> {
  const [list, { total }] = await Promise.all([rows, count]);
  return { items: list.map(map), total: Number(total) };
}

/**
 * Rows per multi-row statement: well under SQLite's 32,766 and PostgreSQL's 65,535 bound
 * parameters at the ~20 columns of the widest table.
 */
const ROWS_PER_STATEMENT = 500;

/** Runs `write` over `items` in slices small enough for one statement each, concatenating what each returns. */
export async function inSlices<T, R>(items: readonly T[], write: (slice: readonly T[]) => Promise<readonly R[]>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += ROWS_PER_STATEMENT) results.push(...(await write(items.slice(start, start + ROWS_PER_STATEMENT))));
  return results;
}

/**
 * Rows by ascending id. RETURNING promises no order; ids are assigned in the order of a
 * statement's VALUES (SQLite's rowids, PostgreSQL's sequence), so this is also the order given.
 */
export function byId<Row extends { readonly id: number }>(rows: Row[]): Row[] {
  return rows.sort((a, b) => a.id - b.id);
}

/**
 * Ids for an `IN (…)` list, padded to a power of two by repeating the last: the same rows match,
 * and the statement takes one of a few shapes, which stay prepared (each new list length is a
 * new SQL text for the database to prepare).
 */
export function paddedIds<T>(ids: readonly T[]): readonly T[] {
  const last = ids.at(-1);
  if (last === undefined) return ids;
  let size = 1;
  while (size < ids.length) size *= 2;
  return size === ids.length ? ids : [...ids, ...new Array<T>(size - ids.length).fill(last)];
}
