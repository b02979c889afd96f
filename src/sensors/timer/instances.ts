import { assertNever } from '../../domain/index.js';
import { parseCronConfig, type CronSpec } from './cron.js';
import { parseDatetimeConfig, type DatetimeSpec } from './datetime.js';
import { parseIntervalConfig, type IntervalSpec } from './interval.js';
import { isPlainObject, isTimerTriggerRef, TIMER_TRIGGER_REFS, type ParseResult, type RawConfig } from './timer-types.js';

interface InstanceCommon {
  /** The rule id; `trigger_instance_id` in every payload. */
  readonly id: number;
  readonly ruleRef: string | undefined;
  /** Canonical JSON of the raw config: equal keys mean "unchanged" across updates. */
  readonly configKey: string;
  /**
   * Top-level `"fired": true`, set by the sensor service when an event already
   * exists for the rule: a datetime (one-shot) instance must then never fire.
   */
  readonly isFired: boolean;
  /**
   * Top-level `"anchor_at"` (ISO 8601): the instant an interval counts from, set by the sensor
   * service to when the rule was enabled, so the grid survives restarts. Absent: start time.
   */
  readonly anchorAt: number | undefined;
}

export type IntervalInstance = InstanceCommon & { readonly ref: 'core.intervaltimer'; readonly spec: IntervalSpec };
export type CronInstance = InstanceCommon & { readonly ref: 'core.crontimer'; readonly spec: CronSpec };
export type DatetimeInstance = InstanceCommon & { readonly ref: 'core.datetimetimer'; readonly spec: DatetimeSpec };

/** A validated trigger instance, discriminated by its trigger `ref`. */
export type TimerInstance = IntervalInstance | CronInstance | DatetimeInstance;

/** Why one entry of the list was rejected; the other entries are unaffected. */
export interface InstanceError {
  /** Position in the list as received. */
  readonly index: number;
  readonly id: unknown;
  readonly ref: unknown;
  readonly message: string;
}

export interface ParsedInstances {
  readonly instances: readonly TimerInstance[];
  readonly errors: readonly InstanceError[];
}

/**
 * Validates a trigger instance list (`ATTUNE_SENSOR_TRIGGERS` or the
 * `triggers` of a stdin update). Each entry is checked on its own, so one bad
 * rule never stops the timers of the others.
 */
export function parseTimerInstances(raw: unknown): ParsedInstances {
  if (!Array.isArray(raw)) {
    return { instances: [], errors: [{ index: -1, id: undefined, ref: undefined, message: 'trigger instances must be a JSON array' }] };
  }
  const instances: TimerInstance[] = [];
  const errors: InstanceError[] = [];
  const seenIds = new Set<number>();
  raw.forEach((entry: unknown, index) => {
    const result = parseTimerInstance(entry);
    const id = isPlainObject(entry) ? entry['id'] : undefined;
    const ref = isPlainObject(entry) ? entry['ref'] : undefined;
    if (!result.ok) {
      errors.push({ index, id, ref, message: result.error });
    } else if (seenIds.has(result.value.id)) {
      errors.push({ index, id, ref, message: `duplicate trigger instance id ${result.value.id}` });
    } else {
      seenIds.add(result.value.id);
      instances.push(result.value);
    }
  });
  return { instances, errors };
}

export function parseTimerInstance(entry: unknown): ParseResult<TimerInstance> {
  if (!isPlainObject(entry)) return { ok: false, error: 'trigger instance must be a JSON object' };
  const { id, ref, rule_ref: ruleRef, fired, anchor_at: anchor } = entry;
  const config = entry['config'] ?? {};
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) {
    return { ok: false, error: `id must be a non-negative integer, got ${JSON.stringify(id)}` };
  }
  if (!isTimerTriggerRef(ref)) {
    return { ok: false, error: `ref must be one of ${TIMER_TRIGGER_REFS.join(', ')}, got ${JSON.stringify(ref)}` };
  }
  if (ruleRef !== undefined && typeof ruleRef !== 'string') return { ok: false, error: 'rule_ref must be a string' };
  if (fired !== undefined && typeof fired !== 'boolean') return { ok: false, error: 'fired must be a boolean' };
  if (!isPlainObject(config)) return { ok: false, error: 'config must be a JSON object' };
  const anchorAt = typeof anchor === 'string' ? Date.parse(anchor) : undefined;
  if (anchor !== undefined && !Number.isFinite(anchorAt)) return { ok: false, error: 'anchor_at must be an ISO 8601 instant' };
  const common: InstanceCommon = { id, ruleRef, configKey: canonicalJson(config), isFired: fired === true, anchorAt };
  return withSpec(common, ref, config);
}

function withSpec(common: InstanceCommon, ref: TimerInstance['ref'], config: RawConfig): ParseResult<TimerInstance> {
  const prefix = (error: string): ParseResult<TimerInstance> => ({ ok: false, error: `${ref} config: ${error}` });
  switch (ref) {
    case 'core.intervaltimer': {
      const spec = parseIntervalConfig(config);
      return spec.ok ? { ok: true, value: { ...common, ref, spec: spec.value } } : prefix(spec.error);
    }
    case 'core.crontimer': {
      const spec = parseCronConfig(config);
      return spec.ok ? { ok: true, value: { ...common, ref, spec: spec.value } } : prefix(spec.error);
    }
    case 'core.datetimetimer': {
      const spec = parseDatetimeConfig(config);
      return spec.ok ? { ok: true, value: { ...common, ref, spec: spec.value } } : prefix(spec.error);
    }
    default:
      return assertNever(ref);
  }
}

/** JSON with object keys sorted, so `{a,b}` and `{b,a}` compare equal. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    isPlainObject(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}
