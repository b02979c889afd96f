import { AppError } from '../domain/errors.js';
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
 */
export function convertParameters(
  assignments: readonly Assignment[],
  specs: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of assignments) {
    const spec = Object.hasOwn(specs, key) ? specs[key] : undefined;
    out[key] = convertValue(key, value, spec);
  }
  return out;
}

function convertValue(key: string, value: string, spec: unknown): unknown {
  const type = declaredType(spec);
  if (type === 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw new AppError('ERR_CLI_USAGE', `parameter "${key}" is of type ${type}: "${value}" is not valid JSON${example(type)}`);
  }
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
