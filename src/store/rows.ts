import type { SelectQueryBuilder } from 'kysely';
import type { Database } from './schema.js';

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

export interface PageRequest {
  readonly limit: number;
  readonly offset: number;
}

/** A page of one pack's components, or of every pack's. */
export interface ComponentFilter extends PageRequest {
  readonly packRef?: string;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly total: number;
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
