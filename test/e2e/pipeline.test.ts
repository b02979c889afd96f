import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttuneProcess, type ExecutionBody, isAlive, isTerminal, makeHome, until, writePack } from './harness.js';

interface EventBody {
  id: number;
  trigger_ref: string;
  rule_ref: string | null;
  payload: Record<string, unknown>;
  processed_at: string | null;
}
interface SensorBody {
  ref: string;
  status: { state: string; pid: number | null; restarts: number };
}
type Page<T> = { data: T[]; pagination: { total: number } };

/** A pack with a custom trigger, so tests can inject events and count what rules do with them. */
function writeProbePack(home: string): void {
  writePack(path.join(home, 'packs', 'probe'), {
    'pack.yaml': 'ref: probe\nversion: 1.0.0\n',
    'triggers/hit.yaml': 'name: hit\ndescription: injected by tests\n',
    'actions/types.js':
      'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const p=JSON.parse(s);console.log(JSON.stringify(Object.fromEntries(Object.entries(p).map(([k,v])=>[k,typeof v]))))});\n',
    'actions/types.yaml':
      'name: types\nrunner_type: node\nentry_point: types.js\noutput_format: json\nparameters:\n  count: {type: integer}\n  label: {type: string}\n  tags: {type: array}\n',
  });
}

describe('the event pipeline through attune up', () => {
  const home = makeHome();
  writeProbePack(home);
  const attune = new AttuneProcess(home);
  beforeAll(async () => {
    await attune.start();
  });
  afterAll(() => attune.cleanup());

  const executionsOf = (ruleRef: string) =>
    attune.api<Page<ExecutionBody>>('GET', `/api/v1/executions?rule_ref=${ruleRef}&limit=1000`).then((r) => r.body);
  const eventsOf = (ruleRef: string) => attune.api<Page<EventBody>>('GET', `/api/v1/events?rule_ref=${ruleRef}&limit=1000`).then((r) => r.body.data);
  const timerSensor = () =>
    attune.api<{ data: SensorBody }>('GET', '/api/v1/sensors/core.interval_timer_sensor').then((r) => r.body.data);
  const createRule = (rule: Record<string, unknown>) => attune.api<{ data: { ref: string; id: number } }>('POST', '/api/v1/rules', rule);

  it('runs a 1-second interval rule, stops the timer sensor when disabled, and resumes when enabled', async () => {
    const file = path.join(home, 'tick.yaml');
    writeFileSync(
      file,
      [
        'ref: probe.tick',
        'trigger_ref: core.intervaltimer',
        'trigger_params: {unit: seconds, interval: 1}',
        'action_ref: core.echo',
        'action_params:',
        '  message: "tick {{ event.payload.execution_count }}"',
        '',
      ].join('\n'),
    );
    const created = await attune.cli(['rule', 'create', file]);
    expect(created.code, created.stderr).toBe(0);
    const listed = () => attune.cli(['execution', 'list', '--rule', 'probe.tick', '--status', 'completed', '-o', 'json']);
    const completed = await until(
      async () => JSON.parse((await listed()).stdout) as ExecutionBody[],
      (list) => list.length >= 3,
    );
    // Lists summarise results; each execution's own route has its output.
    const shown = await Promise.all(completed.map(async (e) => (await attune.api<{ data: ExecutionBody }>('GET', `/api/v1/executions/${e.id}`)).body.data));
    const outputs = shown.map((e) => e.result?.stdout ?? '');
    for (const output of outputs) expect(output).toMatch(/^tick \d+\n$/);
    const counts = outputs.map((o) => Number(o.slice(5)));
    expect(new Set(counts).size).toBe(counts.length);
    // The rule's first execution, whatever finished first under load, came from tick 1.
    const firstId = Math.min(...(await executionsOf('probe.tick')).data.map((e) => e.id));
    expect((await attune.waitForExecution(firstId, isTerminal)).result?.stdout).toBe('tick 1\n');

    const cli = await attune.cli(['rule', 'disable', 'probe.tick']);
    expect(cli.code, cli.stderr).toBe(0);
    const pid = (await timerSensor()).status.pid;
    const stopped = await until(timerSensor, (s) => s.status.state === 'stopped');
    expect(stopped.status.pid).toBeNull();
    if (pid !== null) await until(() => Promise.resolve(isAlive(pid)), (alive) => !alive);
    // A tick emitted just before the disable may still be on its way through the rule engine.
    const events = await until(() => eventsOf('probe.tick'), (list) => list.every((e) => e.processed_at !== null));
    const frozen = (await executionsOf('probe.tick')).pagination.total;
    // Another rule on the same timer is the clock: two of its ticks, and none for the disabled rule.
    await createRule({ ref: 'probe.clock', trigger_ref: 'core.intervaltimer', trigger_params: { interval: 1 }, action_ref: 'core.noop' });
    await until(() => eventsOf('probe.clock'), (list) => list.length >= 2 && list.every((e) => e.processed_at !== null));
    await attune.api('POST', '/api/v1/rules/probe.clock/disable');
    expect(await eventsOf('probe.tick')).toHaveLength(events.length);
    expect((await executionsOf('probe.tick')).pagination.total).toBe(frozen);

    expect((await attune.cli(['rule', 'enable', 'probe.tick'])).code).toBe(0);
    await until(() => executionsOf('probe.tick'), (page) => page.pagination.total >= frozen + 2);
    expect((await timerSensor()).status.state).toBe('running');
    expect((await attune.cli(['rule', 'disable', 'probe.tick'])).code).toBe(0);
  });

  it('fires two rules on the same timer trigger independently, each only for its own instance', async () => {
    const one = await createRule({ ref: 'probe.every1', trigger_ref: 'core.intervaltimer', trigger_params: { interval: 1 }, action_ref: 'core.noop' });
    const two = await createRule({ ref: 'probe.every2', trigger_ref: 'core.intervaltimer', trigger_params: { interval: 2 }, action_ref: 'core.noop' });
    await until(() => eventsOf('probe.every2'), (events) => events.length >= 2);
    await attune.api('POST', '/api/v1/rules/probe.every1/disable');
    await attune.api('POST', '/api/v1/rules/probe.every2/disable');
    const fast = await eventsOf('probe.every1');
    const slow = await eventsOf('probe.every2');
    expect(fast.every((e) => e.payload.trigger_instance_id === one.body.data.id && e.payload.interval_seconds === 1)).toBe(true);
    expect(slow.every((e) => e.payload.trigger_instance_id === two.body.data.id && e.payload.interval_seconds === 2)).toBe(true);
    expect(fast.length).toBeGreaterThan(slow.length);
    // Every execution of the slow rule came from one of its own events, once.
    const slowIds = new Set(slow.map((e) => e.id));
    const slowExecutions = (await executionsOf('probe.every2')).data as (ExecutionBody & { event_id: number })[];
    expect(slowExecutions.length).toBeGreaterThan(0);
    expect(slowExecutions.every((e) => slowIds.has(e.event_id))).toBe(true);
    expect(new Set(slowExecutions.map((e) => e.event_id)).size).toBe(slowExecutions.length);
  });

  it('fires a cron rule on the seconds its expression names', async () => {
    await createRule({ ref: 'probe.cron', trigger_ref: 'core.crontimer', trigger_params: { expression: '*/2 * * * * *' }, action_ref: 'core.noop' });
    const events = await until(() => eventsOf('probe.cron'), (list) => list.length >= 2);
    await attune.api('POST', '/api/v1/rules/probe.cron/disable');
    for (const event of events) {
      const scheduled = new Date(String(event.payload.scheduled_at));
      expect(scheduled.getUTCSeconds() % 2).toBe(0);
      expect(scheduled.getUTCMilliseconds()).toBe(0);
    }
  });

  it('fires a date-time rule exactly once, and a missed instant once, late', async () => {
    const soon = new Date(Date.now() + 1500).toISOString();
    await createRule({ ref: 'probe.soon', trigger_ref: 'core.datetimetimer', trigger_params: { fire_at: soon }, action_ref: 'core.noop' });
    await createRule({ ref: 'probe.missed', trigger_ref: 'core.datetimetimer', trigger_params: { fire_at: '2020-01-01T00:00:00Z' }, action_ref: 'core.noop' });
    await until(() => executionsOf('probe.soon'), (page) => page.pagination.total >= 1);
    const missed = await until(() => eventsOf('probe.missed'), (list) => list.length >= 1);
    expect(Number(missed[0]?.payload.delay_ms)).toBeGreaterThan(0);
    // A rule change makes the sensor reconcile; a one-shot that fired must not fire again. A
    // re-armed past instant would fire at once, before the new rule's second tick.
    await createRule({ ref: 'probe.nudge', trigger_ref: 'core.intervaltimer', trigger_params: { interval: 1 }, action_ref: 'core.noop', enabled: false });
    await attune.api('POST', '/api/v1/rules/probe.nudge/enable');
    await until(() => eventsOf('probe.nudge'), (list) => list.length >= 2 && list.every((e) => e.processed_at !== null));
    expect(await eventsOf('probe.soon')).toHaveLength(1);
    expect(await eventsOf('probe.missed')).toHaveLength(1);
    expect((await executionsOf('probe.soon')).pagination.total).toBe(1);
    await attune.api('POST', '/api/v1/rules/probe.nudge/disable');
  });

  it('runs the action only when the conditions hold, and keeps template types', async () => {
    await createRule({
      ref: 'probe.cond',
      trigger_ref: 'probe.hit',
      conditions: ['event.payload.level > 3', 'event.payload.label.startsWith("x")'],
      action_ref: 'probe.types',
      action_params: { count: '{{ event.payload.level * 2 }}', label: 'level {{ event.payload.level }}', tags: '{{ event.payload.tags }}' },
    });
    const emit = (payload: unknown) => attune.api<{ data: EventBody }>('POST', '/api/v1/events', { trigger_ref: 'probe.hit', payload });
    const low = await emit({ level: 1, label: 'x', tags: [] });
    const wrongLabel = await emit({ level: 9, label: 'y', tags: [] });
    const high = await emit({ level: 5, label: 'x', tags: ['a', 'b'] });
    // Every event evaluated against the rule first: only then does "no enforcement" mean anything.
    const event = (id: number) => attune.api<{ data: EventBody }>('GET', `/api/v1/events/${id}`).then((r) => r.body.data);
    await until(() => Promise.all([low, wrongLabel, high].map((e) => event(e.body.data.id))), (list) => list.every((e) => e.processed_at !== null));
    const done = await until(() => executionsOf('probe.cond'), (page) => page.data.some(isTerminal));
    expect(done.pagination.total).toBe(1);
    const execution = done.data[0] as ExecutionBody & { event_id: number };
    expect(execution.event_id).toBe(high.body.data.id);
    expect(execution.parameters).toEqual({ count: 10, label: 'level 5', tags: ['a', 'b'] });
    const { body: shown } = await attune.api<{ data: ExecutionBody }>('GET', `/api/v1/executions/${execution.id}`);
    expect(shown.data.result?.data).toEqual({ count: 'number', label: 'string', tags: 'object' });
    for (const id of [low.body.data.id, wrongLabel.body.data.id]) {
      const enforcements = await attune.api<Page<unknown>>('GET', `/api/v1/enforcements?event=${id}`);
      expect(enforcements.body.pagination.total).toBe(0);
    }
  });

  it('rejects a rule whose CEL does not compile, quoting the expression and position', async () => {
    const bad = await attune.api<{ error: { code: string; message: string } }>('POST', '/api/v1/rules', {
      ref: 'probe.bad',
      trigger_ref: 'probe.hit',
      conditions: 'event.payload.level >> 3',
      action_ref: 'core.noop',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('ERR_RULE_INVALID');
    expect(bad.body.error.message).toContain('event.payload.level >> 3');
    expect(bad.body.error.message).toMatch(/column \d+/);
    const unknown = await attune.api<{ error: { message: string } }>('POST', '/api/v1/rules', {
      ref: 'probe.bad',
      trigger_ref: 'probe.hit',
      action_ref: 'core.echo',
      action_params: { message: '{{ evnt.payload }}' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('evnt');
    expect((await attune.api('GET', '/api/v1/rules/probe.bad')).status).toBe(404);
  });
});
