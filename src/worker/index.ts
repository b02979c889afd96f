export { ActionRunner, type ActionRunnerOptions } from './action-runner.js';
export type { ProcessRunnerOptions } from './process-runner.js';
export {
  RUN_OUTCOME_STATUSES,
  type RunningAction,
  type RunOutcome,
  type RunOutcomeStatus,
  type RunRequest,
  type StopReason,
} from './run-request.js';
export type { BuiltinAction, BuiltinContext, BuiltinRegistry, BuiltinResult } from './builtins/builtin-registry.js';
export { pureBuiltin } from './builtins/builtin-registry.js';
export { createDefaultBuiltins } from './builtins/default-builtins.js';
export type { HttpRequestData } from './builtins/http-request.js';
export { encodeParameters } from './parameter-encoding.js';
export { PARAMETERS_FILE_ENV, sweepParameterFiles } from './runners/parameter-delivery.js';
export { WorkerService, type WorkerServiceOptions } from './worker-service.js';
export { Spawner, type SpawnerOptions } from './spawner/spawner-client.js';
export { type ExecutionCredentials, executionPermissionSet } from './execution-credentials.js';
export { WorkerQueries } from './worker-queries.js';
export { offeredRuntimes, type OfferedRuntimes } from './offered-runtimes.js';
