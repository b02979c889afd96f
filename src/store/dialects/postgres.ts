import pg from 'pg';
import { type PostgresPool, type PostgresPoolClient, PostgresAdapter, PostgresDialect, PostgresIntrospector, PostgresQueryCompiler, sql } from 'kysely';
import type { JsonFieldType, JsonFieldValues, StoreDialect } from '../dialect.js';
import { toStorageError } from './postgres-errors.js';

export interface PostgresDialectOptions {
  /** postgres://user:password@host:port/database (libpq URL; `?sslmode=…` and the like are honoured). */
  readonly url: string;
  /** Connections the pool keeps at most (config `database.pool_size`). */
  readonly poolSize: number;
  /** Schema the store's tables live in (the `search_path`); the server's default when unset. */
  readonly schema?: string;
  /**
   * Told when an idle pooled connection fails (the server restarted): the pool drops it and opens
   * another on demand, so this is for the log only. Without a listener pg would crash the process.
   */
  readonly onIdleError?: (error: Error) => void;
}

/** OIDs of int8 (count(*), bigserial) and numeric: pg returns them as strings, the store wants numbers. */
const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * The same parsers as pg's, but int8 and numeric become numbers: every id and count the store
 * reads is far below 2^53. Set on this pool only, not pg's global table.
 */
const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format ?? 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** How long opening a connection may take before the store reports ERR_STORAGE_UNAVAILABLE. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * PostgreSQL through node-postgres. Connections come from a pool (several processes and many
 * concurrent requests share the database); every write commits on its own, and PostgreSQL's own
 * group commit already merges the WAL flushes of concurrent commits, so the SQLite store's
 * batching has no counterpart here.
 */
export function postgresDialect(options: PostgresDialectOptions): StoreDialect {
  return Object.freeze({
    kind: 'postgres',
    supportsSkipLocked: true,
    ...(options.schema === undefined ? {} : { schema: options.schema }),
    // Released migrations call this: `serial` (int4) must stay what PostgreSQL ids are.
    addIdColumn: (table) => table.addColumn('id', 'serial', (c) => c.primaryKey()),
    jsonField: postgresJsonField,
    syncIdSequence: (table) =>
      sql`SELECT setval(pg_get_serial_sequence(${table}, 'id'), COALESCE((SELECT MAX(id) FROM ${sql.table(table)}), 0) + 1, false)`,
    createKyselyDialect() {
      const pool = new pg.Pool({
        connectionString: options.url,
        max: options.poolSize,
        types: TYPES,
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
      });
      pool.on('error', (error) => options.onIdleError?.(error));
      const dialect = new PostgresDialect({ pool: mapErrors(pool) });
      return {
        createDriver: () => dialect.createDriver(),
        createQueryCompiler: () => new PostgresQueryCompiler(),
        createAdapter: () => new PostgresAdapter(),
        createIntrospector: (db) => new PostgresIntrospector(db),
      };
    },
  } satisfies StoreDialect);
}

/** The pool as Kysely sees it, with every failure of a connection or a query passed through toStorageError. */
function mapErrors(pool: pg.Pool): PostgresPool {
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect().catch((error: unknown) => Promise.reject(toStorageError(error)));
      const query = async (text: string, parameters: readonly unknown[]) => {
        try {
          return await client.query(text, parameters as unknown[]);
        } catch (error) {
          throw toStorageError(error);
        }
      };
      // Kysely streams only through a cursor class, which this store never configures.
      return { query, release: (destroy?: boolean) => client.release(destroy) } as unknown as PostgresPoolClient;
    },
    end: () => pool.end(),
  };
}

/**
 * PostgreSQL's JSON operators refuse a document holding `\u0000` (a NUL in captured output)
 * anywhere, even to read another field: the escape becomes U+FFFD first. Only summaries read
 * this way; the stored text, and the result read whole, keep the NUL. A field of another JSON
 * type than asked reads as NULL for numbers (a cast would fail the query).
 */
function postgresJsonField<T extends JsonFieldType>(column: string, key: string, type: T) {
  const document = sql`replace(${sql.ref(column)}, '\\u0000', '\\ufffd')::json`;
  const field = sql`(${document} -> ${sql.lit(key)})`;
  const text = sql`(${document} ->> ${sql.lit(key)})`;
  const kind = sql`json_typeof(${field})`;
  if (type === 'flag') return sql<JsonFieldValues[T] | null>`(case when ${field} is null then null when ${kind} = 'boolean' and ${text} = 'true' then 1 else 0 end)`;
  if (type === 'number') return sql<JsonFieldValues[T] | null>`(case when ${kind} = 'number' then ${text}::float8 end)`;
  return sql<JsonFieldValues[T] | null>`${text}`;
}
