import { expect, it } from 'vitest';
import { executionId } from '../../domain/index.js';
import type { CurrentStore } from './fixtures.contract.js';

const FAR_FUTURE = '9999-12-31T23:59:59.999Z';

/** Workflow state rows: created once, changed only by compare-and-set, found when due or stale. */
export function workflowsContract(current: CurrentStore): void {
  it('creates a workflow state once and lets only one of two writers of the same version win', async () => {
    const store = current();
    const parent = await store.executions.create({ actionRef: 'demo.flow', parameters: {} });
    const child = await store.executions.create({ actionRef: 'demo.a', parameters: {}, parentId: parent.id, taskName: 'first' });
    expect(child).toMatchObject({ parentId: parent.id, taskName: 'first' });
    expect(await store.workflows.create({ executionId: parent.id, actionRef: 'demo.flow', state: { n: 0 } })).toBe(true);
    expect(await store.workflows.create({ executionId: parent.id, actionRef: 'demo.flow', state: { n: 9 } })).toBe(false);
    const row = await store.workflows.get(parent.id);
    expect(row).toMatchObject({ executionId: parent.id, actionRef: 'demo.flow', state: { n: 0 }, version: 1, active: true, dueAt: null });
    const [a, b] = await Promise.all([
      store.workflows.update(parent.id, 1, { state: { n: 1 }, active: true, dueAt: null }),
      store.workflows.update(parent.id, 1, { state: { n: 2 }, active: true, dueAt: null }),
    ]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    expect((await store.workflows.get(parent.id))?.version).toBe(2);
    expect(await store.workflows.get(executionId(999_999))).toBeUndefined();
  });

  it("lists one task's with_items children from an id on, by item index then id, and records a rerun's origin", async () => {
    const store = current();
    const parent = await store.executions.create({ actionRef: 'demo.flow', parameters: {} });
    const item = (taskName: string, taskIndex: number) =>
      store.executions.create({ actionRef: 'demo.a', parameters: {}, parentId: parent.id, taskName, taskIndex });
    const old = await item('fan', 0); // an earlier run of the task: before fromId
    const [b1, a, other, b2] = [await item('fan', 1), await item('fan', 0), await item('other', 0), await item('fan', 1)];
    await store.executions.create({ actionRef: 'demo.a', parameters: {}, parentId: parent.id, taskName: 'fan' }); // not an item
    const listed = await store.executions.listTaskItems(parent.id, 'fan', b1.id);
    expect(listed.map((e) => [e.taskIndex, e.id])).toEqual([[0, a.id], [1, b1.id], [1, b2.id]]);
    expect(old.taskIndex).toBe(0);
    expect(other.taskName).toBe('other');
    const rerun = await store.executions.create({ actionRef: 'demo.flow', parameters: {}, rerunOf: parent.id });
    expect(await store.executions.get(rerun.id)).toMatchObject({ rerunOf: parent.id, taskIndex: null });
    expect(await store.workflows.create({ executionId: rerun.id, actionRef: 'demo.flow', state: {}, active: false })).toBe(true);
    expect(await store.workflows.get(rerun.id)).toMatchObject({ active: false, version: 1 });
  });

  it('finds active workflows whose delayed start is due, and those not updated for a while', async () => {
    const store = current();
    const ids = [];
    for (const dueAt of ['2000-01-01T00:00:00.000Z', FAR_FUTURE, null, '2000-01-02T00:00:00.000Z']) {
      const { id } = await store.executions.create({ actionRef: 'demo.flow', parameters: {} });
      await store.workflows.create({ executionId: id, actionRef: 'demo.flow', state: {}, dueAt });
      ids.push(id);
    }
    const [due, later, none, finished] = ids as [typeof ids[0], typeof ids[0], typeof ids[0], typeof ids[0]];
    expect(await store.workflows.update(finished, 1, { state: {}, active: false, dueAt: '2000-01-02T00:00:00.000Z' })).toBe(true);
    const now = new Date().toISOString();
    expect((await store.workflows.findDue(now, 10)).map((row) => row.executionId)).toEqual([due]);
    expect((await store.workflows.findStale(FAR_FUTURE, 10)).map((row) => row.executionId)).toEqual([due, later, none]);
    expect((await store.workflows.findStale(FAR_FUTURE, 10, due)).map((row) => row.executionId)).toEqual([later, none]);
    expect(await store.workflows.findStale('2000-01-01T00:00:00.000Z', 10)).toEqual([]);
  });
}
