import type { CreateTableBuilder, Dialect, RawBuilder } from 'kysely';

export const DIALECT_KINDS = ['sqlite', 'postgres'] as const;
export type DialectKind = (typeof DIALECT_KINDS)[number];

/** The SQL type `jsonField` reads a field as. */
export const JSON_FIELD_TYPES = ['number', 'text', 'flag'] as const;
export type JsonFieldType = (typeof JSON_FIELD_TYPES)[number];

/** What a field read as each type comes back as; a missing or JSON null field is SQL NULL. */
export interface JsonFieldValues {
  readonly number: number;
  readonly text: string;
  /** 1 when the field is JSON `true`, else 0 (or NULL when missing). */
  readonly flag: 0 | 1;
}

/**
 * What differs between databases, and nothing more (Kysely's DialectAdapter is the model).
 * Repositories and migrations are written once against Kysely; where a database spells a thing
 * its own way, they ask the dialect instead of testing which dialect they run on. Kysely itself
 * already covers RETURNING, ON CONFLICT, transactional DDL and the migration lock.
 */
export interface StoreDialect {
  readonly kind: DialectKind;
  createKyselyDialect(): Dialect;
  /**
   * The schema the store's tables live in, where a database has several (PostgreSQL's
   * search_path); the migrator keeps its own tables there too, or it would find another
   * schema's and believe this one migrated. Undefined: the database's default.
   */
  readonly schema?: string;
  /**
   * Whether `SELECT … FOR UPDATE SKIP LOCKED` exists: processes that take a batch of rows at once
   * (re-drive) then each take different rows instead of queueing behind one another. SQLite has
   * one writer, whose statements never interleave, so it needs no row locks.
   */
  readonly supportsSkipLocked: boolean;
  /** Runs once after the connection opens (pragmas, session settings). */
  prepare?(): Promise<void>;
  /**
   * Adds the table's generated integer primary key `id`, which never takes the id of a deleted
   * row (an id in a message or a log always names one row). Released migrations call this, so
   * what it writes for a dialect must never change. SQLite: `integer primary key autoincrement`;
   * PostgreSQL: `serial primary key`.
   */
  addIdColumn<TB extends string>(table: CreateTableBuilder<TB>): CreateTableBuilder<TB, 'id'>;
  /**
   * Reads one top-level field of a JSON text column inside the database, so a large document
   * need not be sent to the process to read a small field of it (execution result summaries).
   * `column` and `key` are identifiers from code, never user input. SQLite:
   * `json_extract(column, '$.key')`; PostgreSQL: `(column::jsonb ->> 'key')` cast to the type.
   */
  jsonField<T extends JsonFieldType>(column: string, key: string, type: T): RawBuilder<JsonFieldValues[T] | null>;
  /**
   * After rows were inserted with ids given (an import), moves `table`'s id generator past its
   * largest id, so the next generated id is new. Undefined where inserting an id already does so
   * (SQLite's autoincrement). PostgreSQL: `setval` on the serial's sequence.
   */
  syncIdSequence?(table: string): RawBuilder<unknown>;
}
