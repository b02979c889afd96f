import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { SqliteDialect } from 'kysely';
import type { StoreDialect } from '../dialect.js';

/**
 * SQLite in WAL mode. synchronous=NORMAL keeps every committed transaction across a process
 * crash (kill -9); only an OS crash or power loss can lose the last commits, which is the usual
 * trade for an embedded store.
 */
export function sqliteDialect(file: string): StoreDialect {
  return {
    kind: 'sqlite',
    createKyselyDialect() {
      if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
      const database = new SqliteDatabase(file);
      database.pragma('journal_mode = WAL');
      database.pragma('synchronous = NORMAL');
      database.pragma('foreign_keys = ON');
      database.pragma('busy_timeout = 5000');
      return new SqliteDialect({ database });
    },
  };
}
