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
