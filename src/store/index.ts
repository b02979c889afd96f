export type { DialectKind, JsonFieldType, JsonFieldValues, StoreDialect } from './dialect.js';
export { sqliteDialect } from './dialects/sqlite.js';
export type { PostgresDialectOptions } from './dialects/postgres.js';
export { loadPostgresDialect } from './load-postgres.js';
export { openStore } from './kysely-store.js';
export { STORAGE_ERROR_CODES, isStorageError } from './storage-errors.js';
export type {
  ActionRepository,
  EventRepository,
  ExecutionRepository,
  InquiryRepository,
  KeyRepository,
  LeaseRepository,
  PackRepository,
  Repositories,
  PolicyRepository,
  RuleRepository,
  Store,
  TriggerRepository,
  WorkerRepository,
  NewWorker,
  WorkflowRepository,
} from './store.js';
export type {
  ActionInput,
  AuditFilter,
  ComponentFilter,
  EnforcementFilter,
  EventFilter,
  ExecutionFilter,
  ExecutionSummary,
  InquiryFilter,
  InquirySettlement,
  KeyFilter,
  KeyInput,
  Lease,
  LeaseRequest,
  NewEnforcement,
  NewEvent,
  NewExecution,
  NewInquiry,
  Page,
  PageRequest,
  ResultSummary,
  RuleFilter,
  RuleInput,
  PolicyInput,
  SensorInput,
  StoredKey,
  TransitionPatch,
  TriggerInput,
  WorkflowStatePatch,
  WorkflowStateRow,
} from './store-types.js';
