import { PACKS_DEFAULTS } from '../config/index.js';
import { AppError, formatIssue, parseRef, type PackMeta, type ValidationIssue } from '../domain/index.js';
import { deepFreeze } from './deep-freeze.js';
import { resolveComponentId, type ComponentId } from './component-checks.js';
import { ACTION_KIND, POLICY_KIND, RULE_KIND, SENSOR_KIND, TRIGGER_KIND, type ComponentKind, type LocalRef } from './component-kinds.js';
import type { ComponentFile } from './file-schemas.js';
import { PackFiles, type PackLimits } from './pack-files.js';
import { loadPackMeta } from './pack-meta.js';
import type {
  ActionDefinition,
  PackDefinition,
  PolicyDefinition,
  RuleDefinition,
  SensorDefinition,
  TriggerDefinition,
} from './pack-definition.js';
import { type KnownComponents, permissionSetIssues, policyIssues, ruleIssues, sensorIssues } from './reference-checks.js';
import { schemaIssues } from './schema-issues.js';
import { capIssues, compareIssues, issueAt, parseYaml, type ParsedYaml, type YamlSource } from './yaml-source.js';

interface LoadContext {
  readonly files: PackFiles;
  readonly packRef: string | undefined;
  readonly issues: ValidationIssue[];
}

interface Loaded<D> {
  readonly definition: D | undefined;
  readonly id: ComponentId | undefined;
}

/** Checks of a rule or sensor against the rest of the pack, run while its YAML is still parsed. */
type LaterChecks<D> = (definition: D, source: YamlSource, refs: readonly LocalRef[]) => ValidationIssue[];

/**
 * Reads a pack directory (pack.yaml plus actions/, triggers/, sensors/, rules/ and policies/ *.yaml, in
 * sorted order), validates every file and returns the typed definition with defaults applied.
 * Pure parsing: nothing is written anywhere. Every problem in every file is collected first and
 * reported in one `ERR_PACK_INVALID` whose details are the located `ValidationIssue`s; a pack
 * beyond a `packs.*` limit stops at that limit.
 */
export interface LoadPackOptions {
  /**
   * What is installed already. When given, every rule and sensor must refer to triggers and
   * actions that exist (installed or in this pack) and trigger_params must fit their trigger.
   */
  readonly known?: KnownComponents;
  /** What one pack may hold; the configuration's defaults when not given. */
  readonly limits?: PackLimits;
}

export async function loadPack(dir: string, options: LoadPackOptions = {}): Promise<PackDefinition> {
  const files = await PackFiles.open(dir, options.limits ?? PACKS_DEFAULTS);
  const packFile = await files.findPackFile();
  const issues: ValidationIssue[] = [];
  const parsedMeta = await readYaml(files, packFile, issues);
  const { meta, packRef } = parsedMeta ? loadPackMeta(parsedMeta, issues) : { meta: undefined, packRef: undefined };
  const context: LoadContext = { files, packRef, issues };
  // Actions and triggers first, so each rule and sensor is checked against them as it is read:
  // no parsed document outlives its file (one costs up to a few hundred times its text).
  const actions = await loadComponents(context, ACTION_KIND, (action, source) => permissionSetIssues(action, source, options.known));
  const triggers = await loadComponents(context, TRIGGER_KIND);
  const later = laterChecks(context, { actions, triggers }, options.known);
  const sensors = await loadComponents(context, SENSOR_KIND, later.sensor);
  const rules = await loadComponents(context, RULE_KIND, later.rule);
  const policies = await loadComponents(context, POLICY_KIND, later.policy);
  if (issues.length > 0 || !meta) throw packInvalid(issues);
  return deepFreeze({
    path: files.root,
    meta: meta satisfies PackMeta,
    actions: definitionsOf(actions),
    triggers: definitionsOf(triggers),
    sensors: definitionsOf(sensors),
    rules: definitionsOf(rules),
    policies: definitionsOf(policies),
  });
}

function packInvalid(issues: readonly ValidationIssue[]): AppError {
  const [first] = issues;
  const summary = first ? formatIssue(first) : 'pack.yaml: the pack is invalid';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return new AppError('ERR_PACK_INVALID', `${summary}${more}`, { details: issues });
}

/** Reads and parses one file; YAML and read errors become issues and yield undefined. */
async function readYaml(files: PackFiles, file: string, issues: ValidationIssue[]): Promise<ParsedYaml | undefined> {
  const read = await files.readText(file);
  if ('issue' in read) {
    issues.push(read.issue);
    return undefined;
  }
  const parsed = parseYaml(file, read.text);
  issues.push(...parsed.issues);
  return parsed.issues.length > 0 ? undefined : parsed;
}

async function loadComponents<F extends ComponentFile, D, X>(
  context: LoadContext,
  kind: ComponentKind<F, D, X>,
  later?: LaterChecks<D>,
): Promise<Loaded<D>[]> {
  const loaded: Loaded<D>[] = [];
  const seen = new Map<string, string>();
  const listed = await context.files.listYaml(kind.folder);
  context.issues.push(...listed.issues);
  for (const file of listed.files) {
    const { id, source, definition } = await loadComponent(context, kind, file, later);
    if (id && source) {
      const first = seen.get(id.ref);
      if (first !== undefined) {
        const field = source.doc.has('ref') ? 'ref' : 'name';
        context.issues.push(issueAt(source, [field], `duplicate ref "${id.ref}": ${first} defines it too`));
      } else {
        seen.set(id.ref, file);
      }
    }
    loaded.push({ id, definition });
  }
  return loaded;
}

async function loadComponent<F extends ComponentFile, D, X>(
  context: LoadContext,
  kind: ComponentKind<F, D, X>,
  file: string,
  later: LaterChecks<D> | undefined,
): Promise<Loaded<D> & { readonly source: YamlSource | undefined }> {
  const parsed = await readYaml(context.files, file, context.issues);
  if (!parsed) return { definition: undefined, id: undefined, source: undefined };
  const { source, data } = parsed;
  const schema = schemaIssues(kind.validate, source, data);
  const faulted = new Set(schema.issues.map((issue) => issue.field.split('.')[0] ?? ''));
  const issues = [...schema.issues];
  let id: ComponentId | undefined;
  let extra: { readonly value: X } | undefined;
  if (!faulted.has('')) {
    // The schema passed at the top level, so `data` is a mapping whose clean fields are typed as F.
    const typed = data as F;
    const isClean = (field: string): boolean => !faulted.has(field);
    if (isClean('ref') && isClean('name')) {
      const resolved = resolveComponentId(source, typed, context.packRef);
      issues.push(...resolved.issues);
      id = resolved.id;
    }
    const checked = await kind.check({ files: context.files, source, isClean }, typed);
    issues.push(...checked.issues);
    extra = { value: checked.extra };
  }
  let definition: D | undefined;
  if (issues.length === 0 && id && extra) {
    const typed = data as F;
    definition = kind.build(typed, id, file, extra.value);
    if (later) issues.push(...later(definition, source, kind.refs(typed)));
  }
  context.issues.push(...capIssues(file, issues.sort(compareIssues)));
  return { definition: issues.length === 0 ? definition : undefined, id, source };
}

/**
 * The checks of rules and sensors that need the whole pack: a ref into this same pack must name
 * a component the pack defines; refs into other packs (and trigger_params) are checked against
 * what is installed when `known` is given, and rules' expressions always.
 */
function laterChecks(
  context: LoadContext,
  own: { readonly actions: readonly Loaded<ActionDefinition>[]; readonly triggers: readonly Loaded<TriggerDefinition>[] },
  known: KnownComponents | undefined,
): { readonly rule: LaterChecks<RuleDefinition>; readonly sensor: LaterChecks<SensorDefinition>; readonly policy: LaterChecks<PolicyDefinition> } {
  const defined = { actions: refsOf(own.actions), triggers: refsOf(own.triggers) };
  const all: KnownComponents | undefined = known && {
    triggers: new Map([...known.triggers, ...definitionsOf(own.triggers).map((t) => [t.ref, t.parameters] as const)]),
    actions: new Set([...known.actions, ...defined.actions]),
    ...(known.permissionSets ? { permissionSets: known.permissionSets } : {}),
  };
  const singular = { actions: 'action', triggers: 'trigger' } as const;
  const localIssues = (source: YamlSource, refs: readonly LocalRef[]): ValidationIssue[] =>
    refs
      .filter((local) => parseRef(local.ref)?.pack === context.packRef && !defined[local.kind].has(local.ref))
      .map((local) => issueAt(source, local.segments, `no ${singular[local.kind]} "${local.ref}" is defined in this pack`));
  // A ref into this pack was checked just above: count it as present below, not report it twice.
  const withOwn = (refs: readonly LocalRef[]): KnownComponents | undefined => all && withOwnRefs(all, context.packRef, refs);
  return {
    rule: (rule, source, refs) => [...localIssues(source, refs), ...ruleIssues(rule, source, withOwn(refs)), ...permissionSetIssues(rule, source, known)],
    sensor: (sensor, source, refs) => {
      const withKnown = withOwn(refs);
      return [...localIssues(source, refs), ...(withKnown ? sensorIssues(sensor, source, withKnown) : [])];
    },
    policy: (policy, source, refs) => {
      const action = definitionsOf(own.actions).find((one) => one.ref === policy.actionRef);
      return [...localIssues(source, refs), ...policyIssues(policy, source, withOwn(refs), action)];
    },
  };
}

function withOwnRefs(all: KnownComponents, packRef: string | undefined, refs: readonly LocalRef[]): KnownComponents {
  const own = refs.filter((local) => parseRef(local.ref)?.pack === packRef);
  const triggers = own.filter((local) => local.kind === 'triggers' && !all.triggers.has(local.ref));
  const actions = own.filter((local) => local.kind === 'actions' && !all.actions.has(local.ref));
  if (triggers.length === 0 && actions.length === 0) return all;
  return {
    triggers: new Map([...all.triggers, ...triggers.map((local) => [local.ref, {}] as const)]),
    actions: new Set([...all.actions, ...actions.map((local) => local.ref)]),
  };
}

function refsOf<D>(loaded: readonly Loaded<D>[]): ReadonlySet<string> {
  return new Set(loaded.flatMap((one) => (one.id ? [one.id.ref] : [])));
}

function definitionsOf<D>(loaded: readonly Loaded<D>[]): D[] {
  return loaded.flatMap((one) => (one.definition === undefined ? [] : [one.definition]));
}
