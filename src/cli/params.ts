import { AppError } from '../domain/errors.js';
import type { ParameterType } from '../domain/index.js';
import type { ParameterSpecJson } from './api-types.js';

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
 * its own validation error.
 */
export function convertParameters(
  assignments: readonly Assignment[],
  specs: Readonly<Record<string, ParameterSpecJson>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of assignments) {
    const spec = Object.hasOwn(specs, key) ? specs[key] : undefined;
    out[key] = convertValue(key, value, spec);
  }
  return out;
}

function convertValue(key: string, value: string, spec: ParameterSpecJson | undefined): unknown {
  const type = spec?.type ?? 'string';
  if (type === 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw new AppError('ERR_CLI_USAGE', `parameter "${key}" is of type ${type}: "${value}" is not valid JSON${example(type)}`);
  }
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
