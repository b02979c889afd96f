export { ExecutionRequests, type ExecutionRequest, type ExecutionRequestsOptions } from './execution-requests.js';
export { ExecutorService, type ExecutorServiceOptions, type InquiryStarter, type WorkflowStarter } from './executor-service.js';
export { WorkflowEngine, type WorkflowEngineOptions } from './workflow-engine.js';
export { ExecutionQueries, type WorkflowTaskSummary } from './execution-queries.js';
export { EventOutcomes, type EventOutcome, type ExecutionOutcome } from './event-outcomes.js';
export { ASK_ACTION, InquiryService, type InquiryResponder, type InquiryServiceOptions } from './inquiry-service.js';
