export type { ActionFilter, ActionInput } from './action-repository.js';
export type { DialectKind, StoreDialect } from './dialect.js';
export { sqliteDialect } from './dialects/sqlite.js';
export type { ExecutionFilter, NewExecution, TransitionPatch } from './execution-repository.js';
export type { Page, PageRequest } from './rows.js';
export { Repositories, Store } from './store.js';
