import type {
  FlatSchema,
  OutputFormat,
  PackMeta,
  ParameterDelivery,
  ParameterFormat,
  RunnerType,
} from '../domain/index.js';

/**
 * What `loadPack` returns: a pack read from disk, validated, with defaults applied. Pure data, no
 * database ids; registration turns it into stored entities. Every `file` is relative to the pack
 * directory (e.g. `actions/echo.yaml`).
 */
export interface ActionDefinition {
  readonly ref: string;
  readonly name: string;
  readonly label: string;
  readonly description: string;
  readonly runnerType: RunnerType;
  /** A file under `actions/`, or the builtin function's name for the `builtin` runner. */
  readonly entryPoint: string;
  readonly parameters: FlatSchema;
  readonly output: FlatSchema;
  readonly parameterDelivery: ParameterDelivery;
  readonly parameterFormat: ParameterFormat;
  readonly outputFormat: OutputFormat;
  readonly timeoutSeconds: number;
  readonly maxRetries: number;
  readonly file: string;
}

export interface TriggerDefinition {
  readonly ref: string;
  readonly name: string;
  readonly label: string;
  readonly description: string;
  readonly type: string;
  readonly parameters: FlatSchema;
  readonly output: FlatSchema;
  readonly file: string;
}

export interface SensorDefinition {
  readonly ref: string;
  readonly name: string;
  readonly label: string;
  readonly description: string;
  readonly runnerType: RunnerType;
  /** A file under `sensors/` (or the builtin's name for the `builtin` runner). */
  readonly entryPoint: string;
  readonly triggerTypes: readonly string[];
  readonly parameters: FlatSchema;
  readonly enabled: boolean;
  /** Reads `{"type":"triggers",…}` lines on stdin when rules change, instead of a restart. */
  readonly liveUpdates: boolean;
  readonly file: string;
}

export interface RuleDefinition {
  readonly ref: string;
  readonly name: string;
  readonly label: string;
  readonly description: string;
  readonly triggerRef: string;
  readonly triggerParams: Readonly<Record<string, unknown>>;
  /** CEL expressions that must all hold; a single string in YAML becomes a one-element list. */
  readonly conditions: readonly string[];
  readonly actionRef: string;
  readonly actionParams: Readonly<Record<string, unknown>>;
  readonly enabled: boolean;
  readonly file: string;
}

export interface PackDefinition {
  /** Absolute path of the pack directory. */
  readonly path: string;
  readonly meta: PackMeta;
  readonly actions: readonly ActionDefinition[];
  readonly triggers: readonly TriggerDefinition[];
  readonly sensors: readonly SensorDefinition[];
  readonly rules: readonly RuleDefinition[];
}

/** Defaults applied when an action file leaves a field out. */
export const ACTION_DEFAULTS = {
  parameterDelivery: 'stdin',
  parameterFormat: 'json',
  outputFormat: 'text',
  timeoutSeconds: 600,
  maxRetries: 0,
} as const satisfies Pick<
  ActionDefinition,
  'parameterDelivery' | 'parameterFormat' | 'outputFormat' | 'timeoutSeconds' | 'maxRetries'
>;
