import { isSeq } from 'yaml';
import type { FlatSchema, ValidationIssue } from '../domain/index.js';
import { checkRule } from '../rules/index.js';
import type { ActionDefinition, PolicyDefinition, RuleDefinition, SensorDefinition } from './pack-definition.js';
import { issueAt, type YamlSource } from './yaml-source.js';

/** Components already installed, which a pack's rules and sensors may refer to. */
export interface KnownComponents {
  /** Trigger refs with their parameter schemas. */
  readonly triggers: ReadonlyMap<string, FlatSchema>;
  readonly actions: ReadonlySet<string>;
  /** Refs of the permission sets that exist; when given, an action's or rule's `permission_set` must be one. */
  readonly permissionSets?: ReadonlySet<string>;
}

/** An action's or rule's `permission_set` that names no existing set (checked only when `known` lists the sets). */
export function permissionSetIssues(
  component: { readonly permissionSet: string | null },
  source: YamlSource,
  known: KnownComponents | undefined,
): ValidationIssue[] {
  const ref = component.permissionSet;
  if (ref === null || known?.permissionSets === undefined || known.permissionSets.has(ref)) return [];
  return [issueAt(source, ['permission_set'], `no permission set "${ref}" exists`)];
}

/**
 * A rule file's problems located in its YAML. Without `known` (parsing a pack on its own) only
 * the CEL expressions are checked; references are checked when registering.
 */
export function ruleIssues(rule: RuleDefinition, source: YamlSource, known: KnownComponents | undefined): ValidationIssue[] {
  const installed = known
    ? { triggerSchema: known.triggers.get(rule.triggerRef), hasAction: known.actions.has(rule.actionRef) }
    : { triggerSchema: {}, hasAction: true };
  const { problems } = checkRule(known ? rule : { ...rule, triggerParams: {} }, installed);
  // A single condition may be written as a plain string rather than a one-item list.
  const conditionsIsList = isSeq(source.doc.get('conditions', true));
  return problems.map((problem) => {
    const path = problem.path[0] === 'conditions' && !conditionsIsList ? ['conditions'] : problem.path;
    return issueAt(source, path, problem.message);
  });
}

export function sensorIssues(sensor: SensorDefinition, source: YamlSource, known: KnownComponents): ValidationIssue[] {
  return sensor.triggerTypes.flatMap((ref, index) =>
    known.triggers.has(ref) ? [] : [issueAt(source, ['trigger_types', String(index)], `no trigger "${ref}" is installed`)],
  );
}

/**
 * A policy's action must be installed (when `known` is given; one of this pack was checked
 * already); when the action is in this pack, each `per` entry must be one of its parameters.
 */
export function policyIssues(policy: PolicyDefinition, source: YamlSource, known: KnownComponents | undefined, own: ActionDefinition | undefined): ValidationIssue[] {
  if (known && !known.actions.has(policy.actionRef)) return [issueAt(source, ['action'], `no action "${policy.actionRef}" is installed`)];
  if (!own) return [];
  return policy.per.flatMap((name, index) =>
    name in own.parameters ? [] : [issueAt(source, ['per', String(index)], `"${name}" is not a parameter of ${own.ref}`)],
  );
}
