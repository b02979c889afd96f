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

export interface DatetimeSpec {
  /** The configured instant, epoch ms. */
  readonly fireAt: number;
  readonly timezone: string;
}

export interface DatetimePayload extends TimerPayloadTail {
  readonly type: 'datetime';
  /** The configured instant, normalised to UTC ISO 8601. */
  readonly fire_at: string;
  readonly fired_at: string;
  readonly scheduled_at: string;
  /** fired_at − scheduled_at in whole ms: > 0 when the instant had passed before the sensor ran. */
  readonly delay_ms: number;
  readonly trigger_ref: 'core.datetimetimer';
}

// YYYY-MM-DD, optional [T ]hh:mm[:ss[.fraction]], optional Z / ±hh[:mm] / ±hhmm.
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

interface WallTime {
  /** The wall-clock reading expressed as if it were UTC (Date.UTC of its fields). */
  readonly utcFields: number;
  /** Explicit offset in minutes east of UTC, when the string carried one. */
  readonly offsetMinutes: number | undefined;
}

/** `{fire_at: ISO 8601, timezone?: IANA name, default UTC}`; timezone applies only when fire_at has no offset. */
export function parseDatetimeConfig(config: RawConfig): ParseResult<DatetimeSpec> {
  const fireAt = config['fire_at'];
  if (typeof fireAt !== 'string') return invalid(`fire_at must be an ISO 8601 string, got ${JSON.stringify(fireAt)}`);
  const timezone = parseTimezone(config['timezone']);
  if (!timezone.ok) return timezone;
  const wall = parseWallTime(fireAt.trim());
  if (wall === undefined) return invalid(`fire_at "${fireAt}" is not a valid ISO 8601 date-time`);
  const instant =
    wall.offsetMinutes === undefined
      ? zonedWallTimeToInstant(wall.utcFields, timezone.value)
      : wall.utcFields - wall.offsetMinutes * 60_000;
  return parsed({ fireAt: instant, timezone: timezone.value });
}

function parseWallTime(text: string): WallTime | undefined {
  const match = ISO_8601.exec(text);
  if (match === null) return undefined;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', offset] = match;
  const fields = [year, month, day, hour, minute, second].map(Number) as [number, number, number, number, number, number];
  const ms = Math.floor(Number(`0.${fraction || '0'}`) * 1_000);
  const utcFields = Date.UTC(fields[0], fields[1] - 1, fields[2], fields[3], fields[4], fields[5], ms);
  // Date.UTC silently rolls over (Feb 30 → Mar 2); a round trip rejects that.
  const check = new Date(utcFields);
  const isExact =
    check.getUTCFullYear() === fields[0] &&
    check.getUTCMonth() === fields[1] - 1 &&
    check.getUTCDate() === fields[2] &&
    check.getUTCHours() === fields[3] &&
    check.getUTCMinutes() === fields[4];
  if (!isExact || fields[5] > 59) return undefined;
  return { utcFields, offsetMinutes: offset === undefined ? undefined : parseOffset(offset) };
}

function parseOffset(offset: string): number {
  if (offset.toUpperCase() === 'Z') return 0;
  const sign = offset.startsWith('-') ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
}

/** Offset of `timeZone` from UTC at `instant`, in ms (positive east of UTC). */
export function timezoneOffsetMs(instant: number, timeZone: string): number {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const part = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(format.formatToParts(instant).find((p) => p.type === type)?.value ?? NaN);
  const asUtc = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  const wholeSeconds = instant - (((instant % 1_000) + 1_000) % 1_000);
  return asUtc - wholeSeconds;
}

/**
 * The instant at which the wall clock of `timeZone` reads `utcFields`.
 * Two passes settle the offset, DST included: an ambiguous wall time (clocks
 * set back) resolves to one of its two valid instants, and a wall time that
 * does not exist (clocks set forward) is shifted by the size of the gap.
 */
export function zonedWallTimeToInstant(utcFields: number, timeZone: string): number {
  const firstGuess = utcFields - timezoneOffsetMs(utcFields, timeZone);
  return utcFields - timezoneOffsetMs(firstGuess, timeZone);
}

/**
 * One shot. With `isFired` (the sensor service saw an event for this rule
 * already, e.g. before a restart) it never fires; otherwise it fires once at
 * the instant, or immediately — late, with delay_ms — if the instant passed.
 */
export function createDatetimeSchedule(spec: DatetimeSpec, isFired: boolean): TimerSchedule {
  return {
    first: () => (isFired ? undefined : spec.fireAt),
    next: () => undefined,
  };
}

export function buildDatetimePayload(spec: DatetimeSpec, fire: FireInfo): DatetimePayload {
  return {
    type: 'datetime',
    fire_at: toIso(spec.fireAt),
    fired_at: toIso(fire.firedAt),
    scheduled_at: toIso(fire.scheduledAt),
    delay_ms: Math.round(fire.firedAt - fire.scheduledAt),
    execution_count: fire.executionCount,
    sensor_ref: fire.sensorRef,
    trigger_instance_id: fire.triggerInstanceId,
    trigger_ref: 'core.datetimetimer',
  };
}
