import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { InProcessBus } from '../bus/index.js';
import { waitFor } from '../../test/support/wait.js';
import type { Notification } from './index.js';
import { BusFeed, Notifier } from './index.js';

const log = pino({ level: 'silent' });
const at = '2030-01-01T00:00:00.000Z';
const change = (type: Notification['type'], id: number | string, what = 'created'): Notification => ({ type, id, change: what, summary: {}, at });

describe('Notifier', () => {
  it('hands each change only to subscribers whose types and id it matches', () => {
    const notifier = new Notifier({ feed: { start: () => Promise.resolve(), stop: () => Promise.resolve() }, log });
    const all: Notification[] = [];
    const one: Notification[] = [];
    notifier.subscribe({ types: new Set(['execution', 'rule']) }, (n) => all.push(n));
    const unsubscribe = notifier.subscribe({ types: new Set(['rule']), id: 'demo.r' }, (n) => one.push(n));
    for (const n of [change('execution', 1), change('event', 2), change('rule', 'demo.r'), change('rule', 'demo.other')]) notifier.publish(n);
    expect(all.map((n) => n.id)).toEqual([1, 'demo.r', 'demo.other']);
    expect(one.map((n) => n.id)).toEqual(['demo.r']);
    unsubscribe();
    notifier.publish(change('rule', 'demo.r', 'deleted'));
    expect(one).toHaveLength(1);
  });

  it('drops a subscriber that throws and keeps serving the others', () => {
    const notifier = new Notifier({ feed: { start: () => Promise.resolve(), stop: () => Promise.resolve() }, log });
    const seen: Notification[] = [];
    notifier.subscribe({ types: new Set(['event']) }, () => {
      throw new Error('broken pipe');
    });
    notifier.subscribe({ types: new Set(['event']) }, (n) => seen.push(n));
    notifier.publish(change('event', 1));
    notifier.publish(change('event', 2));
    expect(seen.map((n) => n.id)).toEqual([1, 2]);
    expect(notifier.subscriberCount).toBe(1);
  });

  it('is fed from the bus: execution status, events, enforcements, rules, sensors and inquiries', async () => {
    const bus = new InProcessBus();
    const notifier = new Notifier({ feed: new BusFeed({ bus, now: () => new Date(at) }), log });
    await notifier.start();
    const seen: Notification[] = [];
    notifier.subscribe({ types: new Set(['execution', 'event', 'enforcement', 'rule', 'sensor', 'inquiry']) }, (n) => seen.push(n));
    await bus.publish('execution.status.changed', { executionId: 7, status: 'running', actionRef: 'core.noop' });
    await bus.publish('execution.completed', { executionId: 7, status: 'completed', actionRef: 'core.noop' });
    await bus.publish('event.created', { eventId: 3, triggerRef: 'core.webhook' });
    await bus.publish('enforcement.created', { enforcementId: 4 });
    await bus.publish('rule.enabled', { ruleRef: 'demo.r' });
    await bus.publish('sensor.status.changed', { sensorRef: 'demo.s', state: 'stopped' });
    await bus.publish('inquiry.changed', { inquiryId: 5, status: 'responded', executionId: 8 });
    await waitFor(() => seen.length === 6);
    expect(seen).toEqual([
      { type: 'execution', id: 7, change: 'running', summary: { status: 'running', action_ref: 'core.noop' }, at },
      { type: 'event', id: 3, change: 'created', summary: { trigger_ref: 'core.webhook' }, at },
      { type: 'enforcement', id: 4, change: 'created', summary: {}, at },
      { type: 'rule', id: 'demo.r', change: 'enabled', summary: { ref: 'demo.r' }, at },
      { type: 'sensor', id: 'demo.s', change: 'stopped', summary: { ref: 'demo.s', state: 'stopped' }, at },
      { type: 'inquiry', id: 5, change: 'responded', summary: { status: 'responded', execution_id: 8 }, at },
    ]);
    await notifier.stop();
    await bus.close();
  });
});
