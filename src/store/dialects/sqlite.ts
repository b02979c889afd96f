import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { type SqliteDatabase as KyselySqliteDatabase, SqliteDialect, type SqliteStatement } from 'kysely';
import type { StoreDialect } from '../dialect.js';

/** Distinct SQL texts kept prepared; the repositories issue a few dozen, `IN (…)` lists a few more. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely prepares every query afresh, and preparing costs as much as running a small query.
 * The repositories build their queries from a fixed set of shapes, so the prepared statements
 * are kept and reused (safe: better-sqlite3 runs a statement to completion synchronously, and
 * nothing here streams).
 */
function withStatementCache(database: SqliteDatabase.Database): KyselySqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    prepare(sql: string): SqliteStatement {
      let statement = statements.get(sql);
      if (statement) {
        statements.delete(sql); // re-inserted below: the map's order is least recently used first
      } else {
        statement = database.prepare(sql) as unknown as SqliteStatement;
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value as string);
      }
      statements.set(sql, statement);
      return statement;
    },
    close: () => database.close(),
  };
}

/**
 * SQLite in WAL mode. synchronous=NORMAL keeps every committed transaction across a process
 * crash (kill -9); only an OS crash or power loss can lose the last commits, which is the usual
 * trade for an embedded store. The one `attune up` owns the file (exclusive locking mode): no
 * file lock is taken and dropped around every transaction, which makes writes about half as
 * costly again, and no other process can open the database while Attune runs.
 */
export function sqliteDialect(file: string): StoreDialect {
  return {
    kind: 'sqlite',
    createKyselyDialect() {
      if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
      const database = new SqliteDatabase(file);
      if (file !== ':memory:') chmodSync(file, 0o600);
      database.pragma('journal_mode = WAL');
      database.pragma('synchronous = NORMAL');
      database.pragma('foreign_keys = ON');
      database.pragma('busy_timeout = 5000');
      database.pragma('locking_mode = EXCLUSIVE');
      return new SqliteDialect({ database: withStatementCache(database) });
    },
  };
}
