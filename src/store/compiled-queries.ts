import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';
import type { Database } from './schema.js';

/** Stands in for a parameter while a query is compiled; found again, by identity, among the compiled parameters. */
class Slot {
  constructor(readonly index: number) {}
}

/**
 * Multi-row statements of up to this many rows are compiled once per row count; a larger batch,
 * rare, is built each time (a key per count: the cap bounds the cache).
 */
export const COMPILED_ROWS_MAX = 64;

/**
 * The hottest statements, built and compiled by Kysely once rather than on every call (building
 * and compiling cost about as much as SQLite running a small statement). A query is built with
 * placeholders for its values and compiled on first use; later calls put their values in the
 * placeholders' places. The SQL depends only on the dialect, so one cache serves the store and
 * every transaction of it.
 */
export class CompiledQueries {
  readonly #compiled = new Map<string, { readonly query: CompiledQuery; readonly slots: readonly (number | undefined)[] }>();

  /**
   * Runs the query `build` makes from `values`, built and compiled only the first time for `key`.
   * `build` must use each value as a bound value, and everything else that shapes the SQL
   * (list lengths, which columns are set) must be the same for every call with this `key`.
   * Without a key the query is built and compiled for this call only.
   */
  async run<V extends unknown[], R>(db: Kysely<Database>, key: string | undefined, values: readonly [...V], build: (...values: V) => Compilable<R>): Promise<QueryResult<R>> {
    if (key === undefined) return db.executeQuery(build(...(values as V)).compile());
    let entry = this.#compiled.get(key);
    if (!entry) {
      const query = build(...(values.map((_, index) => new Slot(index)) as unknown as V)).compile();
      const slots = query.parameters.map((parameter) => (parameter instanceof Slot ? parameter.index : undefined));
      if (new Set(slots.filter((slot) => slot !== undefined)).size !== values.length) {
        throw new Error(`compiled query ${key}: every value must be bound`);
      }
      entry = { query, slots };
      this.#compiled.set(key, entry);
    }
    const { query, slots } = entry;
    const parameters = query.parameters.map((parameter, i) => {
      const slot = slots[i];
      return slot === undefined ? parameter : values[slot];
    });
    return db.executeQuery<R>({ ...query, parameters } as CompiledQuery<R>);
  }
}
