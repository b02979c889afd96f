export { ExecutionRequests, type ExecutionRequest, type ExecutionRequestsOptions } from './execution-requests.js';
export { ExecutorService, type ExecutorServiceOptions } from './executor-service.js';
export { ExecutionQueries } from './execution-queries.js';
export { EventOutcomes, type EventOutcome, type ExecutionOutcome } from './event-outcomes.js';
