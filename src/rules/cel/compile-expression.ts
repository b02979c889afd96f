import { type Environment, EvaluationError, ParseError, TypeError as CelTypeError, type ParseResult } from '@marcbachmann/cel-js';
import { isAstNode } from './cel-ast.js';
import { CelBudget, CelCostLimitError } from './cel-budget.js';
import { celBuiltins, celEnvironment, celMeter, MAX_EXPRESSION_LENGTH } from './cel-environment.js';
import { CelEvaluationError, toCelIssue, type CelIssue, type CelProblem } from './cel-error.js';
import { toCelValue } from './cel-value.js';

/** What a rule expression sees. JSON numbers in `payload`, `config` and `system` may be ints or doubles. */
export interface CelContext {
  readonly event: { readonly id: number; readonly trigger_ref: string; readonly payload: unknown; readonly created: string };
  readonly rule: { readonly ref: string; readonly pack_ref: string };
  readonly pack: { readonly config: Readonly<Record<string, unknown>> };
  readonly system: Readonly<Record<string, unknown>>;
  /** The keys a rule reads as `keystore.<name>` (docs/keys.md); loaded only for rules that use it. */
  readonly keystore?: Readonly<Record<string, string>>;
}

/** A CelContext converted once into CEL values, shared by every expression of one evaluation. */
export interface CelActivation {
  readonly values: Readonly<Record<string, unknown>>;
}

export function toCelActivation(ctx: CelContext): CelActivation {
  const { event } = ctx;
  return {
    values: {
      event: { id: BigInt(event.id), trigger_ref: event.trigger_ref, payload: toCelValue(event.payload), created: event.created },
      rule: { ref: ctx.rule.ref, pack_ref: ctx.rule.pack_ref },
      pack: { config: toCelValue(ctx.pack.config) },
      system: toCelValue(ctx.system),
      keystore: { ...ctx.keystore },
    },
  };
}

export interface CompiledExpression {
  readonly field: string;
  readonly expression: string;
  /**
   * Throws CelEvaluationError, also when `budget` runs out (kind `Cost limit exceeded`). Without
   * a budget the evaluation gets a fresh default one.
   */
  evaluate(activation: CelActivation, budget?: CelBudget): unknown;
}

export type CompileResult =
  | { readonly ok: true; readonly compiled: CompiledExpression }
  | { readonly ok: false; readonly issue: CelIssue };

/** Maps a library error (or anything thrown) to a kind, summary and 0-based position. */
export function describeCelFailure(error: unknown): CelProblem {
  if (error instanceof ParseError) return { kind: 'Syntax error', summary: error.summary, position: error.range?.start };
  if (error instanceof CelTypeError) return { kind: 'Type error', summary: error.summary, position: error.range?.start };
  if (error instanceof EvaluationError) return { kind: 'Evaluation error', summary: error.summary, position: error.range?.start };
  if (error instanceof CelCostLimitError) return { kind: 'Cost limit exceeded', summary: error.message };
  return { kind: 'Error', summary: error instanceof Error ? error.message : String(error) };
}

function parseAndCheck(expression: string, env: Environment): { parsed: ParseResult; type: string } | CelProblem {
  if (expression.length > MAX_EXPRESSION_LENGTH) {
    return { kind: 'Limit exceeded', summary: `expression is longer than ${MAX_EXPRESSION_LENGTH} characters` };
  }
  if (expression.trim() === '') return { kind: 'Syntax error', summary: 'expression is empty' };
  let parsed: ParseResult;
  try {
    parsed = env.parse(expression);
  } catch (error) {
    return describeCelFailure(error);
  }
  const checked = parsed.check();
  if (!checked.valid) return describeCelFailure(checked.error);
  const [badPattern] = celBuiltins.patch(parsed.ast);
  if (badPattern) return { kind: 'Regular expression error', summary: badPattern.summary, position: badPattern.position };
  return { parsed, type: checked.type ?? 'dyn' };
}

function toCompiled(field: string, expression: string, parsed: ParseResult): CompiledExpression {
  const root: unknown = parsed.ast;
  if (!isAstNode(root)) throw new Error('cel-js: a parsed expression has no AST root (did the library change?)');
  return {
    field,
    expression,
    evaluate(activation, budget = new CelBudget()) {
      try {
        return celMeter.measure(budget, root, () => parsed(activation.values) as unknown);
      } catch (error) {
        throw new CelEvaluationError(field, expression, describeCelFailure(error), error);
      }
    },
  };
}

/**
 * Parses and type-checks one expression. With `resultType: 'bool'` the static type must be
 * `bool` or `dyn` (a dyn result is checked again when evaluated, by the caller).
 */
export function compileExpression(field: string, expression: string, resultType?: 'bool', env: Environment = celEnvironment): CompileResult {
  const checked = parseAndCheck(expression, env);
  if ('kind' in checked) return { ok: false, issue: toCelIssue(field, expression, checked) };
  if (resultType === 'bool' && checked.type !== 'bool' && checked.type !== 'dyn') {
    const problem = { kind: 'Type error', summary: `a condition must be a bool, not ${checked.type}` };
    return { ok: false, issue: toCelIssue(field, expression, problem) };
  }
  return { ok: true, compiled: toCompiled(field, expression, checked.parsed) };
}
