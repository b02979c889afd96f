import { AppError } from '../domain/index.js';
import type { ParameterType } from '../domain/index.js';

export interface Assignment {
  readonly key: string;
  readonly value: string;
}

/** Splits `key=value` arguments on the first `=`; `key=` is an empty string. */
export function parseAssignments(args: readonly string[]): Assignment[] {
  return args.map((arg) => {
    const at = arg.indexOf('=');
    if (at <= 0) throw new AppError('ERR_CLI_USAGE', `expected a parameter as key=value, got "${arg}"`);
    return { key: arg.slice(0, at), value: arg.slice(at + 1) };
  });
}

/**
 * Converts raw values by the action's declared parameter types: strings stay as typed (even
 * "42"), every other type is JSON. Unknown names are sent as strings so the API names them in
 * its own validation error. `specs` is the action's `parameters` map, which the API types as a
 * free object, so each entry's `type` is read defensively.
 *
 * A name given twice is an error, never "the last one wins": `tags=a tags=b` would silently
 * drop a value. A list is one JSON value (`tags='["a","b"]'`).
 */
export function convertParameters(
  assignments: readonly Assignment[],
  specs: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of assignments) {
    if (Object.hasOwn(out, key)) {
      throw new AppError('ERR_CLI_USAGE', `parameter "${key}" is given twice; give each parameter once (a list is one JSON value, e.g. ${key}='["a","b"]')`);
    }
    const spec = Object.hasOwn(specs, key) ? specs[key] : undefined;
    out[key] = convertValue(key, value, spec);
  }
  return out;
}

/** Parameters from `--params-file` and from the command line; a name in both is an error. */
export function mergeParameters(
  fromFile: Readonly<Record<string, unknown>>,
  fromArgs: Readonly<Record<string, unknown>>,
  file: string,
): Record<string, unknown> {
  const both = Object.keys(fromArgs).find((key) => Object.hasOwn(fromFile, key));
  if (both !== undefined) {
    const source = file === '-' ? 'stdin' : file;
    throw new AppError('ERR_CLI_USAGE', `parameter "${both}" is given twice: in ${source} (--params-file) and on the command line`);
  }
  return { ...fromFile, ...fromArgs };
}

function convertValue(key: string, value: string, spec: unknown): unknown {
  const type = declaredType(spec);
  if (type === 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    // The value of a secret parameter is never echoed, not even in an error.
    const shown = isSecret(spec) ? 'the value' : `"${value}"`;
    throw new AppError('ERR_CLI_USAGE', `parameter "${key}" is of type ${type}: ${shown} is not valid JSON${example(type)}`);
  }
}

function isSecret(spec: unknown): boolean {
  return typeof spec === 'object' && spec !== null && 'secret' in spec && spec.secret === true;
}

/** A spec's `type` when it declares one as a string; otherwise the value is sent as typed. */
function declaredType(spec: unknown): string {
  if (typeof spec === 'object' && spec !== null && 'type' in spec && typeof spec.type === 'string') return spec.type;
  return 'string';
}

const EXAMPLES = {
  string: '',
  integer: ' (e.g. 3)',
  number: ' (e.g. 1.5)',
  boolean: ' (true or false)',
  object: ' (e.g. {"a":1})',
  array: ' (e.g. ["a","b"])',
} as const satisfies Record<ParameterType, string>;

function example(type: string): string {
  return Object.hasOwn(EXAMPLES, type) ? EXAMPLES[type as ParameterType] : '';
}
