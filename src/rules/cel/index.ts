export { CelBudget, CelCostLimitError, DEFAULT_COST_LIMIT } from './cel-budget.js';
export { MAX_EXPRESSION_LENGTH } from './cel-environment.js';
export { MAX_PATTERN_LENGTH } from './cel-builtins.js';
export { CelError, CelEvaluationError, formatCelIssue, type CelIssue } from './cel-error.js';
export { type CelContext } from './compile-expression.js';
export { compileRule, type CompiledRule, type RuleExpressions } from './compile-rule.js';
export { CompiledRuleCache, ruleCacheKey, type CompiledRuleCacheOptions } from './compiled-rule-cache.js';
export {
  compileWorkflowCondition,
  compileWorkflowValue,
  type CompiledWorkflowCondition,
  type CompiledWorkflowValue,
  type WorkflowCompileResult,
  type WorkflowContext,
  type WorkflowTaskView,
} from './workflow-expressions.js';
export { parseTemplate } from './template-parser.js';
