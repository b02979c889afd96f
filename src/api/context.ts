import type { AuditLog, AuthService, IdentityAdmin, PermissionSetAdmin, ServiceTokens, TokenAdmin } from '../auth/index.js';
import type { Notifier } from '../notifier/index.js';
import type { EventOutcomes, ExecutionQueries, ExecutionRequests, InquiryService } from '../executor/index.js';
import type { PackCatalog, PackQueries, PackRegistry } from '../packs/index.js';
import type { EnforcementQueries, RuleService } from '../rules/index.js';
import type { KeyService } from '../secrets/index.js';
import type { EventIngest, EventQueries, SensorStatusSource } from '../sensors/index.js';
import type { WorkerQueries } from '../worker/index.js';
import type { Readiness } from './readiness.js';

/**
 * What the routes may use: services of the folders that own each resource. Routes never see the
 * bus or the database; a route that needs a new read asks its owning folder for it (a method on
 * its `…Queries` service), so the store stays behind the services.
 */
export interface ApiContext {
  /** Logins, tokens and who a request comes from. */
  readonly auth: AuthService;
  /** Identities and the sets they hold; custom permission sets; integration tokens. */
  readonly identities: IdentityAdmin;
  readonly permissionSets: PermissionSetAdmin;
  readonly tokens: TokenAdmin;
  /** The audit log: routes that change something record it here (see acting.ts). */
  readonly audit: AuditLog;
  /** Action schemas, which say which stored parameters are secrets to mask. */
  readonly catalog: PackCatalog;
  readonly packs: PackRegistry;
  /** Packs, actions, triggers and sensors as stored. */
  readonly packQueries: PackQueries;
  readonly executions: ExecutionRequests;
  readonly executionQueries: ExecutionQueries;
  /** Inquiries: listed, shown and answered (issue 9 §4). */
  readonly inquiries: Pick<InquiryService, 'list' | 'get' | 'respond'>;
  /** What a webhook's events ran, for `?wait=`. */
  readonly outcomes: Pick<EventOutcomes, 'watch'>;
  readonly rules: RuleService;
  readonly enforcementQueries: EnforcementQueries;
  readonly ingest: EventIngest;
  readonly eventQueries: EventQueries;
  /** The key datastore: values sealed, shown only to who may read them. */
  readonly keys: KeyService;
  /** The sensor processes' status and logs: from this process's sensor service, or from the database. */
  readonly sensors: SensorStatusSource;
  /** Names of the services this process runs, reported by /health. */
  readonly services: readonly string[];
  /** /health answers 503 `ERR_NOT_READY` until every service runs. */
  readonly readiness: Readiness;
  readonly version: string;
  /** The live stream's fan-out (GET /api/v1/stream). */
  readonly notifier: Pick<Notifier, 'subscribe'>;
  /** The registered workers (GET /api/v1/workers). */
  readonly workerQueries: WorkerQueries;
  /** Renews sensor tokens (POST /auth/token/renew). */
  readonly serviceTokens: Pick<ServiceTokens, 'renew'>;
}
