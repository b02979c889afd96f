import {
  FLAT_SCHEMA_JSON_SCHEMA,
  OUTPUT_FORMATS,
  PACK_REF_PATTERN,
  PARAMETER_DELIVERIES,
  PARAMETER_FORMATS,
  POLICY_KINDS,
  POLICY_ON_EXCEEDED,
  RUNNER_TYPES,
  SENSOR_RUNNER_TYPES,
  type FlatSchema,
} from '../domain/index.js';

/**
 * JSON Schemas for each kind of pack file, with the snake_case keys of DESIGN §3. Unknown keys are
 * rejected (`additionalProperties: false`) so a typo is reported instead of silently ignored.
 * Component refs and cross-field rules are checked in code, after these schemas pass.
 */
export const SEMVER_PATTERN =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/** Friendly messages for the `pattern` keyword, keyed by the pattern's source. */
export const PATTERN_MESSAGES: Readonly<Record<string, string>> = {
  [SEMVER_PATTERN.source]: 'must be a semantic version such as 1.0.0',
  [PACK_REF_PATTERN.source]: 'must be lower case letters, digits, "_" or "-", starting with a letter (at least 2 characters)',
};

const text = { type: 'string' } as const;
const object = { type: 'object' } as const;
const flatSchema = FLAT_SCHEMA_JSON_SCHEMA;
/** A permission set's ref; whether it exists is checked when the pack is registered. */
const permissionSetRef = { type: 'string', minLength: 1, maxLength: 64 } as const;
const componentKeys = { ref: text, name: text, label: text, description: text } as const;

export const PACK_FILE_SCHEMA = {
  type: 'object',
  required: ['ref', 'version'],
  additionalProperties: false,
  properties: {
    ref: { type: 'string', pattern: PACK_REF_PATTERN.source },
    label: text,
    description: text,
    version: { type: 'string', pattern: SEMVER_PATTERN.source },
    author: text,
    conf_schema: flatSchema,
    config: object,
  },
} as const;

/**
 * `runner_type` is required unless `workflow_file` is given, and `entry_point` with it unless it is
 * `shell-cmd`, whose program is its `cmd` parameter (checked in code).
 */
export const ACTION_FILE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...componentKeys,
    workflow_file: { type: 'string', minLength: 1 },
    runner_type: { enum: [...RUNNER_TYPES] },
    entry_point: { type: 'string', minLength: 1 },
    parameters: flatSchema,
    output: flatSchema,
    parameter_delivery: { enum: [...PARAMETER_DELIVERIES] },
    parameter_format: { enum: [...PARAMETER_FORMATS] },
    output_format: { enum: [...OUTPUT_FORMATS] },
    timeout_seconds: { type: 'integer', minimum: 1 },
    max_retries: { type: 'integer', minimum: 0 },
    api_access: { type: 'boolean' },
    permission_set: permissionSetRef,
  },
} as const;

export const TRIGGER_FILE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: { ...componentKeys, type: text, parameters: flatSchema, output: flatSchema },
} as const;

export const SENSOR_FILE_SCHEMA = {
  type: 'object',
  required: ['runner_type', 'entry_point', 'trigger_types'],
  additionalProperties: false,
  properties: {
    ...componentKeys,
    runner_type: { enum: [...SENSOR_RUNNER_TYPES] },
    entry_point: { type: 'string', minLength: 1 },
    trigger_types: { type: 'array', minItems: 1, items: text },
    parameters: flatSchema,
    enabled: { type: 'boolean' },
    live_updates: { type: 'boolean' },
  },
} as const;

export const RULE_FILE_SCHEMA = {
  type: 'object',
  required: ['trigger_ref', 'action_ref'],
  additionalProperties: false,
  properties: {
    ...componentKeys,
    trigger_ref: text,
    trigger_params: object,
    // One type keyword instead of oneOf, so a wrong value yields one clear error.
    conditions: { type: ['string', 'array'], items: text },
    action_ref: text,
    action_params: object,
    enabled: { type: 'boolean' },
    permission_set: permissionSetRef,
  },
} as const;

/** A policy (issue 9 item 5, docs/policies.md): `action` must name an installed action or one of this pack. */
export const POLICY_FILE_SCHEMA = {
  type: 'object',
  required: ['kind', 'action', 'max'],
  additionalProperties: false,
  properties: {
    ...componentKeys,
    kind: { enum: [...POLICY_KINDS] },
    action: text,
    max: { type: 'integer', minimum: 1 },
    on_exceeded: { enum: [...POLICY_ON_EXCEEDED] },
    per: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true },
    window: { type: 'integer', minimum: 1 },
  },
} as const;

/** Fields every component file may carry; `ref` or `name` must be present. */
export interface ComponentFile {
  readonly ref?: string;
  readonly name?: string;
  readonly label?: string;
  readonly description?: string;
}

export interface PackFile {
  readonly ref: string;
  readonly label?: string;
  readonly description?: string;
  readonly version: string;
  readonly author?: string;
  readonly conf_schema?: FlatSchema;
  readonly config?: Record<string, unknown>;
}

export interface ActionFile extends ComponentFile {
  readonly runner_type?: (typeof RUNNER_TYPES)[number];
  readonly entry_point?: string;
  /** A workflow graph, relative to actions/ (then no runner_type or entry_point). */
  readonly workflow_file?: string;
  readonly parameters?: FlatSchema;
  readonly output?: FlatSchema;
  readonly parameter_delivery?: (typeof PARAMETER_DELIVERIES)[number];
  readonly parameter_format?: (typeof PARAMETER_FORMATS)[number];
  readonly output_format?: (typeof OUTPUT_FORMATS)[number];
  readonly timeout_seconds?: number;
  readonly max_retries?: number;
  readonly api_access?: boolean;
  readonly permission_set?: string;
}

export interface TriggerFile extends ComponentFile {
  readonly type?: string;
  readonly parameters?: FlatSchema;
  readonly output?: FlatSchema;
}

export interface SensorFile extends ComponentFile {
  readonly runner_type: (typeof SENSOR_RUNNER_TYPES)[number];
  readonly entry_point: string;
  readonly trigger_types: readonly string[];
  readonly parameters?: FlatSchema;
  readonly enabled?: boolean;
  readonly live_updates?: boolean;
}

export interface RuleFile extends ComponentFile {
  readonly trigger_ref: string;
  readonly trigger_params?: Record<string, unknown>;
  readonly conditions?: string | readonly string[];
  readonly action_ref: string;
  readonly action_params?: Record<string, unknown>;
  readonly enabled?: boolean;
  readonly permission_set?: string;
}

export interface PolicyFile extends ComponentFile {
  readonly kind: (typeof POLICY_KINDS)[number];
  readonly action: string;
  readonly max: number;
  readonly on_exceeded?: (typeof POLICY_ON_EXCEEDED)[number];
  readonly per?: readonly string[];
  /** Seconds; required by `rate`, refused otherwise (checked in code). */
  readonly window?: number;
}
