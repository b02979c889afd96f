import { Kysely } from 'kysely';
import type { StoreDialect } from './dialect.js';
import { KyselyActionRepository } from './kysely-action-repository.js';
import { KyselyApiTokenRepository } from './kysely-api-token-repository.js';
import { KyselyAuditRepository } from './kysely-audit-repository.js';
import { KyselyEventRepository } from './kysely-event-repository.js';
import { KyselyExecutionRepository } from './kysely-execution-repository.js';
import { KyselyKeyRepository } from './kysely-key-repository.js';
import { KyselyLeaseRepository } from './kysely-lease-repository.js';
import { KyselyIdentityRepository } from './kysely-identity-repository.js';
import { KyselyPackRepository } from './kysely-pack-repository.js';
import { KyselyRestoreRepository } from './kysely-restore-repository.js';
import { KyselyPermissionSetRepository } from './kysely-permission-set-repository.js';
import { KyselyRuleRepository } from './kysely-rule-repository.js';
import { KyselySensorReportRepository } from './kysely-sensor-report-repository.js';
import { KyselyTriggerRepository } from './kysely-trigger-repository.js';
import { KyselyWorkerRepository } from './kysely-worker-repository.js';
import { KyselyWorkflowRepository } from './kysely-workflow-repository.js';
import { KyselyInquiryRepository } from './kysely-inquiry-repository.js';
import { KyselyPolicyRepository } from './kysely-policy-repository.js';
import { CompiledQueries } from './compiled-queries.js';
import { migrateToLatest } from './migrate.js';
import type { Database } from './schema.js';
import type { Repositories, Store } from './store.js';

/** The repositories, bound to one connection or one transaction. */
class KyselyRepositories implements Repositories {
  readonly packs: KyselyPackRepository;
  readonly actions: KyselyActionRepository;
  readonly triggers: KyselyTriggerRepository;
  readonly rules: KyselyRuleRepository;
  readonly events: KyselyEventRepository;
  readonly executions: KyselyExecutionRepository;
  readonly identities: KyselyIdentityRepository;
  readonly permissionSets: KyselyPermissionSetRepository;
  readonly apiTokens: KyselyApiTokenRepository;
  readonly audit: KyselyAuditRepository;
  readonly keys: KyselyKeyRepository;
  readonly workflows: KyselyWorkflowRepository;
  readonly workers: KyselyWorkerRepository;
  readonly inquiries: KyselyInquiryRepository;
  readonly leases: KyselyLeaseRepository;
  readonly restore: KyselyRestoreRepository;
  readonly policies: KyselyPolicyRepository;
  readonly sensorReports: KyselySensorReportRepository;

  constructor(db: Kysely<Database>, dialect: StoreDialect, queries: CompiledQueries) {
    this.packs = new KyselyPackRepository(db);
    this.actions = new KyselyActionRepository(db);
    this.triggers = new KyselyTriggerRepository(db);
    this.rules = new KyselyRuleRepository(db, queries);
    this.events = new KyselyEventRepository(db, dialect, queries);
    this.executions = new KyselyExecutionRepository(db, dialect, queries);
    this.identities = new KyselyIdentityRepository(db);
    this.permissionSets = new KyselyPermissionSetRepository(db);
    this.apiTokens = new KyselyApiTokenRepository(db);
    this.audit = new KyselyAuditRepository(db);
    this.keys = new KyselyKeyRepository(db);
    this.workflows = new KyselyWorkflowRepository(db, queries);
    this.workers = new KyselyWorkerRepository(db);
    this.inquiries = new KyselyInquiryRepository(db, queries);
    this.leases = new KyselyLeaseRepository(db);
    this.restore = new KyselyRestoreRepository(db, dialect);
    this.policies = new KyselyPolicyRepository(db, dialect);
    this.sensorReports = new KyselySensorReportRepository(db);
  }
}

/** The store on any SQL database Kysely speaks: the repositories are written once, the dialect says what differs. */
class KyselyStore extends KyselyRepositories implements Store {
  readonly #db: Kysely<Database>;
  readonly #dialect: StoreDialect;
  readonly #queries: CompiledQueries;

  constructor(db: Kysely<Database>, dialect: StoreDialect, queries = new CompiledQueries()) {
    super(db, dialect, queries);
    this.#db = db;
    this.#dialect = dialect;
    this.#queries = queries;
  }

  transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T> {
    return this.#db.transaction().execute((trx) => work(new KyselyRepositories(trx, this.#dialect, this.#queries)));
  }

  async close(): Promise<void> {
    await this.#db.destroy();
  }
}

/** Opens the database of `dialect` and brings its schema up to date. */
export async function openStore(dialect: StoreDialect): Promise<Store> {
  const db = new Kysely<Database>({ dialect: dialect.createKyselyDialect() });
  try {
    await dialect.prepare?.();
    await migrateToLatest(db as unknown as Kysely<unknown>, dialect);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return new KyselyStore(db, dialect);
}
