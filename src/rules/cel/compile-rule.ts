import type { Environment } from '@marcbachmann/cel-js';
import { CelBudget } from './cel-budget.js';
import { celEnvironment } from './cel-environment.js';
import { CelError, CelEvaluationError, toCelIssue, type CelIssue } from './cel-error.js';
import { fromCelValue, stringifyCelValue } from './cel-value.js';
import {
  compileExpression,
  toCelActivation,
  type CelActivation,
  type CelContext,
  type CompiledExpression,
} from './compile-expression.js';
import { parseTemplate } from './template-parser.js';

export interface RuleExpressions {
  /** All must hold; an empty list always matches. */
  readonly conditions: readonly string[];
  readonly actionParams: Readonly<Record<string, unknown>>;
}

/**
 * `budget` is what the evaluation may spend (see cel-budget.ts); pass the same one to `matches`
 * and `render` to bound a rule's whole work on one event. Without one, each call gets a fresh
 * default budget.
 */
export interface CompiledRule {
  /** True when every condition holds. Throws CelEvaluationError when one fails, is not a bool, or the budget runs out. */
  matches(ctx: CelContext, budget?: CelBudget): boolean;
  /** The action parameters with every template rendered. Throws CelEvaluationError. */
  render(ctx: CelContext, budget?: CelBudget): Record<string, unknown>;
}

/** One evaluation: the converted context and the budget it spends from. */
export interface Evaluation {
  readonly activation: CelActivation;
  readonly budget: CelBudget;
}

/** A value with its templates compiled: rendered again for every evaluation. */
export type ParamNode =
  | { readonly kind: 'value'; readonly value: unknown }
  | { readonly kind: 'expression'; readonly compiled: CompiledExpression }
  | { readonly kind: 'mixed'; readonly parts: readonly (string | CompiledExpression)[] }
  | { readonly kind: 'list'; readonly items: readonly ParamNode[] }
  | { readonly kind: 'object'; readonly entries: readonly (readonly [string, ParamNode])[] };

function childField(parent: string, key: string): string {
  return /^[A-Za-z_][\w-]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Compiles one template expression; on failure records the issue and keeps going. */
function compileTemplateExpression(field: string, expression: string, issues: CelIssue[], env: Environment): CompiledExpression | undefined {
  const result = compileExpression(field, expression, undefined, env);
  if (result.ok) return result.compiled;
  issues.push(result.issue);
  return undefined;
}

function compileString(field: string, text: string, issues: CelIssue[], env: Environment): ParamNode {
  const parsed = parseTemplate(text);
  switch (parsed.kind) {
    case 'literal':
      return { kind: 'value', value: text };
    case 'invalid':
      issues.push(toCelIssue(field, text, { kind: 'Template error', summary: parsed.message, position: parsed.position }));
      return { kind: 'value', value: text };
    case 'whole': {
      const compiled = compileTemplateExpression(field, parsed.template.expression, issues, env);
      return compiled ? { kind: 'expression', compiled } : { kind: 'value', value: text };
    }
    case 'mixed': {
      const parts = parsed.parts.map((part) =>
        typeof part === 'string' ? part : compileTemplateExpression(field, part.expression, issues, env),
      );
      const compiledParts = parts.filter((part): part is string | CompiledExpression => part !== undefined);
      return { kind: 'mixed', parts: compiledParts };
    }
  }
}

function compileEntries(
  field: string,
  value: Readonly<Record<string, unknown>>,
  issues: CelIssue[],
  env: Environment = celEnvironment,
): (readonly [string, ParamNode])[] {
  return Object.entries(value).map(([key, item]) => [key, compileParam(childField(field, key), item, issues, env)] as const);
}

/**
 * Compiles every `{{ }}` in a value (a string, or strings anywhere in lists and maps) in `env`;
 * each bad expression is added to `issues` and left as literal text.
 */
export function compileParam(field: string, value: unknown, issues: CelIssue[], env: Environment = celEnvironment): ParamNode {
  if (typeof value === 'string') return compileString(field, value, issues, env);
  if (Array.isArray(value)) {
    return { kind: 'list', items: value.map((item: unknown, i) => compileParam(`${field}[${i}]`, item, issues, env)) };
  }
  if (isPlainObject(value)) return { kind: 'object', entries: compileEntries(field, value, issues, env) };
  return { kind: 'value', value };
}

/** The value of a compiled value: each template evaluated, whole templates keeping their type. */
export function renderParam(node: ParamNode, evaluation: Evaluation): unknown {
  const { activation, budget } = evaluation;
  switch (node.kind) {
    case 'value':
      return node.value;
    case 'expression':
      return fromCelValue(node.compiled.evaluate(activation, budget));
    case 'mixed':
      return node.parts
        .map((part) => (typeof part === 'string' ? part : stringifyCelValue(part.evaluate(activation, budget))))
        .join('');
    case 'list':
      return node.items.map((item) => renderParam(item, evaluation));
    case 'object':
      return renderEntries(node.entries, evaluation);
  }
}

function renderEntries(entries: readonly (readonly [string, ParamNode])[], evaluation: Evaluation): Record<string, unknown> {
  return Object.fromEntries(entries.map(([key, item]) => [key, renderParam(item, evaluation)]));
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'bigint') return 'int'; // CEL ints arrive as bigint
  if (typeof value === 'number') return 'double';
  return typeof value === 'object' ? 'map' : typeof value;
}

/** Evaluates a condition; a value that is not a bool is a CelEvaluationError. */
export function holds(condition: CompiledExpression, evaluation: Evaluation): boolean {
  const result = condition.evaluate(evaluation.activation, evaluation.budget);
  if (typeof result === 'boolean') return result;
  // Only reachable when the static type was dyn (e.g. a bare `event.payload.flag`).
  throw new CelEvaluationError(condition.field, condition.expression, {
    kind: 'Type error',
    summary: `a condition must evaluate to a bool, got ${describeType(result)}`,
  });
}

/**
 * Compiles and type-checks a rule's conditions and action_params templates. Throws CelError
 * listing every bad expression, so one save reports all of them.
 *
 * Caught at save time: syntax errors, unclosed or empty `{{ }}`, unknown variables (`evnt.x`),
 * unknown fields of `event`/`rule`/`pack`, unknown functions or methods, type errors on typed
 * values (`event.id > "x"`, `event.trigger_ref + 1`), conditions typed other than bool/dyn,
 * over-long or over-deep expressions. Not caught (payload, config and system are `dyn`):
 * `event.payload.count > "x"`, a missing payload key, `has()` on an unknown field of a declared
 * variable. Those fail at evaluation with CelEvaluationError.
 */
export function compileRule(spec: RuleExpressions): CompiledRule {
  const issues: CelIssue[] = [];
  const conditions: CompiledExpression[] = [];
  spec.conditions.forEach((expression, i) => {
    const result = compileExpression(`conditions[${i}]`, expression, 'bool');
    if (result.ok) conditions.push(result.compiled);
    else issues.push(result.issue);
  });
  const params = compileEntries('action_params', spec.actionParams, issues);
  if (issues.length > 0) throw new CelError(issues);
  return {
    matches: (ctx, budget = new CelBudget()) => {
      if (conditions.length === 0) return true;
      const evaluation = { activation: toCelActivation(ctx), budget };
      return conditions.every((condition) => holds(condition, evaluation));
    },
    render: (ctx, budget = new CelBudget()) => renderEntries(params, { activation: toCelActivation(ctx), budget }),
  };
}
