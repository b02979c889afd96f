import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CORE_TIMER_SENSOR_REF, InProcessTimerRun } from './in-process-timer.js';
import { SensorProcess } from './sensor-process.js';
import type { SensorEmission, SensorRunOptions, TriggerInstance } from './sensor-types.js';

const START = Date.parse('2025-01-30T15:21:38.123Z');
const TIMER_TRIGGERS = ['core.intervaltimer', 'core.crontimer', 'core.datetimetimer'];

interface Harness {
  readonly sensor: SensorProcess;
  readonly events: SensorEmission[];
  readonly alerts: string[];
}

/**
 * The core timer sensor as the sensor service runs it by default: one SensorProcess whose run is
 * in-process. `fault` may throw from inside a fire, as a bug in the timer code would.
 */
function makeTimerSensor(fault: (line: string) => void = () => undefined): Harness {
  const events: SensorEmission[] = [];
  const alerts: string[] = [];
  const sensor = new SensorProcess({
    // Never started as a process: the launch only names the sensor.
    launch: { ref: CORE_TIMER_SENSOR_REF, command: 'node', args: ['interval_timer_sensor.js'], cwd: '/', triggerTypes: TIMER_TRIGGERS, liveUpdates: true },
    env: { ATTUNE_SENSOR_REF: CORE_TIMER_SENSOR_REF, ATTUNE_LOG_LEVEL: 'info' },
    onEvents: async (emissions) => {
      events.push(...emissions);
    },
    onAlert: async (alert) => {
      alerts.push(alert.message);
    },
    log: pino({ level: 'silent' }),
    restartBaseMs: 1_000,
    // leadMs 0: a fake clock does not move while the precise timer spins.
    runInProcess: (options: SensorRunOptions) =>
      new InProcessTimerRun(
        {
          ...options,
          onStdoutLine: (line) => {
            fault(line);
            options.onStdoutLine(line);
          },
        },
        { leadMs: 0 },
      ),
  });
  return { sensor, events, alerts };
}

function interval(id: number, seconds: number, anchorAt: number): TriggerInstance {
  return { id, ref: 'core.intervaltimer', rule_ref: `test.rule${id}`, config: { unit: 'seconds', interval: seconds }, anchor_at: new Date(anchorAt).toISOString() };
}

interface IntervalFire {
  readonly scheduled_at: string;
  readonly fired_at: string;
  readonly execution_count: number;
  readonly trigger_instance_id: number;
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(START);
});

afterEach(() => {
  vi.useRealTimers();
});

describe('the core timer sensor in-process', () => {
  it('fires each of 1,000 interval timers on its own grid, with no process', async () => {
    const { sensor, events } = makeTimerSensor();
    // Anchors spread over the last 13 s and periods of 1–7 s: nearly every fire has an instant of its own.
    const instances = Array.from({ length: 1_000 }, (_, i) => interval(i + 1, 1 + (i % 7), START - i * 13));
    sensor.update(instances);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(sensor.status()).toMatchObject({ state: 'running', pid: null, inProcess: true, instances: 1_000, restarts: 0 });

    const byInstance = new Map<number, IntervalFire[]>();
    for (const event of events) {
      const fire = event.payload as IntervalFire;
      expect(event.triggerInstanceId).toBe(fire.trigger_instance_id);
      byInstance.set(fire.trigger_instance_id, [...(byInstance.get(fire.trigger_instance_id) ?? []), fire]);
    }
    expect(byInstance.size).toBe(1_000);
    for (const instance of instances) {
      const anchor = Date.parse(instance.anchor_at ?? '');
      const periodMs = (instance.config.interval as number) * 1_000;
      // The grid instants after the start, up to the end of the run: every one fires, once, on time.
      const firstK = Math.floor((START - anchor) / periodMs) + 1;
      const lastK = Math.floor((START + 30_000 - anchor) / periodMs);
      const expected = Array.from({ length: lastK - firstK + 1 }, (_, j) => new Date(anchor + (firstK + j) * periodMs).toISOString());
      const fires = byInstance.get(instance.id) ?? [];
      expect(fires.map((f) => f.scheduled_at), `instance ${instance.id}`).toEqual(expected);
      expect(fires.every((f) => f.fired_at === f.scheduled_at)).toBe(true);
      expect(fires.map((f) => f.execution_count)).toEqual(expected.map((_, j) => j + 1));
    }
    await sensor.stop();
    const after = events.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(events).toHaveLength(after);
    expect(sensor.status().state).toBe('stopped');
  });

  it('takes rule changes without disturbing the other timers, and logs as the process would', async () => {
    const { sensor, events } = makeTimerSensor();
    sensor.update([interval(1, 1, START), interval(2, 2, START)]);
    await vi.advanceTimersByTimeAsync(2_000);
    sensor.update([interval(1, 1, START), interval(3, 1, START + 2_000)]);
    await vi.advanceTimersByTimeAsync(2_000);
    const counts = (id: number) => events.filter((e) => e.triggerInstanceId === id).map((e) => (e.payload as IntervalFire).execution_count);
    expect(counts(1)).toEqual([1, 2, 3, 4]); // never restarted
    expect(counts(2)).toEqual([1]);
    expect(counts(3)).toEqual([1, 2]);
    const lines = sensor.logs().map((entry) => entry.line);
    expect(lines).toContain('started in-process');
    expect(lines.some((line) => JSON.parse(line.startsWith('{') ? line : '{}').msg === 'trigger instances updated')).toBe(true);
    expect(sensor.status().restarts).toBe(0);
    await sensor.stop();
  });

  it('survives a crash of the timer code: logs it, backs off, restarts on the same grid', async () => {
    let faults = 1;
    const { sensor, events } = makeTimerSensor(() => {
      if (faults-- > 0) throw new Error('boom in a fire');
    });
    sensor.update([interval(1, 1, START)]);
    await vi.advanceTimersByTimeAsync(1_000); // the first fire throws
    expect(sensor.status()).toMatchObject({ state: 'backoff', consecutiveFailures: 1, lastExit: { code: null, signal: null } });
    expect(sensor.logs().map((entry) => entry.line)).toContain('crashed: boom in a fire');
    expect(sensor.logs().some((entry) => entry.stream === 'stderr' && entry.line.includes('timer sensor crashed'))).toBe(true);
    await vi.advanceTimersByTimeAsync(4_000); // 1 s of backoff, then the timer again
    expect(sensor.status()).toMatchObject({ state: 'running', restarts: 1 });
    const scheduled = events.map((e) => (e.payload as IntervalFire).scheduled_at);
    expect(scheduled.length).toBeGreaterThanOrEqual(2);
    // Anchored at the rule: the restarted timer keeps the grid of whole seconds after START.
    for (const at of scheduled) expect((Date.parse(at) - START) % 1_000).toBe(0);
    await sensor.stop();
  });
});

describe('InProcessTimerRun', () => {
  it('ends as a crash, on a later microtask, when the instance list is unusable at start', async () => {
    const exits: unknown[] = [];
    const run = new InProcessTimerRun({
      launch: { ref: CORE_TIMER_SENSOR_REF, command: 'node', args: [], cwd: '/', triggerTypes: TIMER_TRIGGERS, liveUpdates: true },
      env: { ATTUNE_SENSOR_TRIGGERS: '[{"id":1,"ref":"core.intervaltimer","rule_ref":"a.b","config":{"interval":1}}]' },
      maxLineBytes: 1024,
      onStdoutLine: () => undefined,
      onStdoutOverflow: () => undefined,
      onStderrLine: (line) => {
        if (line.includes('"timer started"')) throw new Error('log sink broke');
      },
      onNotice: () => undefined,
      onExit: (exit) => exits.push(exit),
    });
    expect(run.isStarted).toBe(false);
    expect(exits).toEqual([]);
    await run.exited;
    expect(exits).toEqual([{ code: null, signal: null, reason: 'crashed: log sink broke' }]);
  });
});
