import { type FlatSchema, checkParameters } from '../domain/index.js';
import { CelError, compileRule } from './cel/index.js';

/** One thing wrong with a rule, at a path of its fields (`['trigger_params', 'unit']`). */
export interface RuleProblem {
  readonly path: readonly string[];
  /** The field as users read it: `trigger_params.unit`, `conditions[0]`, `action_params.message`. */
  readonly field: string;
  readonly message: string;
}

export interface CheckedRule {
  readonly problems: readonly RuleProblem[];
  /** trigger_params with the trigger's defaults applied (when they were valid). */
  readonly triggerParams: Record<string, unknown>;
}

/** `action_params.list[1].x` → ['action_params', 'list', '1', 'x'] */
function celFieldPath(field: string): string[] {
  return field.split(/\.|\[(\d+)\]/).filter((part): part is string => part !== undefined && part !== '');
}

/**
 * Everything a rule must satisfy beyond its shape, in one place for pack files and the API: its
 * trigger and action are installed, trigger_params fit the trigger's schema, and every CEL
 * condition and template compiles and type-checks.
 */
export function checkRule(
  rule: {
    readonly triggerRef: string;
    readonly triggerParams: Readonly<Record<string, unknown>>;
    readonly conditions: readonly string[];
    readonly actionRef: string;
    readonly actionParams: Readonly<Record<string, unknown>>;
  },
  installed: { readonly triggerSchema: FlatSchema | undefined; readonly hasAction: boolean },
): CheckedRule {
  const problems: RuleProblem[] = [];
  let triggerParams: Record<string, unknown> = { ...rule.triggerParams };
  if (!installed.triggerSchema) problems.push({ path: ['trigger_ref'], field: 'trigger_ref', message: `no trigger "${rule.triggerRef}" is installed` });
  if (!installed.hasAction) problems.push({ path: ['action_ref'], field: 'action_ref', message: `no action "${rule.actionRef}" is installed` });
  if (installed.triggerSchema) {
    const checked = checkParameters(installed.triggerSchema, rule.triggerParams);
    if (checked.ok) triggerParams = checked.value;
    else {
      for (const p of checked.problems) {
        const path = ['trigger_params', ...p.parameter.split('.').filter(Boolean)];
        problems.push({ path, field: path.join('.'), message: p.message });
      }
    }
  }
  try {
    compileRule({ conditions: rule.conditions, actionParams: rule.actionParams });
  } catch (error) {
    if (!(error instanceof CelError)) throw error;
    for (const issue of error.issues) {
      problems.push({ path: celFieldPath(issue.field), field: issue.field, message: `${issue.expression}: ${issue.message}` });
    }
  }
  return { problems, triggerParams };
}
