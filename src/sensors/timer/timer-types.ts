/** Types shared by the timer kinds (interval, cron, datetime) and the scheduler. */

export const TIMER_TRIGGER_REFS = ['core.intervaltimer', 'core.crontimer', 'core.datetimetimer'] as const;
export type TimerTriggerRef = (typeof TIMER_TRIGGER_REFS)[number];

export function isTimerTriggerRef(value: unknown): value is TimerTriggerRef {
  return typeof value === 'string' && (TIMER_TRIGGER_REFS as readonly string[]).includes(value);
}

/** Outcome of validating one piece of config: a value, or a message saying what was wrong. */
export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export function parsed<T>(value: T): ParseResult<T> {
  return { ok: true, value };
}

export function invalid<T>(error: string): ParseResult<T> {
  return { ok: false, error };
}

/** A trigger instance's raw `config` (the rule's trigger_params). */
export type RawConfig = Readonly<Record<string, unknown>>;

/**
 * The instants one running instance fires at. Stateful: created when the
 * instance starts, it remembers what it returned last.
 */
export interface TimerSchedule {
  /** The first instant to fire at (may be in the past), or undefined: never fire. */
  first(): number | undefined;
  /**
   * The instant after a fire that happened at `firedAt`; never at or before
   * `firedAt` except by rounding, so missed instants are skipped, not replayed.
   * Undefined when the schedule is exhausted.
   */
  next(firedAt: number): number | undefined;
}

/** What the scheduler knows about one fire; each kind turns it into its payload. */
export interface FireInfo {
  readonly firedAt: number;
  readonly scheduledAt: number;
  /** 1 for the first fire of this instance in this process, then +1 per fire. */
  readonly executionCount: number;
  readonly sensorRef: string;
  readonly triggerInstanceId: number;
}

/** Fields every timer payload ends with, in this order (after the kind's own fields). */
export interface TimerPayloadTail {
  readonly execution_count: number;
  readonly sensor_ref: string;
  readonly trigger_instance_id: number;
}

export function toIso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

export function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates an IANA time zone name the way every consumer (Intl, croner) will see it. */
export function parseTimezone(value: unknown): ParseResult<string> {
  if (value === undefined || value === null) return parsed('UTC');
  if (typeof value !== 'string' || value.trim() === '') return invalid('timezone must be a non-empty string');
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
  } catch (err) {
    return invalid(`unknown timezone "${value}": ${err instanceof Error ? err.message : String(err)}`);
  }
  return parsed(value);
}
