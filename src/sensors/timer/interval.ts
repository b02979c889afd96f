import {
  invalid,
  parsed,
  toIso,
  type FireInfo,
  type ParseResult,
  type RawConfig,
  type TimerPayloadTail,
  type TimerSchedule,
} from './timer-types.js';

export const INTERVAL_UNITS = ['seconds', 'minutes', 'hours', 'days'] as const;
export type IntervalUnit = (typeof INTERVAL_UNITS)[number];

const UNIT_MS = {
  seconds: 1_000,
  minutes: 60_000,
  hours: 3_600_000,
  days: 86_400_000,
} as const satisfies Record<IntervalUnit, number>;

/** Below this a "timer" is a busy loop, not a schedule. */
const MIN_PERIOD_MS = 1;

export interface IntervalSpec {
  readonly unit: IntervalUnit;
  readonly interval: number;
  readonly periodMs: number;
}

export interface IntervalPayload extends TimerPayloadTail {
  readonly type: 'interval';
  readonly interval_seconds: number;
  readonly fired_at: string;
  readonly scheduled_at: string;
  readonly trigger_ref: 'core.intervaltimer';
}

function isIntervalUnit(value: unknown): value is IntervalUnit {
  return typeof value === 'string' && (INTERVAL_UNITS as readonly string[]).includes(value);
}

/** `{unit: seconds|minutes|hours|days (default seconds), interval: positive number}`. */
export function parseIntervalConfig(config: RawConfig): ParseResult<IntervalSpec> {
  const unit = config['unit'] ?? 'seconds';
  if (!isIntervalUnit(unit)) return invalid(`unit must be one of ${INTERVAL_UNITS.join(', ')}, got ${JSON.stringify(unit)}`);
  const interval = config['interval'];
  if (typeof interval !== 'number' || !Number.isFinite(interval) || interval <= 0) {
    return invalid(`interval must be a positive number, got ${JSON.stringify(interval)}`);
  }
  const periodMs = interval * UNIT_MS[unit];
  if (periodMs < MIN_PERIOD_MS) return invalid(`interval must be at least ${MIN_PERIOD_MS} ms, got ${periodMs} ms`);
  return parsed({ unit, interval, periodMs });
}

/** The k-th instant of an anchored schedule; computed from the anchor every time, so it never drifts. */
export function intervalInstant(anchor: number, periodMs: number, k: number): number {
  return anchor + Math.round(k * periodMs);
}

/**
 * Anchored schedule: fires at `anchor + k·period` for k = 1, 2, … where the
 * anchor is when the rule was enabled (or, without one, the instant the
 * instance started). Started after its anchor, it begins with the first tick
 * still ahead; after a late wake-up (process suspended, event loop blocked) the
 * next k is the first one after the wake-up: missed ticks are skipped rather
 * than fired in a burst, and the grid stays where it was. execution_count
 * counts fires, not ticks.
 */
export function createIntervalSchedule(spec: IntervalSpec, anchor: number, startedAt = anchor): TimerSchedule {
  let k = Math.max(1, Math.floor((startedAt - anchor) / spec.periodMs) + 1);
  return {
    first: () => intervalInstant(anchor, spec.periodMs, k),
    next: (firedAt) => {
      const firstAfterFire = Math.floor((firedAt - anchor) / spec.periodMs) + 1;
      k = Math.max(k + 1, firstAfterFire);
      return intervalInstant(anchor, spec.periodMs, k);
    },
  };
}

export function buildIntervalPayload(spec: IntervalSpec, fire: FireInfo): IntervalPayload {
  return {
    type: 'interval',
    interval_seconds: spec.periodMs / 1_000,
    fired_at: toIso(fire.firedAt),
    scheduled_at: toIso(fire.scheduledAt),
    execution_count: fire.executionCount,
    sensor_ref: fire.sensorRef,
    trigger_instance_id: fire.triggerInstanceId,
    trigger_ref: 'core.intervaltimer',
  };
}
