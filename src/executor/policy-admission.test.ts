import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writePack } from '../../test/support/packs.js';
import { openSqliteStore } from '../../test/support/sqlite-store.js';
import { waitFor } from '../../test/support/wait.js';
import { InProcessBus } from '../bus/index.js';
import type { ExecutionId } from '../domain/index.js';
import { PackCatalog, PackRegistry, loadPack } from '../packs/index.js';
import { SecretBox } from '../secrets/index.js';
import type { Store } from '../store/index.js';
import { ExecutionRequests } from './execution-requests.js';
import { ExecutorService } from './executor-service.js';

const log = pino({ level: 'silent' });
const flushBus = () => new Promise<void>((resolve) => setImmediate(resolve));
const ACTION = 'name: work\nrunner_type: shell\nentry_point: work.sh\nparameters:\n  host: {type: string}\n';

describe('concurrency policies', () => {
  let dir: string;
  let store: Store;
  let bus: InProcessBus;
  let requests: ExecutionRequests;
  let executor: ExecutorService;
  /** Execution ids handed to workers, in order; no worker takes them here. */
  let dispatched: number[];

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'attune-policies-'));
    const pack = writePack(path.join(dir, 'probe'), {
      'pack.yaml': 'ref: probe\nversion: 1.0.0\n',
      'actions/work.yaml': ACTION,
      'actions/work.sh': 'true\n',
      'actions/once.yaml': 'name: once\nrunner_type: builtin\nentry_point: noop\n',
      'policies/one-per-host.yaml': 'name: one_per_host\nkind: concurrency\naction: probe.work\nmax: 1\nper: [host]\n',
      'policies/once.yaml': 'name: once\nkind: concurrency\naction: probe.once\nmax: 1\non_exceeded: cancel\n',
    });
    store = await openSqliteStore(path.join(dir, 'db.sqlite'));
    bus = new InProcessBus({ retryDelayMs: 1 });
    const catalog = new PackCatalog({ store, bus });
    const secrets = SecretBox.forHome(dir);
    await new PackRegistry({ store, bus, log, catalog, secrets }).register(pack);
    requests = new ExecutionRequests({ store, bus, log, catalog, secrets });
    dispatched = [];
    await bus.consume('test.dispatch', ['execution.dispatch'], async (d) => void dispatched.push(d.body.executionId), { prefetch: 100 });
    // The executor dispatches only to runtimes a live worker offers: this test's queue stands for one.
    await store.workers.register({ id: 'test-worker', host: 'test', pid: process.pid, runtimes: ['builtin', 'shell'], concurrency: 100 });
    executor = new ExecutorService({ store, bus, log, config: { redrive_after_ms: 60_000, supervisor_interval_ms: 60_000, workflow_tick_ms: 60_000 }, catalog });
    await executor.start();
  });

  afterEach(async () => {
    await executor.stop();
    await bus.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const status = async (id: ExecutionId) => (await store.executions.get(id))?.status;

  /** What a worker does when it finishes: the row ends and execution.completed goes out. */
  async function finish(id: ExecutionId): Promise<void> {
    await store.executions.transition(id, ['scheduled'], 'completed', { finished: true });
    await bus.publish('execution.completed', { executionId: id, status: 'completed', actionRef: 'probe.work' });
  }

  it('admits one per parameter value and the oldest waiting one when a place frees', async () => {
    const a1 = await requests.request({ actionRef: 'probe.work', parameters: { host: 'a' } });
    const a2 = await requests.request({ actionRef: 'probe.work', parameters: { host: 'a' } });
    const a3 = await requests.request({ actionRef: 'probe.work', parameters: { host: 'a' } });
    const b1 = await requests.request({ actionRef: 'probe.work', parameters: { host: 'b' } });
    await waitFor(async () => (await status(b1.id)) === 'scheduled');
    await flushBus();
    expect(dispatched).toEqual([a1.id, b1.id]);
    expect([await status(a2.id), await status(a3.id)]).toEqual(['scheduling', 'scheduling']);
    await finish(a1.id);
    await waitFor(async () => (await status(a2.id)) === 'scheduled');
    await flushBus();
    expect(await status(a3.id)).toBe('scheduling');
    expect(dispatched).toEqual([a1.id, b1.id, a2.id]);
    await finish(a2.id);
    await waitFor(async () => (await status(a3.id)) === 'scheduled');
  });

  it('lets a waiting execution be cancelled, and the periodic pass admits what a lost message left waiting', async () => {
    const a1 = await requests.request({ actionRef: 'probe.work', parameters: { host: 'a' } });
    const a2 = await requests.request({ actionRef: 'probe.work', parameters: { host: 'a' } });
    const a3 = await requests.request({ actionRef: 'probe.work', parameters: { host: 'a' } });
    await waitFor(async () => (await status(a3.id)) === 'scheduling');
    expect((await requests.cancel(a2.id)).status).toBe('cancelled');
    await flushBus();
    expect(await status(a3.id)).toBe('scheduling'); // a1 still holds the one place
    await store.executions.transition(a1.id, ['scheduled'], 'completed', { finished: true }); // its message lost
    await flushBus();
    expect(await status(a3.id)).toBe('scheduling');
    await executor.admitWaiting();
    expect(await status(a3.id)).toBe('scheduled');
    await flushBus();
    expect(dispatched).toEqual([a1.id, a3.id]);
  });

  it('cancels what a cancel policy refuses, with the reason', async () => {
    const first = await requests.request({ actionRef: 'probe.once', parameters: {} });
    await waitFor(async () => (await status(first.id)) === 'scheduled');
    const second = await requests.request({ actionRef: 'probe.once', parameters: {} });
    await waitFor(async () => (await status(second.id)) === 'cancelled');
    expect((await store.executions.get(second.id))?.result?.error).toBe('cancelled by policy probe.once: 1 of probe.once already active');
  });

  it('refuses a policy naming an unknown parameter or action, with file:line:column', async () => {
    const bad = writePack(path.join(dir, 'bad'), {
      'pack.yaml': 'ref: bad\nversion: 1.0.0\n',
      'actions/work.yaml': ACTION,
      'actions/work.sh': 'true\n',
      'policies/p.yaml': 'name: p\nkind: concurrency\naction: bad.work\nmax: 1\nper: [hots]\n',
      'policies/q.yaml': 'name: q\nkind: concurrency\naction: bad.nope\nmax: 0\non_exceeded: drop\n',
      'policies/r.yaml': 'name: r\nkind: rate\naction: bad.work\nmax: 2\n',
      'policies/s.yaml': 'name: s\nkind: concurrency\naction: bad.work\nmax: 2\nwindow: 5\n',
    });
    const error = await loadPack(bad).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_PACK_INVALID' });
    const details = (error as { details: { file: string; line: number; column: number; message: string }[] }).details;
    expect(details.map((d) => `${d.file}:${d.line}:${d.column} ${d.message}`)).toEqual([
      'policies/p.yaml:5:7 "hots" is not a parameter of bad.work',
      expect.stringMatching(/^policies\/q\.yaml:4:6 /),
      expect.stringMatching(/^policies\/q\.yaml:5:14 /),
      'policies/r.yaml:1:1 is required by kind rate',
      'policies/s.yaml:5:9 applies only to kind rate, not concurrency',
    ]);
  });
});
