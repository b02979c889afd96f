import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler, sql } from 'kysely';
import type { JsonFieldType, JsonFieldValues, StoreDialect } from '../dialect.js';
import { GroupCommitSqliteDriver } from './sqlite-driver.js';

/**
 * SQLite in WAL mode. synchronous=NORMAL keeps every committed transaction across a process
 * crash (kill -9); only an OS crash or power loss can lose the last commits, which is the usual
 * trade for an embedded store. The one `attune up` owns the file (exclusive locking mode): no
 * file lock is taken and dropped around every transaction, which makes writes about half as
 * costly again, and no other process can open the database while Attune runs. Writes are
 * committed in groups (see GroupCommitSqliteDriver).
 */
export function sqliteDialect(file: string): StoreDialect {
  return Object.freeze({
    kind: 'sqlite',
    supportsSkipLocked: false,
    addIdColumn: (table) => table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement()),
    jsonField: sqliteJsonField,
    createKyselyDialect() {
      if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
      const database = new SqliteDatabase(file);
      if (file !== ':memory:') chmodSync(file, 0o600);
      // Exclusive before WAL: then the WAL index lives in memory and no -shm file is made.
      database.pragma('locking_mode = EXCLUSIVE');
      database.pragma('journal_mode = WAL');
      database.pragma('synchronous = NORMAL');
      database.pragma('foreign_keys = ON');
      database.pragma('busy_timeout = 5000');
      return {
        createDriver: () => new GroupCommitSqliteDriver(database, { checkpointWhenIdle: file !== ':memory:' }),
        createQueryCompiler: () => new SqliteQueryCompiler(),
        createAdapter: () => new SqliteAdapter(),
        createIntrospector: (db) => new SqliteIntrospector(db),
      };
    },
  } satisfies StoreDialect);
}

/** json_extract gives numbers and text their SQL type; `true` is compared by type, as the flag contract wants 1 or 0. */
function sqliteJsonField<T extends JsonFieldType>(column: string, key: string, type: T) {
  const path = `$.${key}`;
  return type === 'flag'
    ? sql<JsonFieldValues[T] | null>`(json_type(${sql.ref(column)}, ${path}) = 'true')`
    : sql<JsonFieldValues[T] | null>`json_extract(${sql.ref(column)}, ${path})`;
}
