/**
 * CEL for workflows (issue 9): the same language, limits, budget and built-ins as rules, over a
 * workflow's namespaces — `parameters`, `workflow` (its vars), `task` (the task deciding its
 * transitions: `name`, `status`, `result`), `item` and `index` (with_items), `keystore`, `system` —
 * with the helpers `succeeded()`, `failed()`, `timed_out()`, `result()` and `task('<name>')`.
 *
 * The helpers read the task of the evaluation in progress. Evaluation is synchronous, so "in
 * progress" is what `WorkflowCallScope.within` was given, as CelMeter does with its budget.
 */
import type { Environment } from '@marcbachmann/cel-js';
import { CelBudget } from './cel-budget.js';
import { celMeter, createCelEnvironment } from './cel-environment.js';
import { type CelIssue, toCelIssue } from './cel-error.js';
import { toCelValue } from './cel-value.js';
import { compileExpression, type CompiledExpression } from './compile-expression.js';
import { compileParam, holds, type ParamNode, renderParam } from './compile-rule.js';
import { parseTemplate } from './template-parser.js';

/** What a task looks like to the expressions: how it ended and what it returned. */
export interface WorkflowTaskView {
  readonly name: string;
  /** `succeeded`, `failed`, `timed_out`, `cancelled`, or `running` while it has not ended. */
  readonly status: string;
  readonly result: unknown;
}

/** What workflow expressions see; all plain JSON. */
export interface WorkflowContext {
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly workflow: Readonly<Record<string, unknown>>;
  /** The task whose transitions, publish or retry are being decided (`succeeded()`, `result()`). */
  readonly task?: WorkflowTaskView;
  /** Every task that has run so far, for `task('<name>')`. */
  readonly tasks: Readonly<Record<string, WorkflowTaskView>>;
  readonly item?: unknown;
  readonly index?: number;
  /** Values from the key store (filled by the key store's owner; empty until then). */
  readonly keystore: Readonly<Record<string, unknown>>;
  readonly system: Readonly<Record<string, unknown>>;
}

class WorkflowCallScope {
  #current: WorkflowContext | undefined;

  within<T>(ctx: WorkflowContext, evaluate: () => T): T {
    const outer = this.#current;
    this.#current = ctx;
    try {
      return evaluate();
    } finally {
      this.#current = outer;
    }
  }

  get task(): WorkflowTaskView | undefined {
    return this.#current?.task;
  }

  named(name: string): WorkflowTaskView | undefined {
    return this.#current?.tasks[name];
  }
}

const scope = new WorkflowCallScope();

const statusIs = (status: string) => () => scope.task?.status === status;

const workflowEnvironment: Environment = createCelEnvironment(celMeter, (env) => {
  for (const name of ['parameters', 'workflow', 'keystore', 'system']) env.registerVariable(name, 'map<string, dyn>');
  env.registerVariable('item', 'dyn');
  env.registerVariable('index', 'int');
  env.registerVariable({ name: 'task', schema: { name: 'string', status: 'string', result: 'dyn' } });
  env.registerFunction('succeeded(): bool', statusIs('succeeded'));
  env.registerFunction('failed(): bool', statusIs('failed'));
  env.registerFunction('timed_out(): bool', statusIs('timed_out'));
  env.registerFunction('result(): dyn', () => toCelValue(scope.task?.result ?? null));
  env.registerFunction('task(string): map<string, dyn>', (name: string) => {
    const found = scope.named(name);
    return toCelValue(found ? { name: found.name, status: found.status, result: found.result } : { name, status: 'not_run', result: null });
  });
});

function activationOf(ctx: WorkflowContext) {
  const values: Record<string, unknown> = {
    parameters: toCelValue(ctx.parameters),
    workflow: toCelValue(ctx.workflow),
    keystore: toCelValue(ctx.keystore),
    system: toCelValue(ctx.system),
    item: toCelValue(ctx.item ?? null),
    index: BigInt(ctx.index ?? 0),
    task: toCelValue(ctx.task ?? { name: '', status: 'running', result: null }),
  };
  return { values };
}

/** A workflow value with its templates compiled. */
export interface CompiledWorkflowValue {
  render(ctx: WorkflowContext, budget?: CelBudget): unknown;
}

/** A workflow condition (`when`) compiled: a `{{ }}` template that must yield a bool. */
export interface CompiledWorkflowCondition {
  holds(ctx: WorkflowContext, budget?: CelBudget): boolean;
}

export type WorkflowCompileResult<T> = { readonly ok: true; readonly compiled: T } | { readonly ok: false; readonly issues: readonly CelIssue[] };

/** Compiles a value whose strings may hold `{{ }}` templates (input, publish, output_map, with_items). */
export function compileWorkflowValue(field: string, value: unknown): WorkflowCompileResult<CompiledWorkflowValue> {
  const issues: CelIssue[] = [];
  const node: ParamNode = compileParam(field, value, issues, workflowEnvironment);
  if (issues.length > 0) return { ok: false, issues };
  return {
    ok: true,
    compiled: { render: (ctx, budget = new CelBudget()) => scope.within(ctx, () => renderParam(node, { activation: activationOf(ctx), budget })) },
  };
}

/** Compiles a condition written as one `{{ <CEL> }}` template (or bare CEL). */
export function compileWorkflowCondition(field: string, text: string): WorkflowCompileResult<CompiledWorkflowCondition> {
  const parsed = parseTemplate(text);
  if (parsed.kind === 'invalid') {
    return { ok: false, issues: [toCelIssue(field, text, { kind: 'Template error', summary: parsed.message, position: parsed.position })] };
  }
  if (parsed.kind === 'mixed') {
    return { ok: false, issues: [toCelIssue(field, text, { kind: 'Template error', summary: 'a condition must be one {{ }} template' })] };
  }
  const expression = parsed.kind === 'whole' ? parsed.template.expression : text;
  const result = compileExpression(field, expression, 'bool', workflowEnvironment);
  if (!result.ok) return { ok: false, issues: [result.issue] };
  const condition: CompiledExpression = result.compiled;
  return {
    ok: true,
    compiled: {
      holds: (ctx, budget = new CelBudget()) => scope.within(ctx, () => holds(condition, { activation: activationOf(ctx), budget })),
    },
  };
}
