import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { ValidationIssue } from '../domain/index.js';
import { PATTERN_MESSAGES } from './file-schemas.js';
import { fieldName, locateKey, locateValue, MAX_ISSUES_PER_FILE, type YamlSource } from './yaml-source.js';

// verbose: errors carry their schema, so unknown keys can suggest the known ones. Unoptimised
// code: the five file schemas compile at every start in about half the time (~100 ms less on a
// 2-core machine, docs/benchmarks.md), and a pack's few hundred files do not notice the difference.
// No check of the schemas against Ajv's meta-schema: compiling that was most of the compile time
// at start, for schemas that are ours and fixed; strict mode still refuses an unknown keyword
// when each schema compiles, and src/packs tests compile every one.
const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, verbose: true, validateSchema: false, code: { optimize: false } });

/** A file schema's validator, compiled on its first use: a start whose packs are all prebuilt compiles none. */
export interface FileValidator<T> {
  (data: unknown): data is T;
  errors?: ValidateFunction<T>['errors'];
}

export function compileFileSchema<T>(schema: object): FileValidator<T> {
  let compiled: ValidateFunction<T> | undefined;
  const validate = ((data: unknown) => {
    compiled ??= ajv.compile<T>(schema);
    const valid = compiled(data);
    validate.errors = compiled.errors;
    return valid;
  }) as FileValidator<T>;
  return validate;
}

/** Validates `data` and maps every Ajv error to an issue located in the YAML source. */
export function schemaIssues<T>(
  validate: FileValidator<T>,
  source: YamlSource,
  data: unknown,
): { readonly ok: boolean; readonly issues: readonly ValidationIssue[] } {
  if (validate(data)) return { ok: true, issues: [] };
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  for (const error of validate.errors ?? []) {
    // Locating an issue walks the file: past the cap (see capIssues) it would be work for nothing.
    if (issues.length > MAX_ISSUES_PER_FILE) break;
    const issue = toIssue(error, source);
    if (!issue) continue;
    const key = `${issue.field}\0${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return { ok: false, issues };
}

function segmentsOf(instancePath: string): string[] {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function toIssue(error: ErrorObject, source: YamlSource): ValidationIssue | undefined {
  const parent = segmentsOf(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      return { file: source.file, ...locateValue(source, parent), field: fieldName([...parent, missing]), message: 'is required' };
    }
    case 'additionalProperties': {
      const extra = String(params.additionalProperty);
      const message = `is not a known field${suggestion(extra, error.parentSchema)}`;
      return { file: source.file, ...locateKey(source, parent, extra), field: fieldName([...parent, extra]), message };
    }
    case 'propertyNames':
      // Ajv reports the failing name in a preceding error that carries `propertyName`.
      return undefined;
    default:
      break;
  }
  if (error.propertyName !== undefined) {
    const name = error.propertyName;
    const message = 'is not a valid name (letters, digits and "_", not starting with a digit)';
    return { file: source.file, ...locateKey(source, parent, name), field: fieldName([...parent, name]), message };
  }
  return { file: source.file, ...locateValue(source, parent), field: fieldName(parent), message: describe(error) };
}

function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'enum': {
      const allowed = params.allowedValues as unknown[];
      return `must be one of ${allowed.map((value) => JSON.stringify(value)).join(', ')}`;
    }
    case 'type': {
      const type = params.type;
      if (Array.isArray(type) && type.includes('array')) return 'must be a string or a list of strings';
      // YAML reads 1.0 or 2024-01-01 unquoted as numbers or other scalars; say how to get a string.
      const quote = type === 'string' && error.data !== null && typeof error.data !== 'object' ? ' (quote the value)' : '';
      return `must be ${article(String(type))}${quote}`;
    }
    case 'pattern':
      return PATTERN_MESSAGES[String(params.pattern)] ?? error.message ?? 'is invalid';
    default:
      return error.message ?? 'is invalid';
  }
}

function article(type: string): string {
  const word = type === 'object' ? 'mapping' : type === 'array' ? 'list' : type;
  return /^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`;
}

function suggestion(unknown: string, parentSchema: unknown): string {
  const properties = (parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
  if (!properties) return '';
  const close = Object.keys(properties).find((known) => editDistance(known, unknown) <= 2);
  return close ? ` (did you mean "${close}"?)` : '';
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
