import type { ExecutionRequests } from '../executor/index.js';
import type { PackCatalog, PackRegistry } from '../packs/index.js';
import type { RuleService } from '../rules/index.js';
import type { EventIngest, SensorService } from '../sensors/index.js';
import type { Store } from '../store/index.js';
import type { Readiness } from './readiness.js';

/** What the routes may use. Routes never see the bus or the database directly. */
export interface ApiContext {
  readonly store: Store;
  /** Action schemas, which say which stored parameters are secrets to mask. */
  readonly catalog: PackCatalog;
  readonly packs: PackRegistry;
  readonly executions: ExecutionRequests;
  readonly rules: RuleService;
  readonly ingest: EventIngest;
  readonly sensors: SensorService;
  /** Names of the services this process runs, reported by /health. */
  readonly services: readonly string[];
  /** /health answers 503 `ERR_NOT_READY` until every service runs. */
  readonly readiness: Readiness;
  readonly version: string;
}
