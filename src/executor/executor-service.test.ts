import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { writePack } from '../../test/support/packs.js';
import { openSqliteStore } from '../../test/support/sqlite-store.js';
import { until } from '../../test/support/wait.js';
import { InProcessBus } from '../bus/index.js';
import type { ExecutionId, ExecutionStatus, ProcessIdentity } from '../domain/index.js';
import { PackCatalog, PackRegistry } from '../packs/index.js';
import { SecretBox } from '../secrets/index.js';
import type { Store } from '../store/index.js';
import { ExecutionRequests } from './execution-requests.js';
import { ExecutorService } from './executor-service.js';

/** What the executor logged, one object per line. */
const logged: { msg: string; runtime?: string }[] = [];
const log = pino({ level: 'info' }, { write: (line: string) => void logged.push(JSON.parse(line) as { msg: string }) });
/** Lets the in-process bus deliver what is queued: its queues pump on setImmediate. */
const flushBus = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('ExecutorService', () => {
  let dir: string;
  let store: Store;
  let bus: InProcessBus;
  let requests: ExecutionRequests;
  let catalog: PackCatalog;
  let executor: ExecutorService;
  /** The processes of orphans the executor asked to end. */
  let reaped: ProcessIdentity[];
  /** Execution ids handed to workers, in order; no worker takes them here. */
  let dispatched: number[];
  let completed: { executionId: number; status: string }[];

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'attune-executor-'));
    const pack = writePack(path.join(dir, 'probe'), {
      'pack.yaml': 'ref: probe\nversion: 1.0.0\n',
      'actions/noop.yaml': 'name: noop\nrunner_type: builtin\nentry_point: noop\n',
      'actions/again.yaml': 'name: again\nrunner_type: builtin\nentry_point: noop\nmax_retries: 1\n',
      'actions/py.yaml': 'name: py\nrunner_type: python\nentry_point: py.py\n',
      'actions/py.py': 'print("hi")\n',
    });
    store = await openSqliteStore(path.join(dir, 'db.sqlite'));
    bus = new InProcessBus({ retryDelayMs: 1 });
    catalog = new PackCatalog({ store, bus });
    const secrets = SecretBox.forHome(dir);
    await new PackRegistry({ store, bus, log, catalog, secrets }).register(pack);
    requests = new ExecutionRequests({ store, bus, log, catalog, secrets });
    reaped = [];
    logged.length = 0;
    dispatched = [];
    completed = [];
    await bus.consume('test.dispatch', ['execution.dispatch'], async (d) => void dispatched.push(d.body.executionId), { prefetch: 100 });
    // The executor dispatches only to runtimes a live worker offers: this test's queue stands for one.
    await store.workers.register({ id: 'test-worker', host: 'test', pid: process.pid, runtimes: ['builtin', 'shell'], concurrency: 100 });
    await bus.consume('test.completed', ['execution.completed'], async (d) => void completed.push(d.body), { prefetch: 100 });
    executor = new ExecutorService({
      store,
      bus,
      log,
      config: { redrive_after_ms: 60_000, supervisor_interval_ms: 60_000, workflow_tick_ms: 60_000 },
      catalog,
      // The view of live workers is read again this often: a worker registered by a test is seen soon.
      heartbeatMs: 100,
      workerRetentionMs: 60_000,
      // Says the process still ran (and is now ended) for odd pids only.
      reapOrphan: (identity) => (reaped.push(identity), identity.pid % 2 === 1),
    });
    await executor.start();
  });

  afterEach(async () => {
    await executor.stop();
    await bus.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A row in `status` whose messages went nowhere, as a crash leaves it. */
  async function leftIn(status: ExecutionStatus, process?: ProcessIdentity, actionRef = 'probe.noop'): Promise<ExecutionId> {
    const { id } = await store.executions.create({ actionRef, parameters: {} });
    const route: Record<string, readonly ExecutionStatus[]> = {
      requested: [],
      scheduled: ['scheduled'],
      running: ['scheduled', 'running'],
      canceling: ['scheduled', 'running', 'canceling'],
      completed: ['scheduled', 'running', 'completed'],
    };
    let from: ExecutionStatus = 'requested';
    for (const to of route[status] ?? []) {
      await store.executions.transition(id, [from], to, to === 'running' ? { workerId: 'w1', started: true, countAttempt: true } : {});
      from = to;
      if (to === 'running' && process) await store.executions.recordProcess(id, process);
    }
    return id;
  }

  /** Waits until every message handler of the executor that is in flight has settled. */
  async function settleExecutor(): Promise<void> {
    await flushBus();
    await executor.stop(); // resolves once the handlers in hand are done
    await flushBus();
  }

  it('schedules a requested execution and hands it to the workers once, however often it is asked', async () => {
    const { id } = await requests.request({ actionRef: 'probe.noop' });
    await until(() => dispatched, (ids) => ids.includes(id));
    expect((await store.executions.get(id))?.status).toBe('scheduled');
    // A redelivered request (at least once) finds the row scheduled already: nothing more.
    await bus.publish('execution.requested', { executionId: id });
    await bus.publish('execution.requested', { executionId: id });
    await settleExecutor();
    expect(dispatched).toEqual([id]);
  });

  it('never hands over an execution cancelled before it was scheduled', async () => {
    const id = await leftIn('requested');
    expect((await requests.cancel(id)).status).toBe('cancelled');
    await bus.publish('execution.requested', { executionId: id });
    await settleExecutor();
    expect(dispatched).toEqual([]);
    expect((await store.executions.get(id))?.status).toBe('cancelled');
  });

  it('re-drives what waited too long in requested or scheduled, and nothing else', async () => {
    const requested = await leftIn('requested');
    const scheduled = await leftIn('scheduled');
    await leftIn('running');
    await leftIn('completed');
    expect(await executor.redrive(60_000)).toBe(0); // none has waited a minute
    expect(await executor.redrive(0)).toBe(2);
    await until(() => dispatched, (ids) => ids.length >= 2);
    await settleExecutor();
    expect([...dispatched].sort((a, b) => a - b)).toEqual([requested, scheduled]);
    expect((await store.executions.get(requested))?.status).toBe('scheduled');
  });

  it('abandons what a dead process left running or canceling, and says when it ended a process still running', async () => {
    const identity = (pid: number): ProcessIdentity => ({ pid, start: '1', boot: 'b' });
    const stillRunning = await leftIn('running', identity(41));
    const gone = await leftIn('running', identity(42));
    const canceling = await leftIn('canceling');
    const scheduled = await leftIn('scheduled');
    const done = await leftIn('completed');

    expect(await executor.abandonOrphans('abandoned: its worker stopped')).toBe(3);
    const row = async (id: ExecutionId) => store.executions.get(id);
    expect(await row(stillRunning)).toMatchObject({
      status: 'abandoned',
      result: { error: 'abandoned: its worker stopped; its process was still running and has been killed' },
    });
    expect(await row(gone)).toMatchObject({ status: 'abandoned', result: { error: 'abandoned: its worker stopped' } });
    expect(await row(canceling)).toMatchObject({ status: 'abandoned', result: { error: 'abandoned: its worker stopped' } });
    expect((await row(canceling))?.finishedAt).not.toBeNull();
    expect((await row(scheduled))?.status).toBe('scheduled');
    expect((await row(done))?.status).toBe('completed');
    expect(reaped.map((p) => p.pid).sort()).toEqual([41, 42]);
    await until(() => completed, (list) => list.length >= 3);
    expect(completed.map((c) => [c.executionId, c.status]).sort()).toEqual(
      [stillRunning, gone, canceling].map((id) => [id, 'abandoned']).sort(),
    );
    expect(await executor.abandonOrphans('again')).toBe(0);
  });
  it('lets an execution wait in scheduled while no live worker offers its runtime, saying so once, and dispatches it when one appears', async () => {
    const first = await requests.request({ actionRef: 'probe.py' });
    const second = await requests.request({ actionRef: 'probe.py' });
    await until(() => store.executions.get(second.id), (e) => e?.status === 'scheduled');
    expect((await store.executions.get(first.id))?.status).toBe('scheduled');
    expect(dispatched).toEqual([]);
    expect(logged.filter((l) => l.msg.startsWith('no live worker offers')).map((l) => l.runtime)).toEqual(['python']);
    // A re-drive does not dispatch them either: still no worker for python.
    await executor.redrive(0);
    expect(dispatched).toEqual([]);
    await store.workers.register({ id: 'py-worker', host: 'test', pid: process.pid, runtimes: ['python'], concurrency: 1 });
    await until(() => dispatched, (ids) => ids.includes(first.id) && ids.includes(second.id));
  });

  it('runs the execution of a dead worker again while max_retries allows, counting the lost attempt, then abandons it', async () => {
    const id = await leftIn('running', undefined, 'probe.again');
    // `w1` never registered: as good as dead.
    expect(await executor.abandonDeadWorkers()).toBe(1);
    const retried = await store.executions.get(id);
    expect(retried).toMatchObject({ status: 'scheduled', attempt: 1, result: { previous_attempts: [{ attempt: 1, status: 'abandoned' }] } });
    expect(retried?.result?.previous_attempts?.[0]?.error).toContain('stopped heart-beating');
    await until(() => dispatched, (ids) => ids.includes(id));
    // The second attempt's worker dies too: no retry is left.
    await store.executions.transition(id, ['scheduled'], 'running', { workerId: 'w2', started: true, countAttempt: true });
    expect(await executor.abandonDeadWorkers()).toBe(1);
    const ended = await store.executions.get(id);
    expect(ended).toMatchObject({ status: 'abandoned', attempt: 2 });
    expect(ended?.result?.previous_attempts?.map((a) => a.attempt)).toEqual([1]);
    // An action without retries is abandoned at once.
    const plain = await leftIn('running');
    expect(await executor.abandonDeadWorkers()).toBe(1);
    expect((await store.executions.get(plain))?.status).toBe('abandoned');
  });

  it('removes the rows of workers gone for longer than the retention, keeping live ones', async () => {
    await store.workers.register({ id: 'gone', host: 'test', pid: 1, runtimes: ['shell'], concurrency: 1 });
    await store.workers.markStopped('gone');
    expect(await executor.purgeGoneWorkers()).toBe(0); // stopped just now: kept for the retention
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 120_000); // past the retention of a minute
      expect(await executor.purgeGoneWorkers()).toBe(1);
    } finally {
      vi.useRealTimers();
    }
    expect((await store.workers.list()).map((w) => w.id)).toEqual(['test-worker']);
  });
});
