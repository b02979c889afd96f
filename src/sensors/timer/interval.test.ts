import { describe, expect, it } from 'vitest';
import { createIntervalSchedule, parseIntervalConfig, type IntervalSpec } from './interval.js';

const spec = (config: object): IntervalSpec => {
  const result = parseIntervalConfig(config as Record<string, unknown>);
  if (!result.ok) throw new Error(result.error);
  return result.value;
};

describe('parseIntervalConfig', () => {
  it('converts each unit to a period in ms and defaults the unit to seconds', () => {
    expect(spec({ unit: 'seconds', interval: 0.5 }).periodMs).toBe(500);
    expect(spec({ unit: 'minutes', interval: 5 }).periodMs).toBe(300_000);
    expect(spec({ unit: 'hours', interval: 2 }).periodMs).toBe(7_200_000);
    expect(spec({ unit: 'days', interval: 1 }).periodMs).toBe(86_400_000);
    expect(spec({ interval: 3 }).unit).toBe('seconds');
  });

  it.each([
    [{ unit: 'weeks', interval: 1 }, 'unit must be one of'],
    [{ unit: 'seconds' }, 'interval must be a positive number'],
    [{ unit: 'seconds', interval: 0 }, 'interval must be a positive number'],
    [{ unit: 'seconds', interval: '5' }, 'interval must be a positive number'],
    [{ unit: 'seconds', interval: 0.0001 }, 'at least 1 ms'],
  ])('rejects %j', (config, message) => {
    const result = parseIntervalConfig(config);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.error).toContain(message);
  });
});

describe('createIntervalSchedule', () => {
  const anchor = 1_000_000;

  it('starts one period after the anchor and steps by whole periods', () => {
    const schedule = createIntervalSchedule(spec({ interval: 10 }), anchor);
    expect(schedule.first()).toBe(anchor + 10_000);
    expect(schedule.next(anchor + 10_001)).toBe(anchor + 20_000);
  });

  it('skips ticks missed during a late wake-up instead of bursting, staying on the grid', () => {
    const schedule = createIntervalSchedule(spec({ interval: 10 }), anchor);
    schedule.first();
    // The first fire happened 35 s late: ticks at 20 s, 30 s and 40 s are skipped.
    expect(schedule.next(anchor + 45_000)).toBe(anchor + 50_000);
    expect(schedule.next(anchor + 50_000)).toBe(anchor + 60_000);
  });

  it('keeps fractional periods anchored (no accumulated rounding)', () => {
    const schedule = createIntervalSchedule(spec({ interval: 1 / 3 }), anchor);
    let at = schedule.first() ?? 0;
    for (let k = 2; k <= 3_000; k += 1) at = schedule.next(at) ?? 0;
    expect(at).toBe(anchor + 1_000_000);
  });
});

describe('an interval anchored before it starts', () => {
  it('keeps the grid of its anchor and begins with the first tick still ahead', () => {
    const spec = { unit: 'seconds' as const, interval: 10, periodMs: 10_000 };
    const anchor = Date.UTC(2026, 0, 1);
    const schedule = createIntervalSchedule(spec, anchor, anchor + 105_000); // started 10.5 periods late
    expect(schedule.first()).toBe(anchor + 110_000);
    expect(schedule.next(anchor + 110_001)).toBe(anchor + 120_000);
  });
});
