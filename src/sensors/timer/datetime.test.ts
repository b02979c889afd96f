import { describe, expect, it } from 'vitest';
import { createDatetimeSchedule, parseDatetimeConfig, type DatetimeSpec } from './datetime.js';

const spec = (config: object): DatetimeSpec => {
  const result = parseDatetimeConfig(config as Record<string, unknown>);
  if (!result.ok) throw new Error(result.error);
  return result.value;
};
const iso = (config: object): string => new Date(spec(config).fireAt).toISOString();

describe('parseDatetimeConfig', () => {
  it('honours an explicit offset and ignores the time zone then', () => {
    expect(iso({ fire_at: '2025-01-30T15:21:39.097Z' })).toBe('2025-01-30T15:21:39.097Z');
    expect(iso({ fire_at: '2025-01-30T16:00:00+01:00', timezone: 'Asia/Tokyo' })).toBe('2025-01-30T15:00:00.000Z');
    expect(iso({ fire_at: '2025-01-30T10:00:00-0530' })).toBe('2025-01-30T15:30:00.000Z');
    expect(iso({ fire_at: '2025-01-30T10:00:00+05' })).toBe('2025-01-30T05:00:00.000Z');
  });

  it('reads a time without offset in the time zone, UTC by default', () => {
    expect(iso({ fire_at: '2025-01-30T15:00:00' })).toBe('2025-01-30T15:00:00.000Z');
    expect(iso({ fire_at: '2025-01-30 15:00' })).toBe('2025-01-30T15:00:00.000Z');
    expect(iso({ fire_at: '2025-01-30' })).toBe('2025-01-30T00:00:00.000Z');
    expect(iso({ fire_at: '2025-01-30T09:30:00', timezone: 'America/New_York' })).toBe('2025-01-30T14:30:00.000Z');
    expect(iso({ fire_at: '2025-07-01T12:00:00', timezone: 'Europe/Paris' })).toBe('2025-07-01T10:00:00.000Z');
    expect(iso({ fire_at: '2025-01-30T12:00:00', timezone: 'Asia/Kolkata' })).toBe('2025-01-30T06:30:00.000Z');
  });

  it('shifts a wall time that a DST change skips by the size of the gap', () => {
    // Paris jumps from 02:00 CET to 03:00 CEST on 30 March 2025: 02:30 does not exist, 03:30 CEST is used.
    expect(iso({ fire_at: '2025-03-30T02:30:00', timezone: 'Europe/Paris' })).toBe('2025-03-30T01:30:00.000Z');
  });

  it.each([
    [{ fire_at: '2025-02-30T00:00:00Z' }, 'not a valid ISO 8601'],
    [{ fire_at: '30/01/2025' }, 'not a valid ISO 8601'],
    [{ fire_at: 1738250499097 }, 'fire_at must be an ISO 8601 string'],
    [{ fire_at: '2025-01-30T00:00:00', timezone: 'Nowhere/Land' }, 'unknown timezone'],
  ])('rejects %j', (config, message) => {
    const result = parseDatetimeConfig(config);
    expect(result.ok ? '' : result.error).toContain(message);
  });
});

describe('createDatetimeSchedule', () => {
  it('fires once, or never when already fired', () => {
    const one = spec({ fire_at: '2025-01-30T15:00:00Z' });
    const schedule = createDatetimeSchedule(one, false);
    expect(schedule.first()).toBe(one.fireAt);
    expect(schedule.next(one.fireAt)).toBeUndefined();
    expect(createDatetimeSchedule(one, true).first()).toBeUndefined();
  });
});
