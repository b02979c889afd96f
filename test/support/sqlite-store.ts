import { openStore, sqliteDialect, type Store } from '../../src/store/index.js';

/** A real SQLite store in `file`, as `attune up` opens it: the one place unit tests open a store. */
export function openSqliteStore(file: string): Promise<Store> {
  return openStore(sqliteDialect(file));
}
