import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { writePack } from '../../test/support/packs.js';
import { openSqliteStore } from '../../test/support/sqlite-store.js';
import { until } from '../../test/support/wait.js';
import { InProcessBus } from '../bus/index.js';
import { type Execution, type ExecutionId, type RunnerType, executionId, isTerminal } from '../domain/index.js';
import { ExecutionRequests, ExecutorService } from '../executor/index.js';
import { PackCatalog, PackRegistry } from '../packs/index.js';
import { SecretBox } from '../secrets/index.js';
import type { Store } from '../store/index.js';
import { ActionRunner } from './action-runner.js';
import type { BuiltinAction } from './builtins/builtin-registry.js';
import { createDefaultBuiltins } from './builtins/default-builtins.js';
import { WorkerService } from './worker-service.js';

const log = pino({ level: 'silent' });

/** Builtin actions, so each run is decided by the test: no process, no timing. */
const action = (name: string, entryPoint: string, extra = '') => `name: ${name}\nrunner_type: builtin\nentry_point: ${entryPoint}\n${extra}`;
const PROBE_PACK = {
  'pack.yaml': 'ref: probe\nversion: 1.0.0\n',
  'actions/login.yaml': action('login', 'noop', 'parameters:\n  token: {type: string, secret: true}\n'),
  'actions/flaky.yaml': action('flaky', 'flaky', 'max_retries: 2\n'),
  'actions/never.yaml': action('never', 'never', 'max_retries: 1\n'),
  'actions/held.yaml': action('held', 'held', 'max_retries: 2\n'),
  'actions/quick.yaml': action('quick', 'quick'),
  'actions/nothing.yaml': action('nothing', 'noop'),
};

/** A builtin that runs until the test lets it finish, or its signal aborts it. */
class Held {
  readonly started: number[] = [];
  #finish: () => void = () => undefined;
  readonly #finished = new Promise<void>((resolve) => (this.#finish = resolve));

  readonly action: BuiltinAction = (_params, ctx) => {
    this.started.push(ctx.executionId);
    return new Promise((resolve, reject) => {
      ctx.signal.addEventListener('abort', () => reject(new Error('aborted')));
      void this.#finished.then(() => resolve({ stdout: 'finished' }));
    });
  };

  finish(): void {
    this.#finish();
  }
}

interface WorldOptions {
  readonly workerKeyHome?: string;
  readonly heartbeatMs?: number;
  readonly runtimes?: readonly RunnerType[];
}

/** The store, bus, executor and one worker of `attune up`, on SQLite and the in-process bus. */
class World {
  readonly attempts = new Map<number, number>();
  readonly held = new Held();
  readonly quickRuns: number[] = [];
  dir = '';
  store!: Store;
  bus!: InProcessBus;
  catalog!: PackCatalog;
  requests!: ExecutionRequests;
  executor!: ExecutorService;
  worker!: WorkerService;

  /** `workerKeyHome`: where the worker's key lives; another home than the API's cannot open sealed parameters. */
  async open(options: WorldOptions = {}): Promise<this> {
    this.dir = mkdtempSync(path.join(tmpdir(), 'attune-worker-'));
    const pack = writePack(path.join(this.dir, 'probe'), PROBE_PACK);
    this.store = await openSqliteStore(path.join(this.dir, 'db.sqlite'));
    this.read = this.store.executions.get.bind(this.store.executions);
    this.bus = new InProcessBus({ retryDelayMs: 1 });
    this.catalog = new PackCatalog({ store: this.store, bus: this.bus });
    const sealing = SecretBox.forHome(path.join(this.dir, 'api'));
    await new PackRegistry({ store: this.store, bus: this.bus, log, catalog: this.catalog, secrets: sealing }).register(pack);
    this.requests = new ExecutionRequests({ store: this.store, bus: this.bus, log, catalog: this.catalog, secrets: sealing });
    this.executor = new ExecutorService({ store: this.store, bus: this.bus, log, config: { redrive_after_ms: 60_000, supervisor_interval_ms: 60_000, workflow_tick_ms: 60_000 }, catalog: this.catalog });
    const runner = new ActionRunner({ maxOutputBytes: 4096, killGraceMs: 100, baseEnv: {}, builtins: this.#builtins() });
    const secrets = SecretBox.forHome(path.join(this.dir, options.workerKeyHome ?? 'api'));
    this.runner = runner;
    this.secrets = secrets;
    this.worker = this.makeWorker('w1', options);
    await this.worker.start();
    await this.executor.start();
    return this;
  }

  runner!: ActionRunner;
  secrets!: SecretBox;

  /** A worker on this world's store and bus; `open` starts the first, `w1`. */
  makeWorker(workerId: string, options: WorldOptions = {}): WorkerService {
    const heartbeat_ms = options.heartbeatMs ?? 60_000;
    const config = { id: workerId, concurrency: 2, max_output_bytes: 4096, kill_grace_ms: 100, heartbeat_ms, heartbeat_timeout_ms: 120_000, runtimes: [], retention_ms: 86_400_000 };
    const { store, bus, catalog, runner, secrets } = this;
    return new WorkerService({ store, bus, log, config, runner, catalog, secrets, workerId, apiUrl: 'http://127.0.0.1:1', ...(options.runtimes ? { runtimes: options.runtimes } : {}) });
  }

  #builtins(): Map<string, BuiltinAction> {
    const attempt = (id: number): number => {
      const n = (this.attempts.get(id) ?? 0) + 1;
      this.attempts.set(id, n);
      return n;
    };
    return new Map(createDefaultBuiltins())
      .set('flaky', (_params, ctx) => (attempt(ctx.executionId) === 1 ? Promise.reject(new Error('first try fails')) : Promise.resolve({ stdout: 'second try' })))
      .set('never', (_params, ctx) => Promise.reject(new Error(`attempt ${attempt(ctx.executionId)} fails`)))
      .set('held', this.held.action)
      .set('quick', (_params, ctx) => {
        this.quickRuns.push(ctx.executionId);
        return Promise.resolve({ stdout: 'ran' });
      });
  }

  /** Reads a row as the test sees it, through a reference taken before any test wraps the store. */
  read!: (id: ExecutionId) => Promise<Execution | undefined>;

  /** The execution once `done` holds for it (the test's own timeout bounds the wait). */
  execution(id: ExecutionId, done: (execution: Execution) => boolean = (e) => isTerminal(e.status)): Promise<Execution> {
    return until(() => this.read(id), (e) => e !== undefined && done(e), 10) as Promise<Execution>;
  }

  async close(): Promise<void> {
    this.held.finish();
    await this.worker.stop();
    await this.executor.stop();
    await this.bus.close();
    await this.store.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Makes `object[method]` wait for `release()` on its first call for which `when` holds; the real
 * method then runs as before. Opens a race window on purpose, exactly where the test wants it.
 */
function holdCall<T extends object, K extends keyof T>(object: T, method: K, when: (...args: unknown[]) => boolean) {
  const original = (object[method] as (...args: unknown[]) => Promise<unknown>).bind(object);
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  let reached: () => void = () => undefined;
  const isReached = new Promise<void>((resolve) => (reached = resolve));
  let isHeld = false;
  (object as Record<K, unknown>)[method] = async (...args: unknown[]) => {
    if (!isHeld && when(...args)) {
      isHeld = true;
      reached();
      await released;
    }
    return original(...args);
  };
  return { reached: isReached, release };
}

describe('WorkerService', () => {
  const worlds: World[] = [];
  const world = async (options?: WorldOptions) => {
    const opened = await new World().open(options);
    worlds.push(opened);
    return opened;
  };
  afterEach(async () => {
    for (const opened of worlds.splice(0)) await opened.close();
  });

  it('fails an execution that breaks after its claim, with the reason, instead of leaving it running', async () => {
    // The worker holds another key than the one that sealed the parameters: opening them fails.
    const w = await world({ workerKeyHome: 'worker' });
    const requested = await w.requests.request({ actionRef: 'probe.login', parameters: { token: 't0ken' } });
    const execution = await w.execution(executionId(requested.id));
    expect(execution.status).toBe('failed');
    expect(execution.result?.error).toContain('"token"');
    expect(execution.result?.error).toContain('cannot be opened');
    expect(execution.finishedAt).not.toBeNull();
  });

  it('records a pure builtin with one write, scheduled → completed, while the stream hears running then completed', async () => {
    const w = await world();
    const writes: string[] = [];
    const transition = w.store.executions.transition.bind(w.store.executions);
    w.store.executions.transition = (id, from, to, patch) => {
      writes.push(`${from.join('|')}→${to}`);
      return transition(id, from, to, patch);
    };
    const transitionMany = w.store.executions.transitionMany.bind(w.store.executions);
    w.store.executions.transitionMany = (ids, from, to, patch) => {
      writes.push(`${from.join('|')}→${to}`);
      return transitionMany(ids, from, to, patch);
    };
    const heard: string[] = [];
    await w.bus.consume('test.status', ['execution.status.changed'], async (d) => {
      heard.push(d.body.status);
    });
    const requested = await w.requests.request({ actionRef: 'probe.nothing', parameters: {} });
    const execution = await w.execution(executionId(requested.id));
    expect(execution).toMatchObject({ status: 'completed', attempt: 1, workerId: 'w1', result: { data: {} } });
    expect(execution.startedAt).not.toBeNull();
    expect(execution.finishedAt).not.toBeNull();
    expect(writes).toEqual(['requested→scheduled', 'scheduled→completed']);
    await expect.poll(() => heard).toEqual(['scheduled', 'running', 'completed']);
  });

  it('claims a builtin that is not pure before running it', async () => {
    const w = await world();
    const writes: string[] = [];
    const transition = w.store.executions.transition.bind(w.store.executions);
    w.store.executions.transition = (id, from, to, patch) => {
      writes.push(`${from.join('|')}→${to}`);
      return transition(id, from, to, patch);
    };
    const requested = await w.requests.request({ actionRef: 'probe.quick', parameters: {} });
    expect((await w.execution(executionId(requested.id))).status).toBe('completed');
    expect(writes).toEqual(['requested→scheduled', 'scheduled→running', 'running|canceling→completed']);
  });

  it('fails a row it claimed earlier but no longer holds when the dispatch comes again', async () => {
    const w = await world();
    // As a handler leaves it when even recording its failure threw: claimed by w1, then dropped.
    const requested = await w.store.executions.create({ actionRef: 'probe.login', parameters: {} });
    await w.store.executions.transition(requested.id, ['requested'], 'scheduled');
    await w.store.executions.transition(requested.id, ['scheduled'], 'running', { workerId: 'w1', started: true, countAttempt: true });
    await w.bus.publish('execution.dispatch', { executionId: requested.id, runtime: 'builtin' });
    const execution = await w.execution(requested.id);
    expect(execution.status).toBe('failed');
    expect(execution.result?.error).toContain('lost this execution');
  });

  it('retries a failed action within its max_retries, keeping a summary of each earlier attempt', async () => {
    const w = await world();
    const requested = await w.requests.request({ actionRef: 'probe.flaky' });
    const execution = await w.execution(requested.id);
    expect(execution).toMatchObject({ status: 'completed', attempt: 2 });
    expect(execution.result?.stdout).toBe('second try');
    expect(execution.result?.previous_attempts).toEqual([expect.objectContaining({ attempt: 1, status: 'failed', error: 'first try fails' })]);
  });

  it('fails for good once max_retries is spent', async () => {
    const w = await world();
    const requested = await w.requests.request({ actionRef: 'probe.never' });
    const execution = await w.execution(requested.id);
    expect(execution).toMatchObject({ status: 'failed', attempt: 2 });
    expect(execution.result?.error).toBe('attempt 2 fails');
    expect(execution.result?.previous_attempts?.map((a) => a.attempt)).toEqual([1]);
    expect(w.attempts.get(requested.id)).toBe(2);
  });

  it('stops a running action on cancel, and never retries a cancelled run', async () => {
    const w = await world();
    const requested = await w.requests.request({ actionRef: 'probe.held' });
    await until(() => w.held.started, (started) => started.includes(requested.id), 10);
    expect((await w.requests.cancel(requested.id)).status).toBe('canceling');
    const execution = await w.execution(requested.id);
    expect(execution).toMatchObject({ status: 'cancelled', attempt: 1 });
    expect(w.held.started).toEqual([requested.id]);
  });

  it('cancels a run whose cancel comes after the claim but before the action has started', async () => {
    const w = await world();
    // Held between the claim and the start, as the worker looks up the action (after the
    // request's own look-up, when it was validated, the executor's for the runtime to dispatch
    // to, and the worker's check for a pure builtin).
    let lookups = 0;
    const lookup = holdCall(w.catalog, 'action', (ref) => ref === 'probe.quick' && ++lookups === 4);
    // Released once the worker's cancel handler has read the row as canceling (the test reads
    // through its own reference): the handler notes the cancel synchronously after that read, so
    // by the next turn of the loop it has, and only then does the run start.
    const get = w.store.executions.get.bind(w.store.executions);
    w.store.executions.get = async (id) => {
      const row = await get(id);
      if (row?.status === 'canceling') setImmediate(lookup.release);
      return row;
    };
    const requested = await w.requests.request({ actionRef: 'probe.quick' });
    await lookup.reached;
    expect((await w.read(requested.id))?.status).toBe('running');
    expect((await w.requests.cancel(requested.id)).status).toBe('canceling');
    const execution = await w.execution(requested.id);
    expect(execution.status).toBe('cancelled');
    expect(execution.result?.stdout).not.toBe('ran');
  });

  it('records a run stopped by its shutdown as abandoned, not cancelled', async () => {
    const w = await world();
    const requested = await w.requests.request({ actionRef: 'probe.held' });
    await until(() => w.held.started, (started) => started.includes(requested.id), 10);
    await w.worker.stop();
    const execution = await w.execution(requested.id);
    expect(execution.status).toBe('abandoned');
    expect(execution.result?.error).toBe('stopped: Attune shut down while the action ran');
  });
  it('takes only the runtimes it offers: another worker runs the rest', async () => {
    const w = await world({ runtimes: ['shell'] });
    // A live worker somewhere offers builtin, so the executor dispatches; w1 must leave it alone.
    await w.store.workers.register({ id: 'w2', host: 'test', pid: process.pid, runtimes: ['builtin'], concurrency: 2 });
    const requested = await w.requests.request({ actionRef: 'probe.quick' });
    expect((await w.execution(requested.id, (e) => e.status === 'scheduled')).workerId).toBeNull();
    const w2 = w.makeWorker('w2', { runtimes: ['builtin'] });
    await w2.start();
    try {
      const execution = await w.execution(requested.id);
      expect([execution.status, execution.workerId]).toEqual(['completed', 'w2']);
      expect((await w.store.workers.list()).find((row) => row.id === 'w1')?.runtimes).toEqual(['shell']);
    } finally {
      await w2.stop();
    }
  });

  it('stops its runs once declared dead, records them abandoned, and registers again', async () => {
    const w = await world({ heartbeatMs: 100 });
    const requested = await w.requests.request({ actionRef: 'probe.held' });
    await until(() => w.held.started, (started) => started.includes(requested.id), 10);
    // An executor found w1 silent (it stalled, say) and declared it dead.
    expect((await w.store.workers.markDead(new Date(Date.now() + 60_000).toISOString())).map((row) => row.id)).toEqual(['w1']);
    const execution = await w.execution(requested.id);
    expect([execution.status, execution.result?.error]).toEqual(['abandoned', expect.stringContaining('declared dead')]);
    // Not retried by the worker: an executor decides that for the executions of dead workers.
    expect(w.held.started).toEqual([requested.id]);
    await until(() => w.store.workers.list(), (rows) => rows.some((row) => row.id === 'w1' && row.status === 'live'), 10);
  });
});
