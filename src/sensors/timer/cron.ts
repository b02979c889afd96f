import { Cron } from 'croner';
import {
  invalid,
  parsed,
  parseTimezone,
  toIso,
  type FireInfo,
  type ParseResult,
  type RawConfig,
  type TimerPayloadTail,
  type TimerSchedule,
} from './timer-types.js';

/** Attune cron expressions always carry seconds: `sec min hour day-of-month month day-of-week`. */
const CRON_FIELD_COUNT = 6;

export interface CronSpec {
  readonly expression: string;
  readonly timezone: string;
  /**
   * Used only as a calculator (`nextRun`), never started: fires go through
   * the precise timer so cron and interval share the same precision.
   */
  readonly cron: Cron;
}

export interface CronPayload extends TimerPayloadTail {
  readonly type: 'cron';
  readonly expression: string;
  readonly timezone: string;
  readonly fired_at: string;
  readonly scheduled_at: string;
  readonly trigger_ref: 'core.crontimer';
}

/** `{expression: "<6 fields, seconds first>", timezone?: IANA name, default UTC}`. */
export function parseCronConfig(config: RawConfig): ParseResult<CronSpec> {
  const expression = config['expression'];
  if (typeof expression !== 'string') return invalid(`expression must be a string, got ${JSON.stringify(expression)}`);
  const fieldCount = expression.trim().split(/\s+/).filter((field) => field !== '').length;
  if (fieldCount !== CRON_FIELD_COUNT) {
    return invalid(
      `cron expression "${expression}" has ${fieldCount} fields; expected ${CRON_FIELD_COUNT} (seconds minutes hours day-of-month month day-of-week)`,
    );
  }
  const timezone = parseTimezone(config['timezone']);
  if (!timezone.ok) return timezone;
  try {
    const cron = new Cron(expression.trim(), { timezone: timezone.value, paused: true });
    return parsed({ expression: expression.trim(), timezone: timezone.value, cron });
  } catch (err) {
    return invalid(`invalid cron expression "${expression}": ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The first cron instant strictly after `after` (croner works at whole seconds), or undefined if none. */
export function nextCronInstant(spec: CronSpec, after: number): number | undefined {
  const next = spec.cron.nextRun(new Date(after));
  return next === null ? undefined : next.getTime();
}

/**
 * Fires at each matching second after the instance started. Like interval,
 * a late wake-up skips the instants it missed: the next one is computed from
 * the later of the fire time and the previous instant.
 */
export function createCronSchedule(spec: CronSpec, startedAt: number): TimerSchedule {
  let last = startedAt;
  const advance = (after: number): number | undefined => {
    const next = nextCronInstant(spec, after);
    if (next !== undefined) last = next;
    return next;
  };
  return {
    first: () => advance(startedAt),
    next: (firedAt) => advance(Math.max(last, firedAt)),
  };
}

export function buildCronPayload(spec: CronSpec, fire: FireInfo): CronPayload {
  return {
    type: 'cron',
    expression: spec.expression,
    timezone: spec.timezone,
    fired_at: toIso(fire.firedAt),
    scheduled_at: toIso(fire.scheduledAt),
    execution_count: fire.executionCount,
    sensor_ref: fire.sensorRef,
    trigger_instance_id: fire.triggerInstanceId,
    trigger_ref: 'core.crontimer',
  };
}
