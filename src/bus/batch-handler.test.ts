import { describe, expect, it } from 'vitest';
import { batchingHandler } from './batch-handler.js';
import { InProcessBus } from './in-process-bus.js';
import type { Delivery } from './topics.js';

type Created = Delivery<'event.created'>;

async function until(check: () => boolean): Promise<void> {
  for (let tries = 0; !check() && tries < 400; tries++) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('batchingHandler', () => {
  it('hands the messages a consumer holds at once to one batch, and acks each', async () => {
    const bus = new InProcessBus();
    const batches: number[][] = [];
    const handler = batchingHandler<'event.created'>(
      (deliveries) => {
        batches.push(deliveries.map((d) => d.body.eventId));
        return Promise.resolve();
      },
      (delivery) => {
        batches.push([delivery.body.eventId]);
        return Promise.resolve();
      },
    );
    await bus.consume('q', ['event.created'], handler, { prefetch: 4 });
    for (let i = 1; i <= 10; i++) await bus.publish('event.created', { eventId: i, triggerRef: 't.t' });
    await until(() => batches.flat().length === 10);
    expect(batches.flat()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(batches[0]).toEqual([1, 2, 3, 4]);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(4);
    await bus.close();
  });

  it('handles each message of a batch that threw on its own, so only the bad one is retried', async () => {
    const bus = new InProcessBus({ maxAttempts: 2, retryDelayMs: 1 });
    const done: number[] = [];
    let batchesTried = 0;
    const handler = batchingHandler<'event.created'>(
      () => {
        batchesTried++;
        return Promise.reject(new Error('one of them is bad'));
      },
      (delivery: Created) => {
        if (delivery.body.eventId === 2) return Promise.reject(new Error('bad'));
        done.push(delivery.body.eventId);
        return Promise.resolve();
      },
    );
    await bus.consume('q', ['event.created'], handler, { prefetch: 8 });
    for (let i = 1; i <= 3; i++) await bus.publish('event.created', { eventId: i, triggerRef: 't.t' });
    await until(() => bus.deadLetters.length === 1);
    expect(done.sort()).toEqual([1, 3]);
    expect(batchesTried).toBe(1);
    expect(bus.deadLetters.map((d) => (d.delivery as Created).body.eventId)).toEqual([2]);
    await bus.close();
  });
});
