import type { Action, PackComponent, PackMeta, Policy, Rule, Sensor, Trigger } from '../domain/index.js';

/**
 * A component as read from its file: the stored entity without what the database adds (id,
 * timestamps) or registration decides (its pack, a rule's origin), plus its short name and the
 * file it came from, relative to the pack directory (e.g. `actions/echo.yaml`).
 */
type FromFile<T extends Pick<PackComponent, 'ref' | 'packRef'>> = Omit<T, 'id' | 'packRef' | 'created' | 'updated' | 'origin'> & {
  readonly name: string;
  readonly file: string;
};

/**
 * What `loadPack` returns: a pack read from disk, validated, with defaults applied. Pure data;
 * registration turns it into stored entities.
 */
export type ActionDefinition = FromFile<Action>;
export type TriggerDefinition = FromFile<Trigger>;
export type SensorDefinition = FromFile<Sensor>;
/** `conditions`: CEL expressions that must all hold; a single string in YAML becomes a list. */
export type RuleDefinition = FromFile<Rule>;
export type PolicyDefinition = FromFile<Policy>;

export interface PackDefinition {
  /** Absolute path of the pack directory. */
  readonly path: string;
  readonly meta: PackMeta;
  readonly actions: readonly ActionDefinition[];
  readonly triggers: readonly TriggerDefinition[];
  readonly sensors: readonly SensorDefinition[];
  readonly rules: readonly RuleDefinition[];
  readonly policies: readonly PolicyDefinition[];
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
