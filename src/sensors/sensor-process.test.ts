import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { SensorProcess, type SensorEmission, type SensorProcessOptions, type SensorStatus, type TriggerInstance } from './sensor-process.js';
import { isAlive } from '../../test/support/processes.js';
import { waitFor } from '../../test/support/wait.js';

const TRIGGER = 'test.trig';
let dir = '';
const started: SensorProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'attune-sensor-'));
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Harness {
  readonly sensor: SensorProcess;
  readonly events: SensorEmission[];
  readonly alerts: Parameters<SensorProcessOptions['onAlert']>[0][];
}

async function makeSensor(name: string, script: string, overrides: Partial<SensorProcessOptions> = {}, liveUpdates = false): Promise<Harness> {
  const path = join(dir, `${name}.sh`);
  await writeFile(path, script);
  const events: SensorEmission[] = [];
  const alerts: Harness['alerts'] = [];
  const sensor = new SensorProcess({
    launch: { ref: `test.${name}`, command: 'bash', args: [path], cwd: dir, triggerTypes: [TRIGGER], liveUpdates },
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ATTUNE_SENSOR_REF: `test.${name}` },
    onEvents: async (batch) => {
      events.push(...batch);
    },
    onAlert: async (a) => {
      alerts.push(a);
    },
    log: pino({ level: 'silent' }),
    restartBaseMs: 100,
    restartMaxMs: 10_000,
    killGraceMs: 300,
    ...overrides,
  });
  started.push(sensor);
  return { sensor, events, alerts };
}

function instance(id: number, config: Record<string, unknown> = {}): TriggerInstance {
  return { id, ref: TRIGGER, rule_ref: `test.rule${id}`, config };
}

const EMIT_READY = `echo '{"trigger_ref":"${TRIGGER}","payload":"ready"}'\n`;

describe('SensorProcess', () => {
  it('delivers valid lines in order, logs invalid ones, and restarts with doubling backoff and one alert', async () => {
    const script = [
      `echo 'this is not json'`,
      `echo '[1,2,3]'`,
      `echo '{"trigger_ref":"other.trigger","x":1}'`,
      `echo '{"trigger_ref":"${TRIGGER}","trigger_instance_id":7,"payload":{"n":1}}'`,
      `echo '{"trigger_ref":"${TRIGGER}","n":2}'`,
      'exit 1',
    ].join('\n');
    let inFlight = 0;
    let maxInFlight = 0;
    const h = await makeSensor('crashy', script, {
      onEvents: async (batch) => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        h.events.push(...batch);
        inFlight -= 1;
      },
    });
    const backoffs = new Map<number, SensorStatus>();
    h.sensor.update([instance(7)]);
    await waitFor(() => {
      const s = h.sensor.status();
      if (s.state === 'backoff' && !backoffs.has(s.consecutiveFailures)) backoffs.set(s.consecutiveFailures, s);
      return s.consecutiveFailures >= 4;
    });

    expect(h.events.slice(0, 2)).toEqual([
      { triggerRef: TRIGGER, triggerInstanceId: 7, payload: { n: 1 } },
      { triggerRef: TRIGGER, triggerInstanceId: null, payload: { trigger_ref: TRIGGER, n: 2 } },
    ]);
    expect(h.events.slice(2, 4)).toEqual(h.events.slice(0, 2));
    expect(maxInFlight).toBe(1);
    const lines = h.sensor.logs().map((l) => l.line);
    expect(lines).toContain('skipped stdout line: not JSON: this is not json');
    expect(lines).toContain('skipped stdout line: not a JSON object: [1,2,3]');
    expect(lines.some((l) => l.includes('other.trigger is not served'))).toBe(true);
    expect(lines).toContain('exited with code 1');

    expect(h.sensor.status().restarts).toBeGreaterThanOrEqual(3);
    for (const [failures, delay] of [[1, 100], [2, 200], [3, 400], [4, 800]] as const) {
      const s = backoffs.get(failures);
      expect(s, `backoff after failure ${failures}`).toBeDefined();
      // The status states the restart instant from the same reading of the clock as the exit.
      expect(Date.parse(s?.nextRestartAt ?? '') - Date.parse(s?.lastExit?.at ?? '')).toBe(delay);
    }
    expect(h.alerts).toHaveLength(1);
    expect(h.alerts[0]).toMatchObject({ sensorRef: 'test.crashy', consecutiveFailures: 3, lastExit: { code: 1, signal: null } });
  });

  it('passes ATTUNE_SENSOR_TRIGGERS exactly and nothing else from the parent environment', async () => {
    process.env.ATTUNE_TEST_LEAK = 'secret';
    const script = [
      `printf '{"trigger_ref":"${TRIGGER}","payload":%s}\\n' "$ATTUNE_SENSOR_TRIGGERS"`,
      `printf '{"trigger_ref":"${TRIGGER}","payload":"%s"}\\n' "$(env | cut -d= -f1 | sort | tr '\\n' ' ')"`,
      'sleep 1000',
    ].join('\n');
    const h = await makeSensor('env', script);
    const instances = [instance(1, { delta: 5, nested: { a: [1, 'x'] } }), { ...instance(2), fired: true }, { ...instance(3), fired: false }];
    h.sensor.update(instances);
    await waitFor(() => h.events.length >= 2);
    expect(h.events[0]?.payload).toEqual([
      { id: 1, ref: TRIGGER, rule_ref: 'test.rule1', config: { delta: 5, nested: { a: [1, 'x'] } } },
      { id: 2, ref: TRIGGER, rule_ref: 'test.rule2', config: {}, fired: true },
      { id: 3, ref: TRIGGER, rule_ref: 'test.rule3', config: {} },
    ]);
    const names = String(h.events[1]?.payload).trim().split(' ');
    expect(names).toContain('ATTUNE_SENSOR_REF');
    expect(names).not.toContain('ATTUNE_TEST_LEAK');
    // bash itself adds PWD, SHLVL and _.
    expect(names.filter((n) => !['ATTUNE_SENSOR_TRIGGERS', 'ATTUNE_SENSOR_REF', 'PATH', 'PWD', 'SHLVL', '_'].includes(n))).toEqual([]);
    delete process.env.ATTUNE_TEST_LEAK;
  });

  it('sends new trigger instances on stdin to a live-updating sensor without restarting it', async () => {
    const script = `${EMIT_READY}while IFS= read -r line; do printf '{"trigger_ref":"${TRIGGER}","payload":%s}\\n' "$line"; done\nsleep 1000\n`;
    const h = await makeSensor('live', script, {}, true);
    h.sensor.update([instance(1)]);
    await waitFor(() => h.events.length === 1);
    const pid = h.sensor.status().pid;
    h.sensor.update([instance(1, { b: 1, a: 2 })]);
    await waitFor(() => h.events.length === 2);
    h.sensor.update([instance(1, { a: 2, b: 1 })]); // same content, other key order: nothing sent
    h.sensor.update([instance(1, { a: 2, b: 1 }), instance(2)]);
    await waitFor(() => h.events.length === 3);
    expect(h.events[1]?.payload).toEqual({ type: 'triggers', triggers: [{ id: 1, ref: TRIGGER, rule_ref: 'test.rule1', config: { b: 1, a: 2 } }] });
    expect(h.events[2]?.payload).toMatchObject({ type: 'triggers', triggers: [{ id: 1 }, { id: 2 }] });
    expect(h.sensor.status()).toMatchObject({ pid, state: 'running', restarts: 0, instances: 2 });
  });

  it('coalesces a burst of updates into the latest list', async () => {
    const script = `${EMIT_READY}while IFS= read -r line; do printf '{"trigger_ref":"${TRIGGER}","payload":%s}\\n' "$line"; done\n`;
    const h = await makeSensor('burst', script, {}, true);
    h.sensor.update([instance(1)]);
    await waitFor(() => h.events.length === 1);
    h.sensor.update([instance(2)]);
    h.sensor.update([instance(3)]);
    await waitFor(() => h.events.length === 2);
    // A later update is the marker: stdout is in order, so a message for [2] would come before it.
    h.sensor.update([instance(4)]);
    await waitFor(() => h.events.length === 3);
    expect(h.events.map((e) => e.payload)).toEqual([
      'ready',
      { type: 'triggers', triggers: [instance(3)] },
      { type: 'triggers', triggers: [instance(4)] },
    ]);
  });

  it('restarts a sensor that does not read stdin with the new environment', async () => {
    const script = `printf '{"trigger_ref":"${TRIGGER}","payload":{"pid":%s,"triggers":%s}}\\n' "$$" "$ATTUNE_SENSOR_TRIGGERS"\nsleep 1000\n`;
    const h = await makeSensor('restart', script);
    h.sensor.update([instance(1)]);
    await waitFor(() => h.events.length === 1);
    const firstPid = h.sensor.status().pid;
    h.sensor.update([instance(1)]); // unchanged: nothing happens
    h.sensor.update([instance(1), instance(2)]);
    await waitFor(() => h.events.length === 2);
    const payload = h.events[1]?.payload as { pid: number; triggers: { id: number }[] };
    expect(payload.pid).not.toBe(firstPid);
    expect(payload.pid).toBe(h.sensor.status().pid);
    expect(payload.triggers.map((t) => t.id)).toEqual([1, 2]);
    expect(isAlive(firstPid ?? 0)).toBe(false);
    expect(h.sensor.status()).toMatchObject({ state: 'running', restarts: 0, consecutiveFailures: 0 });
  });

  it('stops on an empty instance list and kills the whole process group on stop()', async () => {
    const script = `sleep 1000 &\nprintf '{"trigger_ref":"${TRIGGER}","payload":{"child":%s}}\\n' "$!"\nwait\n`;
    const h = await makeSensor('group', script);
    h.sensor.update([instance(1)]);
    await waitFor(() => h.events.length === 1);
    const leader = h.sensor.status().pid ?? 0;
    const child = (h.events[0]?.payload as { child: number }).child;
    expect(isAlive(child)).toBe(true);
    h.sensor.update([]);
    await waitFor(() => h.sensor.status().state === 'stopped');
    expect(isAlive(leader)).toBe(false); // its exit was seen
    // Signals to the rest of the group were sent; each takes effect when its process next runs.
    await waitFor(() => !isAlive(child));
    expect(h.sensor.status()).toMatchObject({ pid: null, consecutiveFailures: 0, nextRestartAt: null, instances: 0 });

    h.sensor.update([instance(1)]);
    await waitFor(() => h.events.length === 2);
    const child2 = (h.events[1]?.payload as { child: number }).child;
    await h.sensor.stop();
    expect(h.sensor.status().state).toBe('stopped');
    await waitFor(() => !isAlive(child2));
  });

  it('escalates to SIGKILL when the sensor ignores SIGTERM', async () => {
    const h = await makeSensor('stubborn', `trap '' TERM\n${EMIT_READY}sleep 1000 &\nwait\n`, { killGraceMs: 200 });
    h.sensor.update([instance(1)]);
    await waitFor(() => h.events.length === 1);
    const pid = h.sensor.status().pid ?? 0;
    await h.sensor.stop();
    expect(isAlive(pid)).toBe(false);
    expect(h.sensor.status().lastExit).toMatchObject({ signal: 'SIGKILL' });
    expect(h.sensor.status().consecutiveFailures).toBe(0);
  });

  it('keeps stderr lines as the log', async () => {
    const h = await makeSensor('stderr', `echo 'hello from stderr' >&2\nprintf 'partial ' >&2\necho 'line' >&2\nsleep 1000\n`);
    h.sensor.update([instance(1)]);
    await waitFor(() => h.sensor.logs().filter((l) => l.stream === 'stderr').length === 2);
    expect(h.sensor.logs().filter((l) => l.stream === 'stderr').map((l) => l.line)).toEqual(['hello from stderr', 'partial line']);
    expect(h.sensor.logs(1)).toHaveLength(1);
  });

  it('keeps two sensors independent when one crashes', async () => {
    const crashing = await makeSensor('crash2', 'exit 3\n', { restartBaseMs: 20 });
    const steady = await makeSensor('steady', `for i in $(seq 1 1000); do echo "{\\"trigger_ref\\":\\"${TRIGGER}\\",\\"i\\":$i}"; sleep 0.02; done\n`);
    crashing.sensor.update([instance(1)]);
    steady.sensor.update([instance(1)]);
    await waitFor(() => crashing.sensor.status().restarts >= 3 && steady.events.length >= 10);
    expect(steady.events.map((e) => (e.payload as { i: number }).i)).toEqual(steady.events.map((_, i) => i + 1));
    expect(steady.sensor.status()).toMatchObject({ state: 'running', restarts: 0, consecutiveFailures: 0 });
    expect(crashing.sensor.status().lastExit).toMatchObject({ code: 3 });
  });

  it('counts a spawn error as a failure', async () => {
    const h = await makeSensor('missing', '');
    const missing = new SensorProcess({
      launch: { ref: 'test.missing', command: join(dir, 'no-such-program'), args: [], cwd: dir, triggerTypes: [TRIGGER], liveUpdates: false },
      env: {},
      onEvents: async () => undefined,
      onAlert: async (a) => {
        h.alerts.push(a);
      },
      log: pino({ level: 'silent' }),
      restartBaseMs: 10,
      alertAfterFailures: 2,
    });
    started.push(missing);
    missing.update([instance(1)]);
    await waitFor(() => missing.status().consecutiveFailures >= 3);
    expect(missing.logs().some((l) => l.line.includes('ENOENT'))).toBe(true);
    expect(h.alerts).toHaveLength(1);
  });

  it('ends the failure streak after a stable run and survives a throwing onEvents', async () => {
    let calls = 0;
    const h = await makeSensor('stable', `${EMIT_READY}${EMIT_READY}sleep 0.3\nexit 1\n`, {
      stableAfterMs: 100,
      restartBaseMs: 50,
      onEvents: async (batch) => {
        calls += 1;
        if (calls % 2 === 1) throw new Error('store down');
        h.events.push(...batch);
      },
    });
    h.sensor.update([instance(1)]);
    // Each run prints two lines; whether they reach onEvents in one batch or two depends on the
    // scheduler, so which runs' lines hit a throwing call varies: wait for both conditions.
    await waitFor(() => h.sensor.status().restarts >= 2 && h.events.length >= 2);
    expect(h.sensor.status().consecutiveFailures).toBeLessThanOrEqual(1);
    expect(h.alerts).toHaveLength(0);
  });

  it('hands a burst of lines over in a few batches, in stdout order, one batch at a time', async () => {
    const count = 2000;
    const script = `awk 'BEGIN { for (i = 1; i <= ${count}; i++) printf "{\\"trigger_ref\\":\\"${TRIGGER}\\",\\"payload\\":{\\"n\\":%d}}\\n", i }'\nexec sleep 30\n`;
    const sizes: number[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const h = await makeSensor('burst', script, {
      onEvents: async (batch) => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        sizes.push(batch.length);
        await new Promise((resolve) => setTimeout(resolve, 2));
        h.events.push(...batch);
        inFlight -= 1;
      },
    });
    h.sensor.update([instance(1)]);
    await waitFor(() => h.events.length >= count);
    await h.sensor.stop();
    expect(h.events.map((e) => (e.payload as { n: number }).n)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    expect(maxInFlight).toBe(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(500);
    expect(sizes.length).toBeLessThan(count / 10);
  });
});
