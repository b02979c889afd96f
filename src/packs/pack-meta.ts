import { checkParameters, type PackMeta, type ParameterProblem, type ValidationIssue } from '../domain/index.js';
import { defaultIssues } from './component-checks.js';
import { PACK_FILE_SCHEMA, type PackFile } from './file-schemas.js';
import { compileFileSchema, schemaIssues } from './schema-issues.js';
import { capIssues, compareIssues, issueAt, type ParsedYaml, type YamlSource } from './yaml-source.js';

const validatePackFile = compileFileSchema<PackFile>(PACK_FILE_SCHEMA);

export interface LoadedMeta {
  /** Undefined when pack.yaml has any problem. */
  readonly meta: PackMeta | undefined;
  /** The pack's ref whenever pack.yaml states a valid one, so components can still be checked. */
  readonly packRef: string | undefined;
}

/** Validates pack.yaml, pushing its problems onto `issues`. */
export function loadPackMeta(parsed: ParsedYaml, issues: ValidationIssue[]): LoadedMeta {
  const { source, data } = parsed;
  const schema = schemaIssues(validatePackFile, source, data);
  const fileIssues = [...schema.issues];
  const faulted = new Set(schema.issues.map((issue) => issue.field.split('.')[0] ?? ''));
  if (faulted.has('')) {
    issues.push(...capIssues(source.file, fileIssues.sort(compareIssues)));
    return { meta: undefined, packRef: undefined };
  }
  const file = data as PackFile;
  const packRef = faulted.has('ref') ? undefined : file.ref;
  let config = file.config ?? {};
  if (!faulted.has('conf_schema')) {
    const defaults = defaultIssues(source, file.conf_schema, 'conf_schema');
    fileIssues.push(...defaults);
    // Without a conf_schema the config is free-form; with one, it must match and gains its defaults.
    if (defaults.length === 0 && !faulted.has('config') && file.conf_schema !== undefined) {
      const checked = checkParameters(file.conf_schema, config);
      if (checked.ok) config = checked.value;
      else fileIssues.push(...checked.problems.map((problem) => configIssue(source, problem)));
    }
  }
  issues.push(...capIssues(source.file, fileIssues.sort(compareIssues)));
  if (fileIssues.length > 0 || packRef === undefined) return { meta: undefined, packRef };
  const meta: PackMeta = {
    ref: file.ref,
    label: file.label ?? file.ref,
    description: file.description ?? '',
    version: file.version,
    author: file.author ?? '',
    confSchema: file.conf_schema ?? {},
    config,
  };
  return { meta, packRef };
}

function configIssue(source: YamlSource, problem: ParameterProblem): ValidationIssue {
  const segments = ['config', ...problem.parameter.split('.').filter(Boolean)];
  // checkParameters words an undeclared key for actions; here it is a config key.
  const message = problem.message === 'is not a parameter of this action' ? 'is not declared in conf_schema' : problem.message;
  return issueAt(source, segments, message);
}
