import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../test/support/sqlite-store.js';
import { InProcessBus } from '../bus/index.js';
import { type EventId, ruleId } from '../domain/index.js';
import type { Store } from '../store/index.js';
import { EventOutcomes } from './event-outcomes.js';

describe('EventOutcomes', () => {
  let dir: string;
  let store: Store;
  let bus: InProcessBus;
  let outcomes: EventOutcomes;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'attune-outcomes-'));
    store = await openSqliteStore(path.join(dir, 'db.sqlite'));
    bus = new InProcessBus();
    outcomes = new EventOutcomes({ store, bus });
    await outcomes.start();
  });

  afterEach(async () => {
    await outcomes.stop();
    await bus.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const newEvent = () => store.events.create({ triggerRef: 'core.webhook', payload: {}, source: 'test', ruleRef: 'demo.r' });

  it('answers when the event is processed and its execution ends, woken by the bus', async () => {
    const event = await newEvent();
    const waiting = outcomes.wait([event.id], 60_000);
    // The rule engine's work, as it does it: enforcement, execution, processed mark, then the message.
    const enforcement = await store.events.createEnforcement({ ruleId: ruleId(1), ruleRef: 'demo.r', eventId: event.id, status: 'scheduled', failure: null });
    const execution = await store.executions.create({ actionRef: 'core.noop', parameters: {}, eventId: event.id });
    if (!enforcement) throw new Error('no enforcement');
    await store.events.linkExecution(enforcement.id, execution.id);
    await store.events.markProcessed(event.id);
    await bus.publish('event.processed', { eventId: event.id });
    await store.executions.transition(execution.id, ['requested'], 'completed', { finished: true, result: { exit_code: 0, stdout: 'ok' } });
    await bus.publish('execution.completed', { executionId: execution.id, status: 'completed', actionRef: 'core.noop' });
    expect(await waiting).toEqual({ finished: true, executions: [{ id: execution.id, status: 'completed', result: { exit_code: 0, stdout: 'ok' } }] });
  });

  it('answers at once for an event already processed with nothing to run, and when the wait runs out', async () => {
    const done = await newEvent();
    await store.events.markProcessed(done.id);
    expect(await outcomes.wait([done.id], 60_000)).toEqual({ finished: true, executions: [] });
    const pending = await newEvent();
    expect(await outcomes.wait([pending.id], 20)).toEqual({ finished: false, executions: [] });
  });

  it('hears, through a watch begun before the event was stored, a rule engine that finished before the wait began', async () => {
    const watch = outcomes.watch();
    const event = await newEvent();
    await store.events.markProcessed(event.id);
    await bus.publish('event.processed', { eventId: event.id });
    await new Promise((resolve) => setImmediate(resolve)); // the message is delivered before the wait names the event
    expect(await watch.wait([event.id], 60_000)).toEqual({ finished: true, executions: [] });
  });

  it('reads the database only once a message came, for a watch begun before the event was stored', async () => {
    const reads: number[] = [];
    const events = store.events;
    const counting = { ...store, events: Object.assign(Object.create(events) as typeof events, { outcome: (id: EventId, limit: number) => (reads.push(id), events.outcome(id, limit)) }) } as Store;
    const watched = new EventOutcomes({ store: counting, bus });
    await watched.start();
    try {
      const watch = watched.watch();
      const event = await newEvent();
      const waiting = watch.wait([event.id], 60_000);
      await new Promise((resolve) => setImmediate(resolve));
      expect(reads).toEqual([]);
      await store.events.markProcessed(event.id);
      await bus.publish('event.processed', { eventId: event.id });
      expect(await waiting).toEqual({ finished: true, executions: [] });
      expect(reads).toEqual([event.id]);
    } finally {
      await watched.stop();
    }
  });

  it('lets a cancelled watch go, and answers a watch at once once stopped', async () => {
    const cancelled = outcomes.watch();
    cancelled.cancel();
    const watch = outcomes.watch();
    const pending = await newEvent();
    await outcomes.stop();
    expect(await watch.wait([pending.id], 60_000)).toEqual({ finished: false, executions: [] });
  });

  it('lets every waiter go when it stops', async () => {
    const pending = await newEvent();
    const waiting = outcomes.wait([pending.id], 60_000);
    await outcomes.stop();
    expect(await waiting).toEqual({ finished: false, executions: [] });
  });
});
