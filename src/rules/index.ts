export { CelError, CelEvaluationError, compileRule, type CelIssue } from './cel/index.js';
export { RuleEngine, type RuleEngineOptions } from './rule-engine.js';
export { RuleService, type RuleServiceOptions, type RuleSpec } from './rule-service.js';
export { checkRule, type CheckedRule, type RuleProblem } from './rule-checks.js';
export { isTemplateReference, sealActionParams } from './rule-secrets.js';
export { EnforcementQueries } from './enforcement-queries.js';
