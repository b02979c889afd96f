import { COMPONENT_NAME_PATTERN, parseRef, type FlatSchema, type ParameterSpec, type ValidationIssue } from '../domain/index.js';
import type { ComponentFile } from './file-schemas.js';
import type { PackFiles } from './pack-files.js';
import { issueAt, type YamlSource } from './yaml-source.js';

export interface ComponentId {
  readonly ref: string;
  readonly name: string;
}

const NAME_RULE = 'lower case letters, digits, "_" or "-", starting with a letter or digit';

/**
 * A component names itself with `ref: <pack>.<name>` or `name: <name>` (or both, agreeing). The
 * full ref is always `<pack>.<name>`. `packRef` is undefined when pack.yaml itself is broken; the
 * prefix cannot be checked then, but everything else still is.
 */
export function resolveComponentId(
  source: YamlSource,
  file: ComponentFile,
  packRef: string | undefined,
): { readonly id?: ComponentId; readonly issues: readonly ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  let name = file.name;
  if (name !== undefined && !COMPONENT_NAME_PATTERN.test(name)) {
    issues.push(issueAt(source, ['name'], `must be ${NAME_RULE}`));
  }
  if (file.ref !== undefined) {
    const parsed = parseRef(file.ref);
    if (!parsed) {
      issues.push(issueAt(source, ['ref'], `must be "<pack>.<name>" in lower case, e.g. "${packRef ?? 'mypack'}.${file.name ?? 'my_action'}"`));
    } else if (packRef !== undefined && parsed.pack !== packRef) {
      issues.push(issueAt(source, ['ref'], `must start with the pack's ref "${packRef}." (found "${parsed.pack}.")`));
    } else if (name !== undefined && parsed.name !== name) {
      issues.push(issueAt(source, ['name'], `does not match the ref "${file.ref}"`));
    } else {
      name = parsed.name;
    }
  } else if (name === undefined) {
    issues.push(issueAt(source, ['name'], 'is required (give "name", or "ref" as "<pack>.<name>")'));
  }
  if (issues.length > 0 || name === undefined) return { issues };
  const pack = packRef ?? parseRef(file.ref ?? '')?.pack ?? '';
  return { id: { ref: `${pack}.${name}`, name }, issues };
}

/** A ref to another component (`trigger_ref`, `action_ref`, an entry of `trigger_types`). */
export function refFormatIssues(source: YamlSource, segments: readonly string[], ref: string): ValidationIssue[] {
  return parseRef(ref) ? [] : [issueAt(source, segments, `must be a ref "<pack>.<name>" in lower case (found "${ref}")`)];
}

/** Each parameter's `default` must itself satisfy the parameter's type, enum and bounds. */
export function defaultIssues(source: YamlSource, schema: FlatSchema | undefined, base: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const [name, spec] of Object.entries(schema ?? {})) {
    if (spec.default === undefined) continue;
    const problem = valueProblem(spec, spec.default);
    if (problem) issues.push(issueAt(source, [base, name, 'default'], problem));
  }
  return issues;
}

function valueProblem(spec: ParameterSpec, value: unknown): string | undefined {
  if (!hasType(spec.type, value)) return `must be of type ${spec.type} (found ${describeValue(value)})`;
  if (spec.enum && !spec.enum.some((allowed) => JSON.stringify(allowed) === JSON.stringify(value))) {
    return `must be one of ${spec.enum.map((allowed) => JSON.stringify(allowed)).join(', ')}`;
  }
  if (typeof value === 'number') {
    if (spec.minimum !== undefined && value < spec.minimum) return `must be >= ${spec.minimum}`;
    if (spec.maximum !== undefined && value > spec.maximum) return `must be <= ${spec.maximum}`;
  }
  return undefined;
}

function hasType(type: ParameterSpec['type'], value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : JSON.stringify(value);
}

/**
 * The program of a non-builtin action or sensor must be a regular file inside its folder
 * (`actions/` or `sensors/`) whose real path stays inside the pack: an entry point that climbs
 * out of the folder, or a symlink that leads out of the pack, is refused rather than followed.
 */
export async function entryPointIssues(
  source: YamlSource,
  files: PackFiles,
  folder: 'actions' | 'sensors',
  entryPoint: string,
): Promise<ValidationIssue[]> {
  const problem = await files.programProblem(folder, entryPoint);
  return problem === undefined ? [] : [issueAt(source, ['entry_point'], problem)];
}

const SHELL_CMD = 'a shell-cmd action runs its parameter cmd as its command line';

/**
 * A shell-cmd action has no program file: it runs its `cmd` parameter, which must be declared a
 * string it cannot run without (required, or given a default), and runs in its `cwd` parameter,
 * a string too when declared.
 */
export function commandLineIssues(
  source: YamlSource,
  file: { readonly entry_point?: string | undefined; readonly parameters?: FlatSchema | undefined },
  isParametersClean: boolean,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (file.entry_point !== undefined) issues.push(issueAt(source, ['entry_point'], `is not allowed: ${SHELL_CMD}, not a file`));
  if (!isParametersClean) return issues;
  const { cmd, cwd } = file.parameters ?? {};
  if (cmd === undefined) {
    issues.push(issueAt(source, ['parameters', 'cmd'], `is required: ${SHELL_CMD} (declare it with type: string, required: true)`));
  } else if (cmd.type !== 'string') {
    issues.push(issueAt(source, ['parameters', 'cmd', 'type'], `must be string: ${SHELL_CMD}`));
  } else if (cmd.required !== true && cmd.default === undefined) {
    issues.push(issueAt(source, ['parameters', 'cmd', 'required'], `must be true (or cmd given a default): ${SHELL_CMD}`));
  }
  if (cwd !== undefined && cwd.type !== 'string') {
    issues.push(issueAt(source, ['parameters', 'cwd', 'type'], 'must be string: a shell-cmd action runs in the directory cwd names'));
  }
  return issues;
}
