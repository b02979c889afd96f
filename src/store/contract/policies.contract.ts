import { expect, it } from 'vitest';
import type { PolicyInput } from '../store-types.js';
import { META, type CurrentStore } from './fixtures.contract.js';

function policy(ref: string, overrides: Partial<PolicyInput> = {}): PolicyInput {
  return { ref, packRef: 'demo', label: ref, description: '', kind: 'concurrency', actionRef: 'demo.a', max: 1, onExceeded: 'enqueue', per: [], windowSeconds: null, ...overrides };
}

/** Policies: pack components, and the per-action reads of the executor's admit pass. */
export function policiesContract(current: CurrentStore): void {
  it('replaces a pack’s policies and finds them by action', async () => {
    const store = current();
    const pack = await store.packs.upsert(META, '/packs/demo');
    await store.policies.replaceForPack(pack.id, [policy('demo.one'), policy('demo.two', { actionRef: 'demo.b', max: 3, onExceeded: 'cancel', per: ['host'] })]);
    expect((await store.policies.list()).map((p) => p.ref)).toEqual(['demo.one', 'demo.two']);
    expect(await store.policies.forAction('demo.b')).toEqual([
      expect.objectContaining({ ref: 'demo.two', actionRef: 'demo.b', max: 3, onExceeded: 'cancel', per: ['host'], kind: 'concurrency' }),
    ]);
    expect(await store.policies.listActionRefs()).toEqual(['demo.a', 'demo.b']);
    await store.policies.replaceForPack(pack.id, [policy('demo.two', { actionRef: 'demo.b' })]);
    expect((await store.transaction((tx) => tx.policies.forAction('demo.b', true))).map((p) => p.max)).toEqual([1]);
    expect(await store.policies.forAction('demo.a')).toEqual([]);
  });

  it('lists one action’s executions in the given statuses, oldest first', async () => {
    const store = current();
    const first = await store.executions.create({ actionRef: 'demo.a', parameters: {} });
    await store.executions.create({ actionRef: 'demo.b', parameters: {} });
    const third = await store.executions.create({ actionRef: 'demo.a', parameters: {} });
    await store.executions.transition(third.id, ['requested'], 'scheduling');
    const fourth = await store.executions.create({ actionRef: 'demo.a', parameters: {} });
    await store.executions.transition(fourth.id, ['requested'], 'scheduling');
    expect((await store.policies.executionsOf('demo.a', ['scheduling'], 10)).map((e) => e.id)).toEqual([third.id, fourth.id]);
    expect((await store.policies.executionsOf('demo.a', ['requested', 'scheduling'], 2)).map((e) => e.id)).toEqual([first.id, third.id]);
  });

  it('lists one action’s executions started since a time, and those scheduled', async () => {
    const store = current();
    const pack = await store.packs.upsert(META, '/packs/demo');
    await store.policies.replaceForPack(pack.id, [policy('demo.rate', { kind: 'rate', windowSeconds: 60 })]);
    expect((await store.policies.forAction('demo.a'))[0]?.windowSeconds).toBe(60);
    const before = new Date(Date.now() - 1000).toISOString();
    const old = await store.executions.create({ actionRef: 'demo.a', parameters: {} });
    await store.executions.transition(old.id, ['requested'], 'running', { started: true });
    await store.executions.transition(old.id, ['running'], 'completed', { finished: true });
    const queued = await store.executions.create({ actionRef: 'demo.a', parameters: {} });
    await store.executions.transition(queued.id, ['requested'], 'scheduled');
    await store.executions.create({ actionRef: 'demo.a', parameters: {} }); // requested: neither
    expect((await store.policies.startedSince('demo.a', before, 10)).map((e) => e.id)).toEqual([old.id, queued.id]);
    const later = new Date(Date.now() + 60_000).toISOString();
    expect((await store.policies.startedSince('demo.a', later, 10)).map((e) => e.id)).toEqual([queued.id]);
  });
}
