import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttuneProcess, BIN, type ExecutionBody, until } from './harness.js';

interface EventBody {
  readonly id: number;
  readonly payload: { readonly rules?: string; readonly count?: number };
}
interface SensorBody {
  readonly status: { readonly state: string; readonly pid: number | null; readonly restarts: number } | null;
}
type Page<T> = { readonly data: readonly T[] };

const TRIGGER = 'examples.daemon_tick';
const SENSOR = 'examples.daemon_ticker';

/**
 * The examples pack's daemon sensor (bash + curl): Attune starts it with a sensor token when a
 * rule uses its trigger; it posts events through the API and learns rule changes from the live
 * stream (it declares live_updates, so Attune never restarts it for them).
 */
describe('the live stream through attune up', () => {
  const attune = new AttuneProcess();
  beforeAll(async () => {
    await attune.start();
  });
  afterAll(() => attune.cleanup());

  const run = async (parameters: Record<string, unknown>, actionRef = 'core.shell') =>
    (await attune.api<{ data: ExecutionBody }>('POST', '/api/v1/executions', { action_ref: actionRef, parameters })).body.data.id;

  it('attune execution show --watch prints the status changes and exits with the execution', async () => {
    const slow = await run({ cmd: 'sleep 1; echo done' });
    const watched = await attune.cli(['execution', 'show', String(slow), '--watch']);
    expect(watched.stdout).toMatch(new RegExp(`execution ${slow}  core.shell  completed`));
    expect(watched.stdout).toContain('status: completed');
    expect(watched.code).toBe(0);
    const failing = await run({ cmd: 'sleep 1; exit 3' });
    const failed = await attune.cli(['execution', 'show', String(failing), '--watch']);
    expect(failed.stdout).toContain('status: failed');
    expect(failed.code).not.toBe(0);
  });

  it('attune execution list --watch prints a line per change until interrupted', async () => {
    const child = spawn(process.execPath, [BIN, '--home', attune.home, 'execution', 'list', '--watch', '--action', 'core.noop'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await until(() => err, (text) => text.includes('watching for changes')); // the stream is open
      const id = await run({}, 'core.noop');
      await until(() => out, (text) => text.includes(`execution ${id}  core.noop  completed`));
      const shell = await run({ cmd: 'true' });
      await attune.waitForExecution(shell, (e) => e.status === 'completed');
      const noop = await run({}, 'core.noop');
      await until(() => out, (text) => text.includes(`execution ${noop}  core.noop  completed`));
      expect(out).not.toContain('core.shell');
    } finally {
      child.kill('SIGINT');
      await exited;
    }
  });

  const rule = (name: string) => ({ ref: `examples.${name}`, trigger_ref: TRIGGER, action_ref: 'core.echo', action_params: { message: `{{ "${name} " + string(event.payload.count) }}` } });
  const events = () => attune.api<Page<EventBody>>('GET', `/api/v1/events?trigger_ref=${TRIGGER}&limit=100`).then((r) => r.body.data);
  const executionsOf = (ruleRef: string) => attune.api<Page<ExecutionBody>>('GET', `/api/v1/executions?rule_ref=${ruleRef}`).then((r) => r.body.data);
  const sensor = () => attune.api<{ data: SensorBody }>('GET', `/api/v1/sensors/${SENSOR}`).then((r) => r.body.data.status);
  const logs = () => attune.api('GET', `/api/v1/sensors/${SENSOR}/logs`).then((r) => JSON.stringify(r.body));

  it('posts events that a rule turns into executions, and follows a rule enabled after it started', async () => {
    expect((await attune.api('POST', '/api/v1/rules', rule('daemon_first'))).status).toBe(201);
    await until(events, (list) => list.some((e) => e.payload.rules === 'examples.daemon_first'));
    const first = await until(() => executionsOf('examples.daemon_first'), (list) => list.some((e) => e.status === 'completed'));
    expect(first.length).toBeGreaterThan(0);
    const running = await until(sensor, (s) => s?.state === 'running');

    // A second rule: the process keeps running; the sensor sees the rule on the stream and posts for both.
    expect((await attune.api('POST', '/api/v1/rules', rule('daemon_second'))).status).toBe(201);
    await until(events, (list) => list.some((e) => e.payload.rules === 'examples.daemon_first,examples.daemon_second'));
    await until(() => executionsOf('examples.daemon_second'), (list) => list.some((e) => e.status === 'completed'));
    expect(await logs()).toContain('rule examples.daemon_second created seen on the stream');
    expect(await sensor()).toMatchObject({ state: 'running', pid: running?.pid, restarts: 0 });
    // The token reached the sensor through its environment only, never its command line.
    expect(JSON.stringify(await attune.api('GET', `/api/v1/sensors/${SENSOR}/logs`))).not.toContain('attune_st_');
  });
});
