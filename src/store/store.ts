import { Kysely } from 'kysely';
import { ActionRepository } from './action-repository.js';
import type { DialectKind, StoreDialect } from './dialect.js';
import { EventRepository } from './event-repository.js';
import { ExecutionRepository } from './execution-repository.js';
import { migrateToLatest } from './migrate.js';
import { PackRepository } from './pack-repository.js';
import { RuleRepository } from './rule-repository.js';
import type { Database } from './schema.js';
import { TriggerRepository } from './trigger-repository.js';

/** The repositories, bound to one connection or one transaction. */
export class Repositories {
  readonly packs: PackRepository;
  readonly actions: ActionRepository;
  readonly executions: ExecutionRepository;
  readonly triggers: TriggerRepository;
  readonly rules: RuleRepository;
  readonly events: EventRepository;

  constructor(db: Kysely<Database>, dialect: StoreDialect) {
    this.packs = new PackRepository(db);
    this.actions = new ActionRepository(db);
    this.executions = new ExecutionRepository(db, dialect);
    this.triggers = new TriggerRepository(db);
    this.rules = new RuleRepository(db);
    this.events = new EventRepository(db);
  }
}

/**
 * The store: the only door to the database. Services use its repositories, and
 * `transaction()` when several writes must land together or not at all.
 */
export class Store extends Repositories {
  readonly dialect: DialectKind;
  readonly #db: Kysely<Database>;
  readonly #dialect: StoreDialect;

  private constructor(db: Kysely<Database>, dialect: StoreDialect) {
    super(db, dialect);
    this.#db = db;
    this.#dialect = dialect;
    this.dialect = dialect.kind;
  }

  /** Opens the database and brings its schema up to date. */
  static async open(dialect: StoreDialect): Promise<Store> {
    const db = new Kysely<Database>({ dialect: dialect.createKyselyDialect() });
    try {
      await dialect.prepare?.();
      await migrateToLatest(db as unknown as Kysely<unknown>, dialect);
    } catch (error) {
      await db.destroy();
      throw error;
    }
    return new Store(db, dialect);
  }

  transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T> {
    return this.#db.transaction().execute((trx) => work(new Repositories(trx, this.#dialect)));
  }

  async close(): Promise<void> {
    await this.#db.destroy();
  }
}
