import type BetterSqlite3 from 'better-sqlite3';
import type { CompiledQuery, DatabaseConnection, Driver, QueryResult } from 'kysely';
import { IdleCheckpointer } from './idle-checkpoint.js';
import { toStorageError } from './sqlite-errors.js';

/** Distinct SQL texts kept prepared; the repositories issue a few dozen, `IN (…)` lists a few more. */
const STATEMENT_CACHE_SIZE = 256;

interface Batch {
  readonly committed: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

interface TurnConnection extends DatabaseConnection {
  release(): void;
  /** This turn's transaction holds the savepoint: only then may its rollback touch the database. */
  hasSavepoint: boolean;
}

/** SQLite has one connection: callers take turns, in order. */
class Mutex {
  #tail: Promise<void> = Promise.resolve();

  lock(): Promise<() => void> {
    let release!: () => void;
    const previous = this.#tail;
    this.#tail = new Promise((resolve) => (release = resolve));
    return previous.then(() => release);
  }
}

/**
 * A Kysely driver for better-sqlite3 that commits in groups.
 *
 * Every write joins an open batch transaction, which commits once the event loop has nothing
 * else to run; the write's promise resolves only after that commit, so no caller acts on a write
 * a crash could still lose. An explicit transaction is a savepoint inside the batch, holding the
 * connection alone until it is released (or rolled back, undoing only its own work); its commit
 * resolves with the batch's. SQLite writes every page a commit touched, and the pipeline's
 * writes touch the same few pages, so one commit for many writes costs about as much as one.
 *
 * Statements are kept prepared: Kysely prepares every query afresh, which costs as much as
 * running a small one (safe: better-sqlite3 runs a statement to completion synchronously, and
 * nothing here streams).
 */
export class GroupCommitSqliteDriver implements Driver {
  readonly #db: BetterSqlite3.Database;
  readonly #mutex = new Mutex();
  readonly #statements = new Map<string, BetterSqlite3.Statement>();
  #inTransaction = false;
  /** Why SQLite rolled back the batch under the open transaction; its remaining statements fail with it. */
  #lostTransaction: { readonly error: unknown } | undefined;
  #batch: Batch | undefined;
  readonly #checkpointer: IdleCheckpointer | undefined;

  /** `checkpointWhenIdle`: the database is a file in WAL mode, whose log is best moved between bursts (see IdleCheckpointer). */
  constructor(db: BetterSqlite3.Database, options: { readonly checkpointWhenIdle?: boolean } = {}) {
    this.#db = db;
    if (options.checkpointWhenIdle) {
      this.#checkpointer = new IdleCheckpointer(
        () => db.pragma('wal_checkpoint(PASSIVE)'),
        () => this.#batch === undefined && !db.inTransaction,
      );
    }
  }

  async init(): Promise<void> {}

  /** Each turn at the connection gets its own handle, so releasing it twice is harmless. */
  async acquireConnection(): Promise<DatabaseConnection> {
    const unlock = await this.#mutex.lock();
    let held = true;
    const release = () => {
      if (held) unlock();
      held = false;
    };
    const connection: TurnConnection = {
      release,
      hasSavepoint: false,
      executeQuery: <R>(query: CompiledQuery) => this.#execute<R>(query, release),
      streamQuery: () => {
        throw new Error('the SQLite store does not stream');
      },
    };
    return connection;
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    (connection as TurnConnection).release();
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      this.#openBatch();
      this.#run('savepoint attune_tx');
    } catch (error) {
      throw toStorageError(error);
    }
    (connection as TurnConnection).hasSavepoint = true;
    this.#inTransaction = true;
    this.#lostTransaction = undefined;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    // Thrown, Kysely rolls back: a transaction that lost its batch must never look committed.
    if (this.#lostTransaction) throw this.#lostTransaction.error;
    const batch = this.#openBatch();
    this.#run('release attune_tx');
    (connection as TurnConnection).hasSavepoint = false;
    this.#inTransaction = false;
    // Others may add to the batch while this transaction waits for it to be durable.
    await this.releaseConnection(connection);
    await batch.committed;
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const turn = connection as TurnConnection;
    // After a failed batch commit the savepoint is long released, and the connection may be in
    // another caller's hands: there is nothing of this transaction left to undo.
    if (!turn.hasSavepoint) return;
    turn.hasSavepoint = false;
    this.#inTransaction = false;
    const lost = this.#lostTransaction;
    this.#lostTransaction = undefined;
    if (lost || !this.#db.inTransaction) return;
    try {
      this.#run('rollback to attune_tx');
      this.#run('release attune_tx');
    } catch (error) {
      // Undoing just this transaction failed: undo the whole batch rather than commit half of it.
      this.#abandonBatch(toStorageError(error));
    }
  }

  async destroy(): Promise<void> {
    this.#checkpointer?.close();
    this.#inTransaction = false;
    this.#commitBatch();
    this.#db.close();
  }

  #execute<R>(query: CompiledQuery, release: () => void): Promise<QueryResult<R>> {
    try {
      if (this.#lostTransaction) throw this.#lostTransaction.error;
      const statement = this.#prepare(query.sql);
      if (this.#inTransaction || statement.readonly) return Promise.resolve(toResult<R>(statement, query.parameters));
      const { committed } = this.#openBatch();
      const result = toResult<R>(statement, query.parameters);
      release(); // the statement is done: others may join the batch while this write waits for it
      return committed.then(() => result);
    } catch (error) {
      const failure = toStorageError(error);
      // Usually SQLite undoes just the failed statement and the batch goes on. After some
      // failures (a full disk, an I/O error, RAISE(ROLLBACK)) it rolls back the whole transaction:
      // then the batch is gone, and every write in it must fail rather than report success.
      if (this.#batch && !this.#db.inTransaction) this.#abandonBatch(failure);
      return Promise.reject(failure);
    }
  }

  #openBatch(): Batch {
    if (this.#batch) return this.#batch;
    // A transaction a failed rollback left open would make every later `begin` fail: end it.
    if (this.#db.inTransaction) this.#run('rollback');
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const committed = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    // Each write awaits `committed`; a batch that fails before any write waits on it must not
    // count as an unhandled rejection (which would end the process).
    committed.catch(() => undefined);
    this.#run('begin');
    this.#batch = { committed, resolve, reject };
    setImmediate(() => this.#commitBatch());
    return this.#batch;
  }

  #commitBatch(): void {
    const batch = this.#batch;
    if (!batch) return;
    if (this.#inTransaction) {
      // Committing now would make half a transaction durable: wait until it ends.
      setImmediate(() => this.#commitBatch());
      return;
    }
    this.#batch = undefined;
    try {
      this.#run('commit');
      batch.resolve();
      this.#checkpointer?.noteCommit();
    } catch (error) {
      this.#rollbackQuietly();
      batch.reject(toStorageError(error));
    }
  }

  /** Rolls back the open batch and fails every write in it; a transaction in progress is lost with it. */
  #abandonBatch(error: unknown): void {
    const batch = this.#batch;
    this.#batch = undefined;
    this.#rollbackQuietly();
    if (this.#inTransaction) this.#lostTransaction = { error };
    batch?.reject(error);
  }

  #rollbackQuietly(): void {
    if (!this.#db.inTransaction) return;
    try {
      this.#run('rollback');
    } catch {
      // SQLite refused even the rollback (the disk is failing): the next batch retries it before it begins.
    }
  }

  #run(sql: string): void {
    this.#prepare(sql).run();
  }

  #prepare(sql: string): BetterSqlite3.Statement {
    let statement = this.#statements.get(sql);
    if (statement) {
      this.#statements.delete(sql); // re-inserted below: the map's order is least recently used first
    } else {
      statement = this.#db.prepare(sql);
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) this.#statements.delete(this.#statements.keys().next().value as string);
    }
    this.#statements.set(sql, statement);
    return statement;
  }
}

function toResult<R>(statement: BetterSqlite3.Statement, parameters: readonly unknown[]): QueryResult<R> {
  if (statement.reader) return { rows: statement.all(...parameters) as R[] };
  const { changes, lastInsertRowid } = statement.run(...parameters);
  return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
}
