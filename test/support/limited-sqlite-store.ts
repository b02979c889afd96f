import SqliteDatabase from 'better-sqlite3';
import { SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from 'kysely';
import { GroupCommitSqliteDriver } from '../../src/store/dialects/sqlite-driver.js';
import { openStore, sqliteDialect, type Store } from '../../src/store/index.js';

/**
 * A real SQLite store whose database the test holds too, to make the disk "full" and free it
 * again: at `max_page_count` SQLite fails a write that needs a new page with SQLITE_FULL,
 * exactly as it does on ENOSPC.
 */
export interface LimitedSqliteStore {
  readonly store: Store;
  /** The store's own connection: for DDL the test needs (triggers), never for concurrent writes. */
  readonly db: SqliteDatabase.Database;
  /** No write that needs a new page succeeds until `free()`. */
  fill(): void;
  free(): void;
}

export async function openLimitedSqliteStore(file: string): Promise<LimitedSqliteStore> {
  const db = new SqliteDatabase(file);
  db.pragma('locking_mode = EXCLUSIVE');
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  // The SQLite dialect's SQL, on a connection this helper opened itself.
  const store = await openStore({
    ...sqliteDialect(file),
    createKyselyDialect: () => ({
      createDriver: () => new GroupCommitSqliteDriver(db),
      createQueryCompiler: () => new SqliteQueryCompiler(),
      createAdapter: () => new SqliteAdapter(),
      createIntrospector: (kysely) => new SqliteIntrospector(kysely),
    }),
  });
  return {
    store,
    db,
    fill: () => db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`),
    free: () => db.pragma('max_page_count = 1073741823'),
  };
}

/** A value large enough to need new pages: a full database cannot take it. */
export const PAGES_OF_TEXT = 'x'.repeat(20_000);
