import { createRequire } from 'node:module';
import type { Ajv as AjvInstance, ErrorObject, ValidateFunction } from 'ajv';

/**
 * Parameter schemas are flat (DESIGN §3): a map from parameter name to a small spec. They are
 * converted to JSON Schema once and validated with Ajv at every boundary.
 */
export const PARAMETER_TYPES = ['string', 'integer', 'number', 'boolean', 'object', 'array'] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];

export interface ParameterSpec {
  readonly type: ParameterType;
  readonly description?: string;
  readonly default?: unknown;
  readonly enum?: readonly unknown[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly required?: boolean;
  readonly secret?: boolean;
}

export type FlatSchema = Readonly<Record<string, ParameterSpec>>;

/** JSON Schema that checks a flat schema itself (used when loading packs). */
export const FLAT_SCHEMA_JSON_SCHEMA = {
  type: 'object',
  propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
  additionalProperties: {
    type: 'object',
    required: ['type'],
    additionalProperties: false,
    properties: {
      type: { enum: [...PARAMETER_TYPES] },
      description: { type: 'string' },
      default: {},
      enum: { type: 'array', minItems: 1 },
      minimum: { type: 'number' },
      maximum: { type: 'number' },
      required: { type: 'boolean' },
      secret: { type: 'boolean' },
    },
  },
} as const;

export interface JsonSchemaObject {
  readonly type: 'object';
  readonly properties: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly required: readonly string[];
  readonly additionalProperties: false;
}

export function toJsonSchema(flat: FlatSchema): JsonSchemaObject {
  const properties: Record<string, Record<string, unknown>> = {};
  const required: string[] = [];
  for (const [name, spec] of Object.entries(flat)) {
    const property: Record<string, unknown> = { type: spec.type };
    if (spec.description !== undefined) property.description = spec.description;
    if (spec.default !== undefined) property.default = spec.default;
    if (spec.enum !== undefined) property.enum = spec.enum;
    if (spec.minimum !== undefined) property.minimum = spec.minimum;
    if (spec.maximum !== undefined) property.maximum = spec.maximum;
    properties[name] = property;
    if (spec.required === true && spec.default === undefined) required.push(name);
  }
  return { type: 'object', properties, required, additionalProperties: false };
}

/** One parameter that failed validation. */
export interface ParameterProblem {
  readonly parameter: string;
  readonly message: string;
}

export type ParameterCheck =
  | { readonly ok: true; readonly value: Record<string, unknown> }
  | { readonly ok: false; readonly problems: readonly ParameterProblem[] };

/*
 * Ajv is loaded on the first validation, not with the domain: the domain is imported by every
 * process, including the CLI and the spawner helper, which never validate parameters, and Ajv
 * alone costs ~100 ms of start-up. createRequire keeps the load synchronous (Ajv is CommonJS).
 */
let ajv: AjvInstance | undefined;
const validators = new Map<string, ValidateFunction>();

function loadAjv(): AjvInstance {
  const { Ajv } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
  // toJsonSchema writes these schemas from flat ones the pack-file schema has checked: checking
  // them against Ajv's meta-schema too would compile that, ~40 ms at the first start, for nothing.
  return new Ajv({ allErrors: true, useDefaults: true, strict: false, validateSchema: false });
}

function validatorFor(flat: FlatSchema): ValidateFunction {
  const key = JSON.stringify(flat);
  let validate = validators.get(key);
  if (!validate) {
    ajv ??= loadAjv();
    validate = ajv.compile(toJsonSchema(flat));
    validators.set(key, validate);
  }
  return validate;
}

/**
 * Validates parameters against a flat schema and applies defaults. The input is never mutated:
 * the returned value is a copy with defaults filled in.
 */
export function checkParameters(flat: FlatSchema, input: unknown): ParameterCheck {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, problems: [{ parameter: '', message: 'parameters must be an object' }] };
  }
  const value = structuredClone(input) as Record<string, unknown>;
  const validate = validatorFor(flat);
  if (validate(value)) return { ok: true, value };
  return { ok: false, problems: (validate.errors ?? []).map(describeAjvError) };
}

function describeAjvError(error: ErrorObject): ParameterProblem {
  const path = error.instancePath.replace(/^\//, '').replaceAll('/', '.');
  switch (error.keyword) {
    case 'required': {
      const missing = String((error.params as { missingProperty: string }).missingProperty);
      return { parameter: missing, message: 'is required' };
    }
    case 'additionalProperties': {
      const extra = String((error.params as { additionalProperty: string }).additionalProperty);
      return { parameter: extra, message: 'is not a parameter of this action' };
    }
    case 'enum': {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
      return { parameter: path, message: `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}` };
    }
    default:
      return { parameter: path, message: error.message ?? 'is invalid' };
  }
}

/** Names of the parameters marked secret, whose values must never be stored or logged in clear. */
export function secretParameters(flat: FlatSchema): readonly string[] {
  return Object.entries(flat)
    .filter(([, spec]) => spec.secret === true)
    .map(([name]) => name);
}

export const REDACTED = '********';

/** The schema with `names` marked secret too (parameters a rule filled from a key, say). */
export function withSecrets(flat: FlatSchema, names: readonly string[]): FlatSchema {
  const known = names.filter((name) => Object.hasOwn(flat, name));
  if (known.length === 0) return flat;
  return { ...flat, ...Object.fromEntries(known.map((name) => [name, { ...flat[name], secret: true } as ParameterSpec])) };
}
