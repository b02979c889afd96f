export type { ActionInput } from './action-repository.js';
export type { DialectKind, StoreDialect } from './dialect.js';
export { sqliteDialect } from './dialects/sqlite.js';
export type { ExecutionFilter, NewExecution, TransitionPatch } from './execution-repository.js';
export type { ComponentFilter, Page, PageRequest } from './rows.js';
export { Repositories, Store } from './store.js';
export type { EnforcementFilter, EventFilter, NewEvent } from './event-repository.js';
export type { RuleFilter, RuleInput } from './rule-repository.js';
export type { SensorInput, TriggerInput } from './trigger-repository.js';
