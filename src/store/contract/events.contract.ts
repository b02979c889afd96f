import { expect, it } from 'vitest';
import { type EventId, eventId, ruleId } from '../../domain/index.js';
import { type CurrentStore, setClock } from './fixtures.contract.js';

const FAR_FUTURE = '9999-12-31T23:59:59.999Z';

/** Events and the enforcements the rule engine writes for them. */
export function eventsContract(current: CurrentStore): void {
  it('stores an event as given and lists events newest first, by trigger and by rule', async () => {
    const store = current();
    const a = await store.events.create({ triggerRef: 't.a', payload: { n: [1, 'x'] }, source: 'sensor.s' });
    const b = await store.events.create({ triggerRef: 't.b', payload: null, source: 'webhook:w', ruleRef: 'demo.r' });
    const c = await store.events.create({ triggerRef: 't.a', payload: 'text', source: 'api', ruleRef: 'demo.r' });
    expect(await store.events.get(a.id)).toEqual(a);
    expect(a).toMatchObject({ triggerRef: 't.a', payload: { n: [1, 'x'] }, source: 'sensor.s', ruleRef: null, processedAt: null });
    expect(await store.events.get(b.id)).toMatchObject({ payload: null, ruleRef: 'demo.r' });
    const page = await store.events.list({ limit: 2, offset: 0 });
    expect({ ids: page.items.map((e) => e.id), total: page.total }).toEqual({ ids: [c.id, b.id], total: 3 });
    expect((await store.events.list({ limit: 10, offset: 0, triggerRef: 't.a' })).items.map((e) => e.id)).toEqual([c.id, a.id]);
    expect((await store.events.list({ limit: 10, offset: 0, ruleRef: 'demo.r', triggerRef: 't.b' })).items.map((e) => e.id)).toEqual([b.id]);
  });

  it('marks an event processed once, and claims the ones left unprocessed, each once until the claim is old', async () => {
    const store = current();
    setClock('2030-01-01T00:00:00.000Z');
    const a = await store.events.create({ triggerRef: 't.a', payload: {}, source: 'test' });
    const b = await store.events.create({ triggerRef: 't.a', payload: {}, source: 'test' });
    const c = await store.events.create({ triggerRef: 't.a', payload: {}, source: 'test' });
    setClock('2030-01-01T00:01:00.000Z');
    const late = await store.events.create({ triggerRef: 't.a', payload: {}, source: 'test' });
    expect(await store.events.markProcessed(a.id)).toBe(true);
    expect(await store.events.markProcessed(a.id)).toBe(false);
    expect((await store.events.get(a.id))?.processedAt).toBe('2030-01-01T00:01:00.000Z');
    const ids = async (before: string, limit: number, afterId?: number) =>
      (await store.events.claimUnprocessed(before, limit, afterId)).map((e) => e.id);
    expect(await ids('2030-01-01T00:00:00.000Z', 1)).toEqual([b.id]);
    // b was claimed at 00:01, after `before`: the next claim takes c.
    expect(await ids('2030-01-01T00:00:00.000Z', 10)).toEqual([c.id]);
    expect(await ids('2030-01-01T00:00:59.999Z', 10)).toEqual([]);
    // A claim as old as `before` is taken again: a re-drive whose message was lost retries.
    expect(await ids(FAR_FUTURE, 10, b.id)).toEqual([c.id, late.id]);
    expect(await ids(FAR_FUTURE, 10)).toEqual([b.id, c.id, late.id]);
  });

  it('stores, reads and marks several events at once, in the order given', async () => {
    const store = current();
    const events = await store.events.createMany([
      { triggerRef: 't.a', payload: { n: 1 }, source: 'sensor.s' },
      { triggerRef: 't.b', payload: 'two', source: 'sensor.s', ruleRef: 'demo.r' },
      { triggerRef: 't.a', payload: null, source: 'api' },
    ]);
    expect(events.map((e) => [e.triggerRef, e.payload, e.ruleRef, e.processedAt])).toEqual([
      ['t.a', { n: 1 }, null, null],
      ['t.b', 'two', 'demo.r', null],
      ['t.a', null, null, null],
    ]);
    const [a, b, c] = events.map((e) => e.id) as [EventId, EventId, EventId];
    expect(b > a && c > b).toBe(true);
    expect(await store.events.createMany([])).toEqual([]);
    expect(await store.events.getMany([c, eventId(999_999), a])).toEqual([events[0], events[2]]);
    expect(await store.events.getMany([])).toEqual([]);
    expect(await store.events.markProcessed(b)).toBe(true);
    expect(await store.events.markProcessedMany([c, b, a])).toEqual([a, c]);
    expect(await store.events.markProcessedMany([a, c])).toEqual([]);
    expect((await store.events.get(c))?.processedAt).not.toBeNull();
  });

  it('tells whether an event of a trigger targeted a rule since a time', async () => {
    const store = current();
    setClock('2030-01-01T00:00:00.000Z');
    await store.events.create({ triggerRef: 'core.datetimetimer', payload: {}, source: 'test', ruleRef: 'demo.r' });
    expect(await store.events.existsFor('core.datetimetimer', 'demo.r')).toBe(true);
    expect(await store.events.existsFor('core.datetimetimer', 'demo.r', '2030-01-01T00:00:00.000Z')).toBe(true);
    expect(await store.events.existsFor('core.datetimetimer', 'demo.r', '2030-01-01T00:00:00.001Z')).toBe(false);
    expect(await store.events.existsFor('core.datetimetimer', 'demo.other')).toBe(false);
    expect(await store.events.existsFor('core.intervaltimer', 'demo.r')).toBe(false);
  });

  it('writes at most one enforcement per rule and event', async () => {
    const store = current();
    const event = await store.events.create({ triggerRef: 'core.webhook', payload: { a: 1 }, source: 'test' });
    const input = { ruleId: ruleId(1), ruleRef: 'demo.r', eventId: event.id, status: 'scheduled' as const };
    expect(await store.events.createEnforcement(input)).toBeDefined();
    expect(await store.events.createEnforcement({ ...input, status: 'failed', failure: 'again' })).toBeUndefined();
    const page = await store.events.listEnforcements({ limit: 10, offset: 0, eventId: event.id });
    expect(page.total).toBe(1);
    expect(page.items[0]).toMatchObject({ status: 'scheduled', failure: null });
    const other = await store.events.create({ triggerRef: 'core.webhook', payload: {}, source: 'test' });
    const written = await store.events.createEnforcements([
      { ...input, eventId: other.id },
      { ...input, status: 'failed', failure: 'again' },
      { ...input, ruleId: ruleId(2), ruleRef: 'demo.s', eventId: other.id, status: 'failed', failure: 'no action' },
    ]);
    expect(written.map((e) => [e.ruleId, e.eventId, e.status, e.failure])).toEqual([
      [1, other.id, 'scheduled', null],
      [2, other.id, 'failed', 'no action'],
    ]);
    expect(await store.events.createEnforcements([{ ...input, eventId: other.id }])).toEqual([]);
    expect(await store.events.createEnforcements([])).toEqual([]);
  });

  it('links an enforcement to its execution and lists enforcements newest first, by rule and by event', async () => {
    const store = current();
    const first = await store.events.create({ triggerRef: 'core.webhook', payload: {}, source: 'test' });
    const second = await store.events.create({ triggerRef: 'core.webhook', payload: {}, source: 'test' });
    const ok = await store.events.createEnforcement({ ruleId: ruleId(1), ruleRef: 'demo.r', eventId: first.id, status: 'scheduled' });
    const bad = await store.events.createEnforcement({ ruleId: ruleId(2), ruleRef: 'demo.s', eventId: first.id, status: 'failed', failure: 'no action' });
    const later = await store.events.createEnforcement({ ruleId: ruleId(1), ruleRef: 'demo.r', eventId: second.id, status: 'scheduled' });
    if (!ok || !bad || !later) throw new Error('enforcements were not written');
    expect(bad).toMatchObject({ ruleId: 2, ruleRef: 'demo.s', eventId: first.id, status: 'failed', failure: 'no action', executionId: null });
    const execution = await store.executions.create({ actionRef: 'demo.a', parameters: {}, enforcementId: ok.id });
    await store.events.linkExecution(ok.id, execution.id);
    const byRule = await store.events.listEnforcements({ limit: 10, offset: 0, ruleRef: 'demo.r' });
    expect(byRule.items.map((e) => [e.id, e.executionId])).toEqual([
      [later.id, null],
      [ok.id, execution.id],
    ]);
    const page = await store.events.listEnforcements({ limit: 1, offset: 1, eventId: first.id });
    expect({ ids: page.items.map((e) => e.id), total: page.total }).toEqual({ ids: [ok.id], total: 2 });
    const [x, y] = await store.executions.createMany([
      { actionRef: 'demo.a', parameters: {}, enforcementId: later.id },
      { actionRef: 'demo.a', parameters: {}, enforcementId: bad.id },
    ]);
    if (!x || !y) throw new Error('executions were not written');
    await store.events.linkExecutions([
      { enforcementId: later.id, executionId: x.id },
      { enforcementId: bad.id, executionId: y.id },
    ]);
    await store.events.linkExecutions([]);
    const all = await store.events.listEnforcements({ limit: 10, offset: 0 });
    expect(all.items.map((e) => [e.id, e.executionId])).toEqual([
      [later.id, x.id],
      [bad.id, y.id],
      [ok.id, execution.id],
    ]);
  });

  it("reads an event's outcome: whether it was processed, and its enforcements' executions, newest enforcement first", async () => {
    const store = current();
    const event = await store.events.create({ triggerRef: 'core.webhook', payload: {}, source: 'test' });
    expect(await store.events.outcome(event.id, 10)).toEqual({ processed: false, executions: [] });
    expect(await store.events.outcome(eventId(999_999), 10)).toBeUndefined();
    await store.events.markProcessed(event.id);
    const [failed, first, second] = await store.events.createEnforcements([
      { ruleId: ruleId(1), ruleRef: 'demo.f', eventId: event.id, status: 'failed', failure: 'no action' },
      { ruleId: ruleId(2), ruleRef: 'demo.a', eventId: event.id, status: 'scheduled' },
      { ruleId: ruleId(3), ruleRef: 'demo.b', eventId: event.id, status: 'scheduled' },
    ]);
    if (!failed || !first || !second) throw new Error('enforcements were not written');
    expect(await store.events.outcome(event.id, 10)).toEqual({ processed: true, executions: [] });
    const [a, b] = await store.executions.createMany([
      { actionRef: 'demo.a', parameters: {}, enforcementId: first.id },
      { actionRef: 'demo.b', parameters: {}, enforcementId: second.id },
    ]);
    if (!a || !b) throw new Error('executions were not written');
    await store.events.linkExecutions([
      { enforcementId: first.id, executionId: a.id },
      { enforcementId: second.id, executionId: b.id },
    ]);
    await store.executions.transition(a.id, ['requested'], 'completed', { finished: true, result: { stdout: 'x', exit_code: 0 } });
    expect(await store.events.outcome(event.id, 10)).toEqual({
      processed: true,
      executions: [
        { id: b.id, status: 'requested', result: null },
        { id: a.id, status: 'completed', result: { stdout: 'x', exit_code: 0 } },
      ],
    });
    expect((await store.events.outcome(event.id, 1))?.executions.map((e) => e.id)).toEqual([b.id]);
  });
}
