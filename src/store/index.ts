export type { DialectKind, JsonFieldType, JsonFieldValues, StoreDialect } from './dialect.js';
export { sqliteDialect } from './dialects/sqlite.js';
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
  WorkflowRepository,
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
  WorkflowStatePatch,
  WorkflowStateRow,
} from './store-types.js';
