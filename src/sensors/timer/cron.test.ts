import { describe, expect, it } from 'vitest';
import { createCronSchedule, parseCronConfig, type CronSpec } from './cron.js';

const spec = (config: object): CronSpec => {
  const result = parseCronConfig(config as Record<string, unknown>);
  if (!result.ok) throw new Error(result.error);
  return result.value;
};
const at = (iso: string): number => new Date(iso).getTime();

describe('parseCronConfig', () => {
  it('accepts six fields and defaults the time zone to UTC', () => {
    expect(spec({ expression: ' 0 */5 * * * * ' })).toMatchObject({ expression: '0 */5 * * * *', timezone: 'UTC' });
  });

  it.each([
    [{ expression: '*/5 * * * *' }, 'has 5 fields; expected 6'],
    [{ expression: '0 0 0 * * * 2030' }, 'has 7 fields; expected 6'],
    [{ expression: '@daily' }, 'has 1 fields; expected 6'],
    [{ expression: '61 * * * * *' }, 'invalid cron expression "61 * * * * *"'],
    [{ expression: '* * * * * *', timezone: 'Nowhere/Land' }, 'unknown timezone "Nowhere/Land"'],
    [{}, 'expression must be a string'],
  ])('rejects %j', (config, message) => {
    const result = parseCronConfig(config);
    expect(result.ok ? '' : result.error).toContain(message);
  });
});

describe('createCronSchedule', () => {
  it('fires on the seconds the seconds field names', () => {
    const schedule = createCronSchedule(spec({ expression: '*/15 * * * * *' }), at('2025-01-30T15:21:38.123Z'));
    const instants = [schedule.first() ?? 0];
    for (let i = 0; i < 4; i += 1) instants.push(schedule.next(instants.at(-1) ?? 0) ?? 0);
    expect(instants.map((t) => new Date(t).toISOString())).toEqual([
      '2025-01-30T15:21:45.000Z',
      '2025-01-30T15:22:00.000Z',
      '2025-01-30T15:22:15.000Z',
      '2025-01-30T15:22:30.000Z',
      '2025-01-30T15:22:45.000Z',
    ]);
  });

  it('respects the time zone, across a DST change', () => {
    const schedule = createCronSchedule(
      spec({ expression: '0 0 9 * * *', timezone: 'Europe/Paris' }),
      at('2025-03-29T12:00:00Z'),
    );
    // 09:00 in Paris is 08:00Z in winter (CET) and 07:00Z after the switch to CEST on 30 March.
    const first = schedule.first() ?? 0;
    expect(new Date(first).toISOString()).toBe('2025-03-30T07:00:00.000Z');
    expect(new Date(schedule.next(first) ?? 0).toISOString()).toBe('2025-03-31T07:00:00.000Z');
  });

  it('skips instants missed during a late wake-up', () => {
    const schedule = createCronSchedule(spec({ expression: '*/15 * * * * *' }), at('2025-01-30T15:21:38Z'));
    schedule.first();
    expect(new Date(schedule.next(at('2025-01-30T15:22:20Z')) ?? 0).toISOString()).toBe('2025-01-30T15:22:30.000Z');
  });
});
