export { CelError, CelEvaluationError, compileRule, type CelIssue } from './cel/index.js';
export { RuleEngine, type RuleEngineOptions } from './rule-engine.js';
export { RuleService, type RuleServiceOptions, type RuleSpec } from './rule-service.js';
export { isTemplateReference } from './rule-secrets.js';
export { EnforcementQueries } from './enforcement-queries.js';
