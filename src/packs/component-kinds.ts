import type { FlatSchema, ValidationIssue, WorkflowSpec } from '../domain/index.js';
import { commandLineIssues, defaultIssues, entryPointIssues, refFormatIssues, type ComponentId } from './component-checks.js';
import {
  ACTION_FILE_SCHEMA,
  POLICY_FILE_SCHEMA,
  RULE_FILE_SCHEMA,
  SENSOR_FILE_SCHEMA,
  TRIGGER_FILE_SCHEMA,
  type ActionFile,
  type ComponentFile,
  type PolicyFile,
  type RuleFile,
  type SensorFile,
  type TriggerFile,
} from './file-schemas.js';
import {
  ACTION_DEFAULTS,
  type ActionDefinition,
  type PolicyDefinition,
  type RuleDefinition,
  type SensorDefinition,
  type TriggerDefinition,
} from './pack-definition.js';
import type { PackFiles } from './pack-files.js';
import { compileFileSchema, type FileValidator } from './schema-issues.js';
import { loadWorkflowFile } from './workflow-file.js';
import { issueAt, type YamlSource } from './yaml-source.js';

export type ComponentFolder = 'actions' | 'triggers' | 'sensors' | 'rules' | 'policies';

/** A ref one component makes to another (`trigger_ref`, an entry of `trigger_types`), with where it is. */
export interface LocalRef {
  readonly kind: 'actions' | 'triggers';
  readonly ref: string;
  readonly segments: readonly string[];
}

export interface CheckContext {
  readonly files: PackFiles;
  readonly source: YamlSource;
  /** True when schema validation found nothing wrong at or below this top-level field. */
  readonly isClean: (field: string) => boolean;
}

/** What checking a file found, and what else it read that building the definition needs. */
export interface Checked<X> {
  readonly issues: ValidationIssue[];
  readonly extra: X;
}

/** How one folder of component files is validated and turned into definitions. */
export interface ComponentKind<F extends ComponentFile, D, X = undefined> {
  readonly folder: ComponentFolder;
  readonly validate: FileValidator<F>;
  check(context: CheckContext, file: F): Promise<Checked<X>>;
  /** Refs to other components this file makes (to verify those within the pack exist). */
  refs(file: F): readonly LocalRef[];
  build(file: F, id: ComponentId, path: string, extra: X): D;
}

const only = (issues: ValidationIssue[]): Checked<undefined> => ({ issues, extra: undefined });

function common(file: ComponentFile, id: ComponentId, path: string) {
  return { ref: id.ref, name: id.name, label: file.label ?? id.name, description: file.description ?? '', file: path };
}

async function programIssues(
  context: CheckContext,
  folder: 'actions' | 'sensors',
  file: { readonly runner_type: string; readonly entry_point: string },
): Promise<ValidationIssue[]> {
  if (file.runner_type === 'builtin' || !context.isClean('runner_type') || !context.isClean('entry_point')) return [];
  return entryPointIssues(context.source, context.files, folder, file.entry_point);
}

/** Default checks for the flat schemas in `fields`, skipping any the schema check already faulted. */
function parameterIssues(context: CheckContext, fields: Readonly<Record<string, FlatSchema>>): ValidationIssue[] {
  return Object.entries(fields).flatMap(([field, schema]) =>
    context.isClean(field) ? defaultIssues(context.source, schema, field) : [],
  );
}

export const ACTION_KIND: ComponentKind<ActionFile, ActionDefinition, WorkflowSpec | null> = {
  folder: 'actions',
  validate: compileFileSchema<ActionFile>(ACTION_FILE_SCHEMA),
  async check(context, file) {
    const issues = parameterIssues(context, { parameters: file.parameters ?? {}, output: file.output ?? {} });
    if (file.workflow_file !== undefined) {
      const loaded = await loadWorkflowFile(context, file);
      return { issues: [...issues, ...loaded.issues], extra: loaded.workflow };
    }
    if (file.runner_type === 'shell-cmd') {
      return { issues: [...issues, ...commandLineIssues(context.source, file, context.isClean('parameters'))], extra: null };
    }
    const missing = (['runner_type', 'entry_point'] as const).filter((field) => file[field] === undefined);
    issues.push(...missing.map((field) => ({ ...issueAt(context.source, [], 'is required'), field })));
    if (missing.length > 0) return { issues, extra: null };
    const program = { runner_type: file.runner_type ?? 'builtin', entry_point: file.entry_point ?? '' };
    return { issues: [...issues, ...(await programIssues(context, 'actions', program))], extra: null };
  },
  refs: () => [],
  build: (file, id, path, workflow) => ({
    ...common(file, id, path),
    runnerType: workflow ? 'workflow' : (file.runner_type ?? 'builtin'),
    entryPoint: workflow ? (file.workflow_file ?? '') : (file.entry_point ?? ''),
    workflow,
    parameters: file.parameters ?? {},
    output: file.output ?? {},
    parameterDelivery: file.parameter_delivery ?? ACTION_DEFAULTS.parameterDelivery,
    parameterFormat: file.parameter_format ?? ACTION_DEFAULTS.parameterFormat,
    outputFormat: file.output_format ?? ACTION_DEFAULTS.outputFormat,
    timeoutSeconds: file.timeout_seconds ?? ACTION_DEFAULTS.timeoutSeconds,
    maxRetries: file.max_retries ?? ACTION_DEFAULTS.maxRetries,
    apiAccess: file.api_access ?? false,
    permissionSet: file.permission_set ?? null,
  }),
};

export const TRIGGER_KIND: ComponentKind<TriggerFile, TriggerDefinition> = {
  folder: 'triggers',
  validate: compileFileSchema<TriggerFile>(TRIGGER_FILE_SCHEMA),
  check: (context, file) => Promise.resolve(only(parameterIssues(context, { parameters: file.parameters ?? {}, output: file.output ?? {} }))),
  refs: () => [],
  build: (file, id, path) => ({
    ...common(file, id, path),
    type: file.type ?? 'custom',
    parameters: file.parameters ?? {},
    output: file.output ?? {},
  }),
};

export const SENSOR_KIND: ComponentKind<SensorFile, SensorDefinition> = {
  folder: 'sensors',
  validate: compileFileSchema<SensorFile>(SENSOR_FILE_SCHEMA),
  async check(context, file) {
    const issues = parameterIssues(context, { parameters: file.parameters ?? {} });
    if (context.isClean('trigger_types')) {
      file.trigger_types.forEach((ref, index) => issues.push(...refFormatIssues(context.source, ['trigger_types', String(index)], ref)));
    }
    return only([...issues, ...(await programIssues(context, 'sensors', file))]);
  },
  refs: (file) => file.trigger_types.map((ref, index) => ({ kind: 'triggers', ref, segments: ['trigger_types', String(index)] })),
  build: (file, id, path) => ({
    ...common(file, id, path),
    runnerType: file.runner_type,
    entryPoint: file.entry_point,
    triggerTypes: [...file.trigger_types],
    parameters: file.parameters ?? {},
    enabled: file.enabled ?? true,
    liveUpdates: file.live_updates ?? false,
  }),
};

export const RULE_KIND: ComponentKind<RuleFile, RuleDefinition> = {
  folder: 'rules',
  validate: compileFileSchema<RuleFile>(RULE_FILE_SCHEMA),
  check(context, file) {
    const issues: ValidationIssue[] = [];
    if (context.isClean('trigger_ref')) issues.push(...refFormatIssues(context.source, ['trigger_ref'], file.trigger_ref));
    if (context.isClean('action_ref')) issues.push(...refFormatIssues(context.source, ['action_ref'], file.action_ref));
    return Promise.resolve(only(issues));
  },
  refs: (file) => [
    { kind: 'triggers', ref: file.trigger_ref, segments: ['trigger_ref'] },
    { kind: 'actions', ref: file.action_ref, segments: ['action_ref'] },
  ],
  build: (file, id, path) => ({
    ...common(file, id, path),
    triggerRef: file.trigger_ref,
    triggerParams: file.trigger_params ?? {},
    conditions: typeof file.conditions === 'string' ? [file.conditions] : [...(file.conditions ?? [])],
    actionRef: file.action_ref,
    actionParams: file.action_params ?? {},
    enabled: file.enabled ?? true,
    permissionSet: file.permission_set ?? null,
  }),
};

export const POLICY_KIND: ComponentKind<PolicyFile, PolicyDefinition> = {
  folder: 'policies',
  validate: compileFileSchema<PolicyFile>(POLICY_FILE_SCHEMA),
  check(context, file) {
    const issues = context.isClean('action') ? refFormatIssues(context.source, ['action'], file.action) : [];
    if (context.isClean('kind') && context.isClean('window')) {
      if (file.kind === 'rate' && file.window === undefined) issues.push({ ...issueAt(context.source, [], 'is required by kind rate'), field: 'window' });
      if (file.kind !== 'rate' && file.window !== undefined) issues.push(issueAt(context.source, ['window'], `applies only to kind rate, not ${file.kind}`));
    }
    return Promise.resolve(only(issues));
  },
  refs: (file) => [{ kind: 'actions', ref: file.action, segments: ['action'] }],
  build: (file, id, path) => ({
    ...common(file, id, path),
    kind: file.kind,
    actionRef: file.action,
    max: file.max,
    onExceeded: file.on_exceeded ?? 'enqueue',
    per: [...(file.per ?? [])],
    windowSeconds: file.window ?? null,
  }),
};
