import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../test/support/sqlite-store.js';
import { InProcessBus } from '../bus/index.js';
import { ruleId } from '../domain/index.js';
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

  it('lets every waiter go when it stops', async () => {
    const pending = await newEvent();
    const waiting = outcomes.wait([pending.id], 60_000);
    await outcomes.stop();
    expect(await waiting).toEqual({ finished: false, executions: [] });
  });
});
