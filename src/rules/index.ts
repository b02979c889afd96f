export {
  CelError,
  CelEvaluationError,
  compileRule,
  compileWorkflowCondition,
  compileWorkflowValue,
  formatCelIssue,
  parseTemplate,
  type CelIssue,
  type CompiledWorkflowCondition,
  type CompiledWorkflowValue,
  type WorkflowContext,
  type WorkflowTaskView,
} from './cel/index.js';
export { RuleEngine, type RuleEngineOptions } from './rule-engine.js';
export { RuleService, type RuleServiceOptions, type RuleSpec } from './rule-service.js';
export { checkRule, type CheckedRule, type RuleProblem } from './rule-checks.js';
export { isTemplateReference, sealActionParams } from './rule-secrets.js';
export { EnforcementQueries } from './enforcement-queries.js';
