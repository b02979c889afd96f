import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writePack } from '../../test/support/packs.js';
import { openSqliteStore } from '../../test/support/sqlite-store.js';
import { until } from '../../test/support/wait.js';
import { InProcessBus } from '../bus/index.js';
import { type Execution, type ExecutionId, isTerminal } from '../domain/index.js';
import { PackCatalog, PackRegistry } from '../packs/index.js';
import { SecretBox } from '../secrets/index.js';
import type { Store } from '../store/index.js';
import { ActionRunner, type BuiltinAction, WorkerService } from '../worker/index.js';
import { ExecutionRequests } from './execution-requests.js';
import { ExecutorService } from './executor-service.js';
import { WorkflowEngine } from './workflow-engine.js';

const log = pino({ level: 'silent' });
const builtin = (name: string, params = '') => `name: ${name}\nrunner_type: builtin\nentry_point: ${name}\n${params}`;
const workflow = (name: string, params = '') => `name: ${name}\nworkflow_file: workflows/${name}.yaml\n${params}`;

const PACK = {
  'pack.yaml': 'ref: flow\nversion: 1.0.0\n',
  'actions/echo.yaml': builtin('echo', 'parameters:\n  msg: {type: string}\n  n: {type: integer}\n'),
  'actions/boom.yaml': builtin('boom'),
  'actions/flaky.yaml': builtin('flaky'),
  'actions/held.yaml': builtin('held', 'parameters:\n  n: {type: integer}\n'),
  'actions/seq.yaml': workflow('seq'),
  'actions/workflows/seq.yaml': `
vars: {count: 0}
tasks:
  - name: a
    action: flow.echo
    input: {msg: one}
    next: [{when: "{{ succeeded() }}", publish: [{count: 41}, {first: "{{ result().stdout }}"}], do: [b]}]
  - name: b
    action: flow.echo
    input: {msg: "{{ workflow.first }}-two", n: "{{ workflow.count + 1 }}"}
    on_success: c
  - name: c
    action: flow.echo
    input: {msg: three}
output_map:
  count: "{{ workflow.count }}"
  b: "{{ task('b').result.stdout }}"
`,
  'actions/par.yaml': workflow('par'),
  'actions/workflows/par.yaml': `
tasks:
  - {name: start, action: flow.echo, input: {msg: s}, next: [{do: [left, right]}]}
  - {name: left, action: flow.echo, input: {msg: l}, next: [{do: [both]}]}
  - {name: right, action: flow.echo, input: {msg: r}, next: [{do: [both]}]}
  - {name: both, join: all, action: flow.echo, input: {msg: "{{ task('left').result.stdout + task('right').result.stdout }}"}}
output_map: {both: "{{ task('both').result.stdout }}"}
`,
  'actions/branch.yaml': workflow('branch'),
  'actions/workflows/branch.yaml': `
tasks:
  - name: try
    action: flow.boom
    next:
      - {when: "{{ succeeded() }}", do: [never]}
      - {when: "{{ failed() }}", publish: [{why: "{{ result().error }}"}], do: [recover]}
  - {name: never, action: flow.echo, input: {msg: never}}
  - {name: recover, action: flow.echo, input: {msg: recovered}}
output_map: {why: "{{ workflow.why }}"}
`,
  'actions/unhandled.yaml': workflow('unhandled'),
  'actions/workflows/unhandled.yaml': `
tasks:
  - {name: try, action: flow.boom, next: [{do: [after]}]}
  - {name: after, action: flow.echo, input: {msg: after}}
`,
  'actions/items.yaml': workflow('items', 'parameters:\n  items: {type: array}\n'),
  'actions/workflows/items.yaml': `
tasks:
  - name: fan
    action: flow.held
    with_items: "{{ parameters.items }}"
    concurrency: 2
    input: {n: "{{ item }}"}
output_map: {results: "{{ task('fan').result.map(r, r.stdout) }}"}
`,
  'actions/retry.yaml': workflow('retry'),
  'actions/workflows/retry.yaml': `
tasks:
  - {name: flaky, action: flow.flaky, retry: {count: 3, delay: 0.01, backoff: exponential}}
`,
  'actions/rerun.yaml': workflow('rerun'),
  'actions/workflows/rerun.yaml': `
vars: {n: 0}
tasks:
  - {name: first, action: flow.echo, input: {msg: one}, next: [{when: "{{ succeeded() }}", publish: [{n: 1}], do: [second]}]}
  - {name: second, action: flow.flaky, next: [{when: "{{ succeeded() }}", publish: [{n: "{{ workflow.n + 10 }}"}], do: [third]}]}
  - {name: third, action: flow.echo, input: {msg: "n={{ workflow.n }}"}}
output_map: {n: "{{ workflow.n }}", first: "{{ task('first').result.stdout }}", third: "{{ task('third').result.stdout }}"}
`,
  'actions/nested.yaml': workflow('nested'),
  'actions/workflows/nested.yaml': `
tasks:
  - {name: inner, action: flow.seq, next: [{when: "{{ succeeded() }}", publish: [{inner: "{{ result().output }}"}]}]}
output_map: {inner: "{{ workflow.inner }}"}
`,
};

/** Store, bus, executor, workflow engine and a worker running builtins, as `attune up` wires them. */
class World {
  dir = mkdtempSync(path.join(tmpdir(), 'attune-workflows-'));
  store!: Store;
  bus = new InProcessBus({ retryDelayMs: 1 });
  requests!: ExecutionRequests;
  engine!: WorkflowEngine;
  executor!: ExecutorService;
  worker!: WorkerService;
  /** flow.held runs in flight, and the most seen at once. */
  running = 0;
  maxRunning = 0;
  readonly releases: (() => void)[] = [];
  flakyRuns = 0;

  async open(): Promise<this> {
    const pack = writePack(path.join(this.dir, 'flow'), PACK);
    this.store = await openSqliteStore(path.join(this.dir, 'db.sqlite'));
    const catalog = new PackCatalog({ store: this.store, bus: this.bus });
    const secrets = SecretBox.forHome(this.dir);
    const core = path.resolve('packs/core');
    const registry = new PackRegistry({ store: this.store, bus: this.bus, log, catalog, secrets });
    await registry.register(core);
    await registry.register(pack);
    this.requests = new ExecutionRequests({ store: this.store, bus: this.bus, log, catalog, secrets });
    const config = { redrive_after_ms: 60_000, supervisor_interval_ms: 60_000, workflow_tick_ms: 10 };
    this.engine = new WorkflowEngine({ store: this.store, bus: this.bus, log, catalog, requests: this.requests, config });
    this.executor = new ExecutorService({ store: this.store, bus: this.bus, log, config, catalog, workflows: this.engine });
    const runner = new ActionRunner({ maxOutputBytes: 4096, killGraceMs: 100, baseEnv: {}, builtins: this.#builtins() });
    const workerConfig = { id: 'w1', concurrency: 8, max_output_bytes: 4096, kill_grace_ms: 100, heartbeat_ms: 60_000, heartbeat_timeout_ms: 120_000, runtimes: [], retention_ms: 86_400_000 };
    this.worker = new WorkerService({ store: this.store, bus: this.bus, log, config: workerConfig, runner, catalog, secrets, workerId: 'w1', apiUrl: 'http://127.0.0.1:1' });
    await this.worker.start();
    await this.executor.start();
    await this.engine.start();
    return this;
  }

  #builtins(): Map<string, BuiltinAction> {
    const held: BuiltinAction = (params, ctx) => {
      this.running += 1;
      this.maxRunning = Math.max(this.maxRunning, this.running);
      return new Promise((resolve, reject) => {
        ctx.signal.addEventListener('abort', () => (this.running--, reject(new Error('aborted'))));
        this.releases.push(() => (this.running--, resolve({ stdout: `item-${String(params.n)}` })));
      });
    };
    return new Map<string, BuiltinAction>([
      ['echo', (params) => Promise.resolve({ stdout: String(params.msg ?? ''), data: params })],
      ['boom', () => Promise.reject(new Error('boom'))],
      ['flaky', () => (++this.flakyRuns < 3 ? Promise.reject(new Error('not yet')) : Promise.resolve({ stdout: 'third time' }))],
      ['held', held],
    ]);
  }

  run(actionRef: string, parameters: Record<string, unknown> = {}): Promise<Execution> {
    return this.requests.request({ actionRef, parameters });
  }

  done(id: ExecutionId): Promise<Execution> {
    return until(() => this.store.executions.get(id), (e) => e !== undefined && isTerminal(e.status), 10) as Promise<Execution>;
  }

  async children(id: ExecutionId): Promise<readonly Execution[]> {
    return [...(await this.store.executions.list({ parentId: id, limit: 1000, offset: 0 })).items].reverse();
  }

  async close(): Promise<void> {
    await this.worker.stop();
    await this.engine.stop();
    await this.executor.stop();
    await this.bus.close();
    await this.store.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

describe('WorkflowEngine', () => {
  let world: World;
  beforeEach(async () => (world = await new World().open()));
  afterEach(() => world.close());

  it('runs tasks in order, publishing typed variables, and renders output_map into the result', async () => {
    const { id } = await world.run('flow.seq');
    const done = await world.done(id);
    expect(done).toMatchObject({ status: 'completed', result: { output: { count: 41, b: 'one-two' } } });
    const children = await world.children(id);
    expect(children.map((c) => [c.taskName, c.status])).toEqual([['a', 'completed'], ['b', 'completed'], ['c', 'completed']]);
    expect(children[1]?.parameters).toEqual({ msg: 'one-two', n: 42 });
  });

  it('runs parallel branches and a join once both have arrived', async () => {
    const { id } = await world.run('flow.par');
    expect(await world.done(id)).toMatchObject({ status: 'completed', result: { output: { both: 'lr' } } });
    const tasks = (await world.children(id)).map((c) => c.taskName);
    expect(tasks.filter((t) => t === 'both')).toHaveLength(1);
    expect(tasks.sort()).toEqual(['both', 'left', 'right', 'start']);
  });

  it('takes the failed() branch of a failing task, and fails the workflow when no branch handles a failure', async () => {
    const handled = await world.done((await world.run('flow.branch')).id);
    expect(handled).toMatchObject({ status: 'completed', result: { output: { why: expect.stringContaining('boom') } } });
    expect((await world.children(handled.id)).map((c) => c.taskName)).toEqual(['try', 'recover']);
    const unhandled = await world.done((await world.run('flow.unhandled')).id);
    expect(unhandled).toMatchObject({ status: 'failed', result: { error: 'task "try" failed and no transition handles it' } });
    expect((await world.children(unhandled.id)).map((c) => c.taskName)).toEqual(['try']);
  });

  it('runs with_items at most `concurrency` at a time and gathers results in item order', async () => {
    const { id } = await world.run('flow.items', { items: [1, 2, 3, 4, 5] });
    for (let released = 0; released < 5; released++) {
      await until(() => world.releases.length, (n) => n > 0, 10);
      expect(world.running).toBeLessThanOrEqual(2);
      // Release the newest first, so items finish out of order.
      world.releases.pop()?.();
      if (released === 3) {
        // An item's end does not grow the state row: results stay in the children until the last one.
        type Doc = { tasks: Record<string, { results: unknown[]; done: number }> };
        const fan = async () => ((await world.store.workflows.get(id))?.state as Doc).tasks.fan;
        expect(await until(fan, (task) => task?.done === 4, 10)).toMatchObject({ results: [] });
      }
    }
    expect(await world.done(id)).toMatchObject({ status: 'completed', result: { output: { results: ['item-1', 'item-2', 'item-3', 'item-4', 'item-5'] } } });
    expect(world.maxRunning).toBe(2);
    expect((await world.children(id)).map((c) => c.taskIndex).sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('retries a failing task from the database until it succeeds', async () => {
    const { id } = await world.run('flow.retry');
    expect(await world.done(id)).toMatchObject({ status: 'completed' });
    const children = await world.children(id);
    expect(children.map((c) => c.status)).toEqual(['failed', 'failed', 'completed']);
    expect(world.flakyRuns).toBe(3);
  });

  it('runs a nested workflow as a task, its output as the task result', async () => {
    const { id } = await world.run('flow.nested');
    expect(await world.done(id)).toMatchObject({ status: 'completed', result: { output: { inner: { count: 41, b: 'one-two' } } } });
  });

  it('applies a redelivered completion once: no task starts twice', async () => {
    const { id } = await world.run('flow.seq');
    await world.done(id);
    const [first] = await world.children(id);
    if (!first) throw new Error('no child');
    await world.bus.publish('execution.completed', { executionId: first.id, status: 'completed', actionRef: first.actionRef });
    await world.engine.sweep(0);
    expect((await world.children(id)).map((c) => c.taskName)).toEqual(['a', 'b', 'c']);
  });

  it('re-runs a failed workflow from a task as a new execution, keeping the earlier tasks and their variables', async () => {
    const failed = await world.done((await world.run('flow.rerun')).id);
    expect(failed).toMatchObject({ status: 'failed', result: { error: 'task "second" failed and no transition handles it' } });
    const rerun = async (id: ExecutionId, from: string) => world.done((await world.requests.rerun({ executionId: id, fromTasks: [from], requestedBy: 'ann' })).id);
    const again = await rerun(failed.id, 'second'); // flaky fails twice
    expect(again).toMatchObject({ status: 'failed', rerunOf: failed.id, requestedBy: 'ann' });
    const fixed = await rerun(again.id, 'second');
    expect(fixed).toMatchObject({ status: 'completed', rerunOf: again.id, result: { output: { n: 11, first: 'one', third: 'n=11' } } });
    expect((await world.children(fixed.id)).map((c) => c.taskName)).toEqual(['second', 'third']);
    // From the last task: the variables are those the kept tasks published, the rest untouched.
    const last = await rerun(fixed.id, 'third');
    expect(last).toMatchObject({ status: 'completed', result: { output: { n: 11, third: 'n=11' } } });
    expect((await world.children(last.id)).map((c) => c.taskName)).toEqual(['third']);
    expect((await world.children(failed.id)).map((c) => c.taskName)).toEqual(['first', 'second']);
  });

  it('re-runs one branch and the join after it, counting the kept branch as arrived', async () => {
    const done = await world.done((await world.run('flow.par')).id);
    const rerun = await world.done((await world.requests.rerun({ executionId: done.id, fromTasks: ['left'], requestedBy: null })).id);
    expect(rerun).toMatchObject({ status: 'completed', result: { output: { both: 'lr' } } });
    expect((await world.children(rerun.id)).map((c) => c.taskName)).toEqual(['left', 'both']);
  });

  it('refuses a rerun of what is not a finished workflow, or from a task it does not have or did not run', async () => {
    const failed = await world.done((await world.run('flow.rerun')).id);
    const code = (from: string, id: ExecutionId = failed.id) =>
      world.requests.rerun({ executionId: id, fromTasks: [from], requestedBy: null }).then(() => 'ok', (e: { code: string }) => e.code);
    expect(await code('nope')).toBe('ERR_WORKFLOW_TASK_NOT_FOUND');
    expect(await code('third')).toBe('ERR_WORKFLOW_TASK_NOT_FOUND');
    const [child] = await world.children(failed.id);
    expect(await code('first', child?.id)).toBe('ERR_EXECUTION_NOT_WORKFLOW');
    const plain = await world.done((await world.run('flow.echo', { msg: 'x' })).id);
    expect(await code('first', plain.id)).toBe('ERR_EXECUTION_NOT_WORKFLOW');
    const running = await world.run('flow.items', { items: [1] });
    await until(() => world.running, (n) => n === 1, 10);
    expect(await code('fan', running.id)).toBe('ERR_EXECUTION_NOT_FINISHED');
    world.releases.pop()?.();
    await world.done(running.id);
  });

  it('cancels the running children of a cancelled workflow, then ends cancelled', async () => {
    const { id } = await world.run('flow.items', { items: [1, 2, 3] });
    await until(() => world.running, (n) => n === 2, 10);
    await world.requests.cancel(id);
    expect(await world.done(id)).toMatchObject({ status: 'cancelled' });
    const children = await world.children(id);
    expect(children.map((c) => c.status)).toEqual(['cancelled', 'cancelled']);
  });
});
