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
  PackRepository,
  Repositories,
  RuleRepository,
  Store,
  TriggerRepository,
} from './store.js';
export type {
  ActionInput,
  ComponentFilter,
  EnforcementFilter,
  EventFilter,
  ExecutionFilter,
  ExecutionSummary,
  NewEnforcement,
  NewEvent,
  NewExecution,
  Page,
  PageRequest,
  ResultSummary,
  RuleFilter,
  RuleInput,
  SensorInput,
  TransitionPatch,
  TriggerInput,
} from './store-types.js';
