import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AttuneProcess, type ExecutionBody, makeHome, until, writePack } from './harness.js';

type Page<T> = { data: T[]; pagination: { total: number } };
interface SensorBody {
  ref: string;
  status: { state: string; restarts: number; consecutive_failures: number; last_exit: { at: string } | null; next_restart_at: string | null };
}

/** A sensor that prints garbage, then two valid events, then crashes; and a rule counting them. */
function writeFlakyPack(home: string): void {
  writePack(path.join(home, 'packs', 'flaky'), {
    'pack.yaml': 'ref: flaky\nversion: 1.0.0\n',
    'triggers/blip.yaml': 'name: blip\n',
    'sensors/flaky.sh': [
      'echo "starting" >&2',
      'echo "this is not json"',
      'echo "[1, 2, 3]"',
      'echo \'{"trigger_ref": "core.webhook", "payload": {}}\'',
      'echo \'{"trigger_ref": "flaky.blip", "payload": {"n": 1}}\'',
      'echo \'{"trigger_ref": "flaky.blip", "n": 2}\'',
      'sleep 0.2',
      'exit 3',
      '',
    ].join('\n'),
    'sensors/flaky.yaml': 'name: flaky\nrunner_type: shell\nentry_point: flaky.sh\ntrigger_types: [flaky.blip]\n',
    'rules/count.yaml': 'name: count\ntrigger_ref: flaky.blip\naction_ref: core.noop\n',
  });
}

/** A custom trigger and a rule running core.noop for each of its events. */
function writeLoadPack(home: string): void {
  writePack(path.join(home, 'packs', 'load'), {
    'pack.yaml': 'ref: load\nversion: 1.0.0\n',
    'triggers/hit.yaml': 'name: hit\n',
    'rules/run.yaml': 'name: run\ntrigger_ref: load.hit\naction_ref: core.noop\n',
  });
}

describe('resilience of the pipeline', () => {
  const processes: AttuneProcess[] = [];
  afterEach(async () => {
    for (const p of processes.splice(0)) await p.cleanup();
  });

  it('skips a sensor’s garbage, keeps its valid events, restarts it with backoff and leaves other sensors alone', async () => {
    const home = makeHome();
    writeFlakyPack(home);
    const attune = new AttuneProcess(home, { ATTUNE__SENSORS__RESTART_BASE_MS: '200', ATTUNE__SENSORS__ALERT_AFTER_FAILURES: '2' });
    processes.push(attune);
    await attune.start();
    await attune.api('POST', '/api/v1/rules', {
      ref: 'flaky.tick',
      trigger_ref: 'core.intervaltimer',
      trigger_params: { interval: 1 },
      action_ref: 'core.noop',
    });
    const sensor = () => attune.api<{ data: SensorBody }>('GET', '/api/v1/sensors/flaky.flaky').then((r) => r.body.data);
    // Each backoff seen, by the failure it follows: the delay it waits is base · 2^(failures − 1).
    const backoffs = new Map<number, number>();
    await until(sensor, ({ status }) => {
      if (status.state === 'backoff' && status.next_restart_at !== null && status.last_exit !== null) {
        backoffs.set(status.consecutive_failures, Date.parse(status.next_restart_at) - Date.parse(status.last_exit.at));
      }
      return status.restarts >= 2 && backoffs.size >= 2;
    }, 20);
    for (const [failures, delayMs] of backoffs) expect(delayMs, `backoff after failure ${failures}`).toBe(200 * 2 ** (failures - 1));

    const events = await attune.api<Page<{ payload: unknown; source: string }>>('GET', '/api/v1/events?trigger_ref=flaky.blip&limit=100');
    expect(events.body.data.length).toBeGreaterThanOrEqual(4); // two per run, at least two runs
    expect(events.body.data.every((e) => e.source === 'flaky.flaky')).toBe(true);
    expect(events.body.data.map((e) => e.payload)).toEqual(expect.arrayContaining([{ n: 1 }, { trigger_ref: 'flaky.blip', n: 2 }]));

    const logs = await attune.cli(['sensor', 'logs', 'flaky.flaky', '--limit', '200']);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain('this is not json');
    expect(logs.stdout).toContain('starting');

    const alerts = await until(
      () => attune.api<Page<{ payload: { sensor_ref: string } }>>('GET', '/api/v1/events?trigger_ref=core.alert'),
      (r) => r.body.data.length > 0,
    );
    expect(alerts.body.data[0]?.payload.sensor_ref).toBe('flaky.flaky');

    // Meanwhile the timer sensor keeps serving its rule, never restarted.
    await until(
      () => attune.api<Page<ExecutionBody>>('GET', '/api/v1/executions?rule_ref=flaky.tick&status=completed'),
      (r) => r.body.pagination.total >= 2,
    );
    const timer = await attune.api<{ data: SensorBody }>('GET', '/api/v1/sensors/core.interval_timer_sensor');
    expect(timer.body.data.status).toMatchObject({ state: 'running', restarts: 0 });
  });

  it('after kill -9 while events flow, every stored event has exactly one enforcement and one execution', async () => {
    const home = makeHome();
    writeLoadPack(home);
    const first = new AttuneProcess(home);
    processes.push(first);
    await first.start();
    const accepted: number[] = [];
    let killed = false;
    const inject = async () => {
      while (!killed) {
        try {
          const response = await first.api<{ data: { id: number } }>('POST', '/api/v1/events', { trigger_ref: 'load.hit', payload: { at: Date.now() } });
          if (response.status === 201) accepted.push(response.body.data.id);
        } catch {
          return; // the server is gone: this injector is done
        }
      }
    };
    const injectors = Array.from({ length: 8 }, () => inject());
    await until(() => Promise.resolve(accepted.length), (n) => n >= 300, 10);
    await first.stop('SIGKILL');
    killed = true;
    await Promise.all(injectors);

    const second = new AttuneProcess(home);
    processes.push(second);
    await second.start();
    const stored = await second.api<Page<{ id: number }>>('GET', '/api/v1/events?trigger_ref=load.hit&limit=1000');
    const storedIds = new Set(stored.body.data.map((e) => e.id));
    for (const id of accepted) expect(storedIds.has(id)).toBe(true);

    const executions = await until(
      () => second.api<Page<ExecutionBody & { event_id: number }>>('GET', '/api/v1/executions?rule_ref=load.run&limit=1000').then((r) => r.body),
      (page) => page.pagination.total >= storedIds.size && page.data.every((e) => ['completed', 'abandoned'].includes(e.status)),
      200,
    );
    const byEvent = new Map<number, number>();
    for (const execution of executions.data) byEvent.set(execution.event_id, (byEvent.get(execution.event_id) ?? 0) + 1);
    expect(executions.pagination.total).toBe(storedIds.size);
    expect([...byEvent.keys()].sort((a, b) => a - b)).toEqual([...storedIds].sort((a, b) => a - b));
    expect([...byEvent.values()].every((n) => n === 1)).toBe(true);
    const enforcements = await second.api<Page<{ event_id: number; status: string }>>('GET', '/api/v1/enforcements?rule_ref=load.run&limit=1000');
    expect(enforcements.body.pagination.total).toBe(storedIds.size);
    expect(new Set(enforcements.body.data.map((e) => e.event_id)).size).toBe(storedIds.size);
  });
});
