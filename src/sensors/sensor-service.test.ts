import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writePack } from '../../test/support/packs.js';
import { openSqliteStore } from '../../test/support/sqlite-store.js';
import { isAlive } from '../../test/support/processes.js';
import { until } from '../../test/support/wait.js';
import { InProcessBus } from '../bus/index.js';
import type { Event } from '../domain/index.js';
import { PackCatalog, PackRegistry } from '../packs/index.js';
import { RuleService } from '../rules/index.js';
import { SecretBox } from '../secrets/index.js';
import type { Store } from '../store/index.js';
import { EventIngest } from './event-ingest.js';
import { SensorService } from './sensor-service.js';

const CORE = path.resolve(import.meta.dirname, '../../packs/core');
const log = pino({ level: 'silent' });

/**
 * `probe.echo` prints, once started, one event for each trigger instance it was given (naming
 * it, with the whole list) and one event for every rule, then waits. `probe.crash` exits at once.
 */
const PROBE_PACK = {
  'pack.yaml': 'ref: probe\nversion: 1.0.0\n',
  'triggers/hit.yaml': 'name: hit\n',
  'triggers/boom.yaml': 'name: boom\n',
  'sensors/echo.yaml': 'name: echo\nrunner_type: node\nentry_point: echo.js\ntrigger_types: [probe.hit]\n',
  'sensors/echo.js': [
    'const instances = JSON.parse(process.env.ATTUNE_SENSOR_TRIGGERS);',
    'for (const instance of instances) console.log(JSON.stringify({ trigger_ref: "probe.hit", trigger_instance_id: instance.id, payload: { pid: process.pid, instances } }));',
    'console.log(JSON.stringify({ trigger_ref: "probe.hit", payload: { pid: process.pid, to: "every rule" } }));',
    'process.stdin.resume();',
    '',
  ].join('\n'),
  'sensors/crash.yaml': 'name: crash\nrunner_type: shell\nentry_point: crash.sh\ntrigger_types: [probe.boom]\n',
  'sensors/crash.sh': 'echo "going down" >&2\nexit 1\n',
  'rules/on_hit.yaml': 'name: on_hit\ntrigger_ref: probe.hit\naction_ref: core.noop\nenabled: false\n',
  'rules/on_boom.yaml': 'name: on_boom\ntrigger_ref: probe.boom\naction_ref: core.noop\nenabled: false\n',
};

type EchoPayload = { pid: number; instances?: { id: number; ref: string; rule_ref: string; config: unknown }[]; to?: string };

describe('SensorService', () => {
  let dir: string;
  let store: Store;
  let bus: InProcessBus;
  let rules: RuleService;
  let service: SensorService;
  let ingest: EventIngest;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'attune-sensors-'));
    store = await openSqliteStore(path.join(dir, 'db.sqlite'));
    bus = new InProcessBus({ retryDelayMs: 1 });
    const catalog = new PackCatalog({ store, bus });
    const secrets = SecretBox.forHome(dir);
    const registry = new PackRegistry({ store, bus, log, catalog, secrets });
    await registry.register(CORE);
    await registry.register(writePack(path.join(dir, 'probe'), PROBE_PACK));
    rules = new RuleService({ store, bus, log, secrets });
    ingest = new EventIngest({ store, bus, log, catalog });
    service = await startService(true);
  });

  const startService = async (timerInProcess: boolean, reportAs?: string, term?: number): Promise<SensorService> => {
    const started = new SensorService({
      ...(reportAs === undefined ? {} : { reportAs }),
      store,
      bus,
      log,
      ingest,
      config: {
        restart_base_ms: 10,
        restart_max_ms: 1_000,
        alert_after_failures: 2,
        kill_grace_ms: 500,
        log_max_bytes: 65_536,
        log_max_files: 1,
        lease_ms: 10_000,
        timer_in_process: timerInProcess,
      },
      logLevel: 'info',
      logDir: path.join(dir, 'logs', 'sensors'),
      baseEnv: process.env,
      ledgerDir: path.join(dir, 'run', 'sensors'),
    });
    await started.start('http://127.0.0.1:1', term);
    return started;
  };

  afterEach(async () => {
    await service.stop();
    await bus.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const eventsOf = async (triggerRef: string): Promise<readonly Event[]> => (await store.events.list({ triggerRef, limit: 100, offset: 0 })).items;
  const payloadsFrom = async (pid: number) => (await eventsOf('probe.hit')).filter((e) => (e.payload as EchoPayload).pid === pid);

  it('runs a sensor only while an enabled rule uses one of its triggers, and stores what it emits', async () => {
    expect(service.statusOf('probe.echo')).toBeUndefined();
    const rule = await rules.setEnabled('probe.on_hit', true);
    const running = await until(() => service.statusOf('probe.echo'), (s) => s?.state === 'running' && s.pid !== null);
    const pid = running?.pid as number;

    const events = await until(() => payloadsFrom(pid), (list) => list.length === 2);
    expect(events.every((e) => e.source === 'probe.echo' && e.triggerRef === 'probe.hit')).toBe(true);
    // The event for the rule's instance targets that rule; the other is for every rule.
    const targeted = events.find((e) => e.ruleRef !== null);
    expect(targeted?.ruleRef).toBe('probe.on_hit');
    expect((targeted?.payload as EchoPayload).instances).toEqual([{ id: rule.id, ref: 'probe.hit', rule_ref: 'probe.on_hit', config: {} }]);
    expect(events.find((e) => e.ruleRef === null)?.payload).toEqual({ pid, to: 'every rule' });

    await rules.setEnabled('probe.on_hit', false);
    await until(() => service.statusOf('probe.echo'), (s) => s?.state === 'stopped');
    expect(isAlive(pid)).toBe(false);
    expect(service.statusOf('probe.echo')).toMatchObject({ pid: null, instances: 0, restarts: 0 });
  });

  it('restarts a sensor that reads no updates with the new set of rules, not counting that as a restart', async () => {
    await rules.setEnabled('probe.on_hit', true);
    const first = (await until(() => service.statusOf('probe.echo'), (s) => s?.pid != null))?.pid as number;
    await until(() => payloadsFrom(first), (list) => list.length === 2);

    const second = await rules.create({ ref: 'probe.also_hit', trigger_ref: 'probe.hit', action_ref: 'core.noop' });
    const restarted = (await until(() => service.statusOf('probe.echo'), (s) => s?.pid != null && s.pid !== first))?.pid as number;
    const events = await until(() => payloadsFrom(restarted), (list) => list.length === 3);
    const instances = (events.find((e) => e.ruleRef !== null)?.payload as EchoPayload).instances;
    expect(instances?.map((i) => i.rule_ref).sort()).toEqual(['probe.also_hit', 'probe.on_hit']);
    expect(events.filter((e) => e.ruleRef === 'probe.also_hit')).toHaveLength(1);
    expect(instances?.find((i) => i.rule_ref === 'probe.also_hit')?.id).toBe(second.id);
    expect(isAlive(first)).toBe(false);
    expect(service.statusOf('probe.echo')).toMatchObject({ state: 'running', restarts: 0, instances: 2 });
  });

  it('raises one core.alert event for a sensor that keeps failing, and keeps restarting it', async () => {
    await rules.setEnabled('probe.on_boom', true);
    await until(() => service.statusOf('probe.crash'), (s) => s !== undefined && s.consecutiveFailures >= 4);
    const alerts = await until(() => eventsOf('core.alert'), (list) => list.length > 0);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ source: 'attune', payload: { kind: 'sensor_failing', sensor_ref: 'probe.crash', consecutive_failures: 2 } });
    expect(service.logs('probe.crash')?.map((l) => l.line)).toContain('going down');
  });

  it('ends every sensor process when it stops', async () => {
    await rules.setEnabled('probe.on_hit', true);
    const pid = (await until(() => service.statusOf('probe.echo'), (s) => s?.pid != null))?.pid as number;
    await service.stop();
    expect(isAlive(pid)).toBe(false);
    expect(service.statusOf('probe.echo')?.state).toBe('stopped');
  });

  const TIMER = 'core.interval_timer_sensor';
  const createTimerRule = () =>
    rules.create({ ref: 'probe.every_second', trigger_ref: 'core.intervaltimer', trigger_params: { unit: 'seconds', interval: 1 }, action_ref: 'core.noop' });

  it('runs the core timer sensor in-process by default: no process, events stored as from its process', async () => {
    const rule = await createTimerRule();
    const running = await until(() => service.statusOf(TIMER), (s) => s?.state === 'running');
    expect(running).toMatchObject({ pid: null, inProcess: true, instances: 1 });
    const events = await until(() => eventsOf('core.intervaltimer'), (list) => list.length >= 2);
    expect(events[0]).toMatchObject({ source: TIMER, ruleRef: 'probe.every_second' });
    expect(events[0]?.payload).toMatchObject({ type: 'interval', interval_seconds: 1, sensor_ref: TIMER, trigger_instance_id: rule.id });
    expect(service.logs(TIMER)?.map((l) => l.line)).toContain('started in-process');
    expect(service.logs(TIMER)?.some((l) => l.stream === 'stderr' && l.line.includes('"msg":"timer started"'))).toBe(true);

    await rules.setEnabled('probe.every_second', false);
    await until(() => service.statusOf(TIMER), (s) => s?.state === 'stopped');
    const stored = (await eventsOf('core.intervaltimer')).length;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await eventsOf('core.intervaltimer')).toHaveLength(stored);
  });

  it('runs the core timer sensor as a child process when sensors.timer_in_process is false', async () => {
    await service.stop();
    service = await startService(false);
    await createTimerRule();
    const running = await until(() => service.statusOf(TIMER), (s) => s?.state === 'running' && s.pid !== null);
    expect(running?.inProcess).toBe(false);
    const events = await until(() => eventsOf('core.intervaltimer'), (list) => list.length >= 1);
    expect(events[0]).toMatchObject({ source: TIMER, ruleRef: 'probe.every_second' });
    const pid = running?.pid as number;
    await service.stop();
    expect(isAlive(pid)).toBe(false);
  });

  it('reports status and log lines to the database only when told a name, and the last word on stop', async () => {
    await rules.setEnabled('probe.on_boom', true);
    await until(() => service.statusOf('probe.crash'), (s) => (s?.restarts ?? 0) >= 1);
    expect(await store.sensorReports.list()).toEqual([]); // the embedded mode: memory only
    await service.stop();

    service = await startService(true, 'sens-a', 4);
    const backoff = await until(() => store.sensorReports.get('probe.crash'), (r) => (r?.consecutiveFailures ?? 0) >= 2);
    expect(backoff).toMatchObject({ service: 'sens-a', term: 4, inProcess: false, lastExit: { code: 1, signal: null } });
    const lines = await until(() => store.sensorReports.logsOf('probe.crash'), (l) => (l ?? []).some((e) => e.line === 'going down'));
    expect(lines?.find((e) => e.line === 'going down')).toMatchObject({ stream: 'stderr' });
    await service.stop();
    const last = await store.sensorReports.get('probe.crash');
    expect([last?.state, last?.pid, last?.instances]).toEqual(['stopped', null, 0]);
    expect((await store.sensorReports.logsOf('probe.crash'))?.slice(-1)).toEqual(service.logs('probe.crash', 1)?.map(({ at, stream, line }) => ({ at, stream, line })) ?? []);
  });
});
