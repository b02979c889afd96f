import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TimerScheduler, type TimerLogger, type TimerPayload } from './timer-scheduler.js';

const START = new Date('2025-01-30T15:21:38.123Z').getTime();
const SENSOR_REF = 'core.interval_timer_sensor';

interface Harness {
  readonly scheduler: TimerScheduler;
  readonly payloads: TimerPayload[];
  readonly log: TimerLogger & { readonly error: ReturnType<typeof vi.fn> };
}

function createHarness(): Harness {
  const payloads: TimerPayload[] = [];
  const log = { debug: vi.fn(), info: vi.fn(), error: vi.fn() };
  // leadMs 0: the fake clock does not advance during a spin.
  const scheduler = new TimerScheduler({ sensorRef: SENSOR_REF, emit: (p) => payloads.push(p), log, leadMs: 0 });
  return { scheduler, payloads, log };
}

function interval(id: number, value: number, unit = 'seconds'): object {
  return { id, ref: 'core.intervaltimer', rule_ref: `test.rule${id}`, config: { unit, interval: value } };
}

function firesOf(payloads: readonly TimerPayload[], id: number): TimerPayload[] {
  return payloads.filter((p) => p.trigger_instance_id === id);
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(START);
});

afterEach(() => {
  vi.useRealTimers();
});

describe('TimerScheduler interval timers', () => {
  it('fires at anchor + k·period for 100 fires without drift', () => {
    const { scheduler, payloads } = createHarness();
    scheduler.update([interval(1, 1)]);
    vi.advanceTimersByTime(100_000);
    expect(payloads).toHaveLength(100);
    payloads.forEach((payload, index) => {
      const expected = new Date(START + (index + 1) * 1_000).toISOString();
      expect(payload).toEqual({
        type: 'interval',
        interval_seconds: 1,
        fired_at: expected,
        scheduled_at: expected,
        execution_count: index + 1,
        sensor_ref: SENSOR_REF,
        trigger_instance_id: 1,
        trigger_ref: 'core.intervaltimer',
      });
    });
    scheduler.stop();
  });

  it('serialises the interval payload with its fields in protocol order', () => {
    const { scheduler, payloads } = createHarness();
    scheduler.update([interval(1, 1)]);
    vi.advanceTimersByTime(1_000);
    expect(Object.keys(payloads[0] ?? {})).toEqual([
      'type', 'interval_seconds', 'fired_at', 'scheduled_at', 'execution_count', 'sensor_ref', 'trigger_instance_id', 'trigger_ref',
    ]);
    scheduler.stop();
  });

  it.each([
    ['minutes', 2, 120_000],
    ['hours', 1.5, 5_400_000],
    ['days', 1, 86_400_000],
    ['days', 30, 2_592_000_000],
  ])('converts %s (interval %d) to a %d ms period', (unit, value, periodMs) => {
    const { scheduler, payloads } = createHarness();
    scheduler.update([interval(1, value, unit)]);
    vi.advanceTimersByTime(periodMs * 3 - 1);
    expect(payloads.map((p) => p.scheduled_at)).toEqual([
      new Date(START + periodMs).toISOString(),
      new Date(START + 2 * periodMs).toISOString(),
    ]);
    expect(payloads[0]).toMatchObject({ interval_seconds: periodMs / 1_000 });
    scheduler.stop();
  });

  it('fires two instances independently, each with its own trigger_instance_id and count', () => {
    const { scheduler, payloads } = createHarness();
    scheduler.update([interval(1, 1), interval(2, 3)]);
    vi.advanceTimersByTime(6_000);
    expect(firesOf(payloads, 1).map((p) => p.execution_count)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(firesOf(payloads, 2).map((p) => [p.execution_count, p.scheduled_at])).toEqual([
      [1, new Date(START + 3_000).toISOString()],
      [2, new Date(START + 6_000).toISOString()],
    ]);
    scheduler.stop();
  });
});

describe('TimerScheduler live updates', () => {
  it('keeps an unchanged instance running with its anchor and count, and stops removed ones', () => {
    const { scheduler, payloads } = createHarness();
    scheduler.update([interval(1, 1), interval(2, 1)]);
    vi.advanceTimersByTime(3_500);
    // Same config with keys in another order is still "unchanged".
    const summary = scheduler.update([
      { id: 1, ref: 'core.intervaltimer', rule_ref: 'test.rule1', config: { interval: 1, unit: 'seconds' } },
      interval(3, 1),
    ]);
    expect(summary).toMatchObject({ kept: [1], stopped: [2], started: [3] });
    vi.advanceTimersByTime(2_000);
    expect(firesOf(payloads, 1).map((p) => [p.execution_count, p.scheduled_at])).toEqual(
      [1, 2, 3, 4, 5].map((k) => [k, new Date(START + k * 1_000).toISOString()]),
    );
    expect(firesOf(payloads, 2)).toHaveLength(3);
    expect(firesOf(payloads, 3).map((p) => [p.execution_count, p.scheduled_at])).toEqual([
      [1, new Date(START + 4_500).toISOString()],
      [2, new Date(START + 5_500).toISOString()],
    ]);
    scheduler.stop();
  });

  it('restarts an instance whose config changed, with a new anchor and count', () => {
    const { scheduler, payloads } = createHarness();
    scheduler.update([interval(1, 1)]);
    vi.advanceTimersByTime(2_500);
    expect(scheduler.update([interval(1, 2)])).toMatchObject({ started: [1], kept: [], stopped: [] });
    vi.advanceTimersByTime(2_000);
    expect(payloads.map((p) => [p.execution_count, p.scheduled_at])).toEqual([
      [1, new Date(START + 1_000).toISOString()],
      [2, new Date(START + 2_000).toISOString()],
      [1, new Date(START + 4_500).toISOString()],
    ]);
    scheduler.stop();
  });

  it('stop() cancels every pending timer', () => {
    const { scheduler, payloads } = createHarness();
    scheduler.update([interval(1, 1), interval(2, 2)]);
    scheduler.stop();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(10_000);
    expect(payloads).toEqual([]);
    expect(scheduler.instanceIds()).toEqual([]);
  });

  it('logs and skips invalid instances while running the valid ones', () => {
    const { scheduler, payloads, log } = createHarness();
    const summary = scheduler.update([
      { id: 1, ref: 'core.crontimer', config: { expression: '61 * * * * *' } },
      { id: 2, ref: 'core.crontimer', config: { expression: '* * * * * *', timezone: 'Mars/Olympus_Mons' } },
      interval(3, 1),
    ]);
    expect(summary.errors.map((e) => e.id)).toEqual([1, 2]);
    expect(log.error).toHaveBeenCalledTimes(2);
    expect(log.error.mock.calls[0]?.[0]).toMatchObject({ instanceId: 1, reason: expect.stringContaining('61 * * * * *') });
    expect(log.error.mock.calls[1]?.[0]).toMatchObject({ instanceId: 2, reason: expect.stringContaining('Mars/Olympus_Mons') });
    vi.advanceTimersByTime(2_000);
    expect(payloads.map((p) => p.trigger_instance_id)).toEqual([3, 3]);
    scheduler.stop();
  });
});

describe('TimerScheduler cron timers', () => {
  it('fires */15 with seconds at :00, :15, :30 and :45', () => {
    const { scheduler, payloads } = createHarness();
    scheduler.update([{ id: 7, ref: 'core.crontimer', config: { expression: '*/15 * * * * *' } }]);
    vi.advanceTimersByTime(60_000);
    expect(payloads.map((p) => p.scheduled_at)).toEqual([
      '2025-01-30T15:21:45.000Z',
      '2025-01-30T15:22:00.000Z',
      '2025-01-30T15:22:15.000Z',
      '2025-01-30T15:22:30.000Z',
    ]);
    expect(payloads[0]).toEqual({
      type: 'cron',
      expression: '*/15 * * * * *',
      timezone: 'UTC',
      fired_at: '2025-01-30T15:21:45.000Z',
      scheduled_at: '2025-01-30T15:21:45.000Z',
      execution_count: 1,
      sensor_ref: SENSOR_REF,
      trigger_instance_id: 7,
      trigger_ref: 'core.crontimer',
    });
    scheduler.stop();
  });

  it('evaluates the expression in the configured time zone', () => {
    const { scheduler, payloads } = createHarness();
    scheduler.update([
      { id: 1, ref: 'core.crontimer', config: { expression: '0 30 17 * * *', timezone: 'America/New_York' } },
      { id: 2, ref: 'core.crontimer', config: { expression: '0 30 17 * * *' } },
    ]);
    vi.advanceTimersByTime(24 * 3_600_000);
    expect(payloads.map((p) => [p.trigger_instance_id, p.scheduled_at])).toEqual([
      [2, '2025-01-30T17:30:00.000Z'],
      [1, '2025-01-30T22:30:00.000Z'],
    ]);
    expect(payloads[1]).toMatchObject({ timezone: 'America/New_York' });
    scheduler.stop();
  });
});

describe('TimerScheduler datetime timers', () => {
  const datetime = (fireAt: string, extra: object = {}): object => ({
    id: 5,
    ref: 'core.datetimetimer',
    config: { fire_at: fireAt },
    ...extra,
  });

  it('fires once at a future instant', () => {
    const { scheduler, payloads } = createHarness();
    scheduler.update([datetime('2025-01-30T17:00:00+01:00')]);
    vi.advanceTimersByTime(24 * 3_600_000);
    expect(payloads).toEqual([
      {
        type: 'datetime',
        fire_at: '2025-01-30T16:00:00.000Z',
        fired_at: '2025-01-30T16:00:00.000Z',
        scheduled_at: '2025-01-30T16:00:00.000Z',
        delay_ms: 0,
        execution_count: 1,
        sensor_ref: SENSOR_REF,
        trigger_instance_id: 5,
        trigger_ref: 'core.datetimetimer',
      },
    ]);
    scheduler.stop();
  });

  it('fires once immediately, late, when the instant has already passed', () => {
    const { scheduler, payloads } = createHarness();
    scheduler.update([datetime('2025-01-30T15:00:00Z')]);
    vi.advanceTimersByTime(1);
    expect(payloads).toHaveLength(1);
    const delayMs = START - new Date('2025-01-30T15:00:00Z').getTime();
    expect(payloads[0]).toMatchObject({
      scheduled_at: '2025-01-30T15:00:00.000Z',
      fired_at: new Date(START).toISOString(),
      delay_ms: delayMs,
      execution_count: 1,
    });
    expect(delayMs).toBeGreaterThan(0);
    vi.advanceTimersByTime(24 * 3_600_000);
    expect(payloads).toHaveLength(1);
    scheduler.stop();
  });

  it('never fires an instance marked "fired": true, past or future', () => {
    const { scheduler, payloads } = createHarness();
    scheduler.update([
      datetime('2025-01-30T15:00:00Z', { fired: true }),
      { ...datetime('2025-01-30T18:00:00Z', { fired: true }), id: 6 },
    ]);
    vi.advanceTimersByTime(24 * 3_600_000);
    expect(payloads).toEqual([]);
    expect(scheduler.instanceIds()).toEqual([5, 6]);
  });

  it('does not fire again when an update repeats a one-shot that already fired', () => {
    const { scheduler, payloads } = createHarness();
    scheduler.update([datetime('2025-01-30T15:00:00Z')]);
    vi.advanceTimersByTime(1_000);
    expect(scheduler.update([datetime('2025-01-30T15:00:00Z')])).toMatchObject({ kept: [5] });
    vi.advanceTimersByTime(1_000);
    expect(payloads).toHaveLength(1);
  });

  it('cancels a pending one-shot when an update marks it fired', () => {
    const { scheduler, payloads } = createHarness();
    scheduler.update([datetime('2025-01-30T18:00:00Z')]);
    scheduler.update([datetime('2025-01-30T18:00:00Z', { fired: true })]);
    vi.advanceTimersByTime(24 * 3_600_000);
    expect(payloads).toEqual([]);
  });
});
