import { expect, it } from 'vitest';
import type { ExecutionStatus } from '../../domain/index.js';
import { type CurrentStore, setClock } from './fixtures.contract.js';

const WORKER = { host: 'h1', pid: 100, runtimes: ['shell', 'node'], concurrency: 4 } as const;
const ACTIVE: readonly ExecutionStatus[] = ['running', 'canceling'];

/** The workers table: registration, heart-beats, and the one-caller-wins declaration of death. */
export function workersContract(current: CurrentStore): void {
  it('registers a worker as live, re-registers it afresh, and records heart-beats', async () => {
    const store = current();
    setClock('2025-01-01T00:00:00.000Z');
    const first = await store.workers.register({ id: 'w1', ...WORKER });
    expect(first).toEqual({ id: 'w1', ...WORKER, runtimes: ['shell', 'node'], started: '2025-01-01T00:00:00.000Z', heartbeatAt: '2025-01-01T00:00:00.000Z', status: 'live' });
    setClock('2025-01-01T00:00:05.000Z');
    expect(await store.workers.heartbeat('w1')).toBe(true);
    expect(await store.workers.heartbeat('nobody')).toBe(false);
    await store.workers.markStopped('w1');
    setClock('2025-01-01T00:01:00.000Z');
    const again = await store.workers.register({ id: 'w1', ...WORKER, pid: 200 });
    expect([again.pid, again.status, again.started]).toEqual([200, 'live', '2025-01-01T00:01:00.000Z']);
  });

  it('marks only silent live workers dead, each for one caller only, and lists live ones first', async () => {
    const store = current();
    setClock('2025-01-01T00:00:00.000Z');
    await store.workers.register({ id: 'old', ...WORKER });
    await store.workers.register({ id: 'gone', ...WORKER });
    await store.workers.markStopped('gone');
    setClock('2025-01-01T00:00:30.000Z');
    await store.workers.register({ id: 'fresh', ...WORKER });
    const [a, b] = await Promise.all([store.workers.markDead('2025-01-01T00:00:10.000Z'), store.workers.markDead('2025-01-01T00:00:10.000Z')]);
    expect([...(a ?? []), ...(b ?? [])].map((w) => w.id)).toEqual(['old']);
    expect((await store.workers.list()).map((w) => `${w.id}:${w.status}`)).toEqual(['fresh:live', 'gone:stopped', 'old:dead']);
    // A dead worker that heart-beats again (it was cut off, not gone) learns it was declared dead…
    expect(await store.workers.heartbeat('old')).toBe(false);
    expect(await store.workers.heartbeat('gone')).toBe(false);
    // …and is live again once it registers afresh.
    await store.workers.register({ id: 'old', ...WORKER });
    expect((await store.workers.list()).filter((w) => w.status === 'live').map((w) => w.id)).toEqual(['fresh', 'old']);
  });

  it('purges dead and stopped workers silent since before the retention, never live ones', async () => {
    const store = current();
    setClock('2025-01-01T00:00:00.000Z');
    for (const id of ['dead-old', 'stopped-old', 'live-old']) await store.workers.register({ id, ...WORKER });
    await store.workers.markDead('2025-01-01T00:00:01.000Z'); // every one of them: all silent
    await store.workers.register({ id: 'live-old', ...WORKER });
    await store.workers.markStopped('stopped-old');
    setClock('2025-01-02T00:00:00.000Z');
    await store.workers.register({ id: 'stopped-new', ...WORKER });
    await store.workers.markStopped('stopped-new');
    // A live row is never purged, however old its heart-beat: declaring it dead is the executor's call.
    expect(await store.workers.purge('2025-01-01T12:00:00.000Z')).toBe(2);
    expect((await store.workers.list()).map((w) => `${w.id}:${w.status}`)).toEqual(['live-old:live', 'stopped-new:stopped']);
  });

  it('finds active executions of workers that are not live, and of unknown workers', async () => {
    const store = current();
    await store.workers.register({ id: 'alive', ...WORKER });
    await store.workers.register({ id: 'dead', ...WORKER });
    await store.workers.markStopped('dead');
    const run = async (workerId: string) => {
      const execution = await store.executions.create({ actionRef: 'demo.a', parameters: {} });
      await store.executions.transition(execution.id, ['requested'], 'scheduled');
      await store.executions.transition(execution.id, ['scheduled'], 'running', { workerId, started: true, countAttempt: true });
      return execution.id;
    };
    await run('alive');
    const ofDead = await run('dead');
    const ofUnknown = await run('never-registered');
    const done = await run('dead');
    await store.executions.transition(done, ['running'], 'completed', { finished: true, result: {} });
    expect((await store.executions.findOfGoneWorkers(ACTIVE, 10)).map((e) => e.id)).toEqual([ofDead, ofUnknown]);
    expect((await store.executions.findOfGoneWorkers(ACTIVE, 10, ofDead)).map((e) => e.id)).toEqual([ofUnknown]);
  });
}
