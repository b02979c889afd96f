import type { TriggerInstance } from './sensor-types.js';

/** The wire shape of one instance: `{id, ref, rule_ref, config}`, `anchor_at` when set, `fired` when true. */
function toWire(instance: TriggerInstance): Record<string, unknown> {
  const wire: Record<string, unknown> = { id: instance.id, ref: instance.ref, rule_ref: instance.rule_ref, config: instance.config };
  if (instance.anchor_at !== undefined) wire.anchor_at = instance.anchor_at;
  if (instance.fired === true) wire.fired = true;
  return wire;
}

/** The JSON array placed in ATTUNE_SENSOR_TRIGGERS. */
export function serializeInstances(instances: readonly TriggerInstance[]): string {
  return JSON.stringify(instances.map(toWire));
}

/** The stdin line a live-updating sensor receives when rules change (without the newline). */
export function triggersMessage(instances: readonly TriggerInstance[]): string {
  return JSON.stringify({ type: 'triggers', triggers: instances.map(toWire) });
}

/**
 * A comparison key that ignores list order and object key order, so a rule list reloaded from
 * the store in another order does not restart a sensor for nothing.
 */
export function instancesKey(instances: readonly TriggerInstance[]): string {
  return instances.map((i) => stableStringify(toWire(i))).sort().join('\n');
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const obj = value as Record<string, unknown>;
    const parts = Object.keys(obj)
      .filter((key) => obj[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableStringify(obj[key])}`);
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
