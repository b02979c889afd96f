import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError, formatIssue, parseRef, type PackMeta, type ValidationIssue } from '../domain/index.js';
import { resolveComponentId, type ComponentId } from './component-checks.js';
import { ACTION_KIND, RULE_KIND, SENSOR_KIND, TRIGGER_KIND, type ComponentKind, type LocalRef } from './component-kinds.js';
import type { ComponentFile } from './file-schemas.js';
import { loadPackMeta } from './pack-meta.js';
import type {
  ActionDefinition,
  PackDefinition,
  RuleDefinition,
  SensorDefinition,
  TriggerDefinition,
} from './pack-definition.js';
import { type KnownComponents, ruleIssues, sensorIssues } from './reference-checks.js';
import { schemaIssues } from './schema-issues.js';
import { compareIssues, issueAt, parseYaml, type ParsedYaml, type YamlSource } from './yaml-source.js';

const YAML_EXTENSIONS = ['.yaml', '.yml'];

interface LoadContext {
  readonly root: string;
  readonly packRef: string | undefined;
  readonly issues: ValidationIssue[];
  readonly localRefs: LocalRef[];
}

interface Loaded<D> {
  readonly definition: D | undefined;
  readonly id: ComponentId | undefined;
  readonly source: YamlSource | undefined;
}

/**
 * Reads a pack directory (pack.yaml plus actions/, triggers/, sensors/ and rules/ *.yaml, in
 * sorted order), validates every file and returns the typed definition with defaults applied.
 * Pure parsing: nothing is written anywhere. Every problem in every file is collected first and
 * reported in one `ERR_PACK_INVALID` whose details are the located `ValidationIssue`s.
 */
export interface LoadPackOptions {
  /**
   * What is installed already. When given, every rule and sensor must refer to triggers and
   * actions that exist (installed or in this pack) and trigger_params must fit their trigger.
   */
  readonly known?: KnownComponents;
}

export async function loadPack(dir: string, options: LoadPackOptions = {}): Promise<PackDefinition> {
  const root = path.resolve(dir);
  const packFile = await findPackFile(root);
  const issues: ValidationIssue[] = [];
  const parsedMeta = await readYaml(root, packFile, issues);
  const { meta, packRef } = parsedMeta ? loadPackMeta(parsedMeta, issues) : { meta: undefined, packRef: undefined };
  const context: LoadContext = { root, packRef, issues, localRefs: [] };
  const actions = await loadComponents(context, ACTION_KIND);
  const triggers = await loadComponents(context, TRIGGER_KIND);
  const sensors = await loadComponents(context, SENSOR_KIND);
  const rules = await loadComponents(context, RULE_KIND);
  checkLocalRefs(context, { actions: refsOf(actions), triggers: refsOf(triggers) });
  checkRulesAndSensors(context, { rules, sensors, actions, triggers }, options.known);
  if (issues.length > 0 || !meta) throw packInvalid(issues);
  return deepFreeze({
    path: root,
    meta: meta satisfies PackMeta,
    actions: definitionsOf(actions),
    triggers: definitionsOf(triggers),
    sensors: definitionsOf(sensors),
    rules: definitionsOf(rules),
  });
}

function packInvalid(issues: readonly ValidationIssue[]): AppError {
  const [first] = issues;
  const summary = first ? formatIssue(first) : 'pack.yaml: the pack is invalid';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return new AppError('ERR_PACK_INVALID', `${summary}${more}`, { details: issues });
}

async function findPackFile(root: string): Promise<string> {
  const isDirectory = await stat(root).then(
    (stats) => stats.isDirectory(),
    () => false, // missing or unreadable: reported as not found below
  );
  if (!isDirectory) throw new AppError('ERR_PACK_PATH_NOT_FOUND', `pack directory ${root} does not exist`);
  for (const name of ['pack.yaml', 'pack.yml']) {
    const isFile = await stat(path.join(root, name)).then(
      (stats) => stats.isFile(),
      () => false, // try the next name
    );
    if (isFile) return name;
  }
  throw new AppError('ERR_PACK_PATH_NOT_FOUND', `${root} has no pack.yaml`);
}

/** Reads and parses one file; YAML and read errors become issues and yield undefined. */
async function readYaml(root: string, file: string, issues: ValidationIssue[]): Promise<ParsedYaml | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(root, file), 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    issues.push({ file, line: 1, column: 1, field: '', message: `cannot be read: ${reason}` });
    return undefined;
  }
  const parsed = parseYaml(file, text);
  issues.push(...parsed.issues);
  return parsed.issues.length > 0 ? undefined : parsed;
}

async function listYamlFiles(root: string, folder: string): Promise<string[]> {
  const entries = await readdir(path.join(root, folder), { withFileTypes: true }).catch((error: unknown) => {
    // A pack without this folder simply has no components of this kind.
    if (isCode(error, 'ENOENT') || isCode(error, 'ENOTDIR')) return [];
    throw error;
  });
  return entries
    .filter((entry) => (entry.isFile() || entry.isSymbolicLink()) && YAML_EXTENSIONS.includes(path.extname(entry.name)))
    .map((entry) => entry.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((name) => `${folder}/${name}`);
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

async function loadComponents<F extends ComponentFile, D>(
  context: LoadContext,
  kind: ComponentKind<F, D>,
): Promise<Loaded<D>[]> {
  const loaded: Loaded<D>[] = [];
  const seen = new Map<string, string>();
  for (const file of await listYamlFiles(context.root, kind.folder)) {
    const one = await loadComponent(context, kind, file);
    if (one.id && one.source) {
      const first = seen.get(one.id.ref);
      if (first !== undefined) {
        const field = one.source.doc.has('ref') ? 'ref' : 'name';
        context.issues.push(issueAt(one.source, [field], `duplicate ref "${one.id.ref}": ${first} defines it too`));
      } else {
        seen.set(one.id.ref, file);
      }
    }
    loaded.push(one);
  }
  return loaded;
}

async function loadComponent<F extends ComponentFile, D>(
  context: LoadContext,
  kind: ComponentKind<F, D>,
  file: string,
): Promise<Loaded<D>> {
  const parsed = await readYaml(context.root, file, context.issues);
  if (!parsed) return { definition: undefined, id: undefined, source: undefined };
  const { source, data } = parsed;
  const schema = schemaIssues(kind.validate, source, data);
  const faulted = new Set(schema.issues.map((issue) => issue.field.split('.')[0] ?? ''));
  const issues = [...schema.issues];
  let id: ComponentId | undefined;
  if (!faulted.has('')) {
    // The schema passed at the top level, so `data` is a mapping whose clean fields are typed as F.
    const typed = data as F;
    const isClean = (field: string): boolean => !faulted.has(field);
    if (isClean('ref') && isClean('name')) {
      const resolved = resolveComponentId(source, typed, context.packRef);
      issues.push(...resolved.issues);
      id = resolved.id;
    }
    issues.push(...(await kind.check({ packDir: context.root, source, isClean }, typed)));
  }
  context.issues.push(...issues.sort(compareIssues));
  if (issues.length > 0 || !id) return { definition: undefined, id, source };
  const typed = data as F;
  for (const ref of kind.refs(typed)) context.localRefs.push({ ...ref, source });
  return { definition: kind.build(typed, id, file), id, source };
}

/** Rules' expressions always; references to installed components when `known` is given. */
function checkRulesAndSensors(
  context: LoadContext,
  loaded: {
    rules: readonly Loaded<RuleDefinition>[];
    sensors: readonly Loaded<SensorDefinition>[];
    actions: readonly Loaded<ActionDefinition>[];
    triggers: readonly Loaded<TriggerDefinition>[];
  },
  known: KnownComponents | undefined,
): void {
  // Refs into this pack were checked by checkLocalRefs: count them as present here, not twice.
  const ownRefs = context.localRefs.filter((local) => parseRef(local.ref)?.pack === context.packRef);
  const all: KnownComponents | undefined = known && {
    triggers: new Map([
      ...known.triggers,
      ...ownRefs.filter((r) => r.kind === 'triggers').map((r) => [r.ref, {}] as const),
      ...definitionsOf(loaded.triggers).map((t) => [t.ref, t.parameters] as const),
    ]),
    actions: new Set([...known.actions, ...ownRefs.filter((r) => r.kind === 'actions').map((r) => r.ref)]),
  };
  for (const { definition, source } of loaded.rules) {
    if (!definition || !source) continue;
    context.issues.push(...ruleIssues(definition, source, all));
  }
  if (!all) return;
  for (const { definition, source } of loaded.sensors) {
    if (definition && source) context.issues.push(...sensorIssues(definition, source, all));
  }
}

function refsOf<D>(loaded: readonly Loaded<D>[]): ReadonlySet<string> {
  return new Set(loaded.flatMap((one) => (one.id ? [one.id.ref] : [])));
}

function definitionsOf<D>(loaded: readonly Loaded<D>[]): D[] {
  return loaded.flatMap((one) => (one.definition === undefined ? [] : [one.definition]));
}

/**
 * A ref into this same pack must name a component the pack defines; refs into other packs are
 * resolved at registration, against what is installed.
 */
function checkLocalRefs(context: LoadContext, defined: Readonly<Record<LocalRef['kind'], ReadonlySet<string>>>): void {
  const singular = { actions: 'action', triggers: 'trigger' } as const;
  for (const local of context.localRefs) {
    if (parseRef(local.ref)?.pack !== context.packRef || defined[local.kind].has(local.ref)) continue;
    context.issues.push(issueAt(local.source, local.segments, `no ${singular[local.kind]} "${local.ref}" is defined in this pack`));
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
