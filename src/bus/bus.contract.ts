import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bus } from './bus.js';
import type { Delivery } from './topics.js';

/**
 * Behaviour every Bus adapter must show; bus.contract.test.ts runs it once per adapter, each
 * test on a fresh bus from `createBus`. No test measures time: concurrency is observed by
 * handlers that wait for the test to release them, so an adapter across a network passes as
 * surely as the in-process one.
 */
export function describeBusContract(name: string, createBus: () => Promise<Bus>): void {
  describe(`${name} bus contract`, () => {
    // Queue names unique to this run: a broker keeps durable queues from earlier runs.
    const run = randomUUID().slice(0, 8);
    const queue = (label: string) => `contract.${label}.${run}`;
    let bus: Bus | undefined;
    afterEach(async () => {
      await bus?.close();
      bus = undefined;
    });

    const open = async (): Promise<Bus> => {
      bus = await createBus();
      return bus;
    };

    it('delivers a published message to every queue bound to its topic', async () => {
      const b = await open();
      const seenA: number[] = [];
      const seenB: number[] = [];
      const both = countdown(2);
      await b.consume(queue('a'), ['execution.requested'], (d) => {
        seenA.push(d.body.executionId);
        both.tick();
        return Promise.resolve();
      });
      await b.consume(queue('b'), ['execution.requested'], (d) => {
        seenB.push(d.body.executionId);
        both.tick();
        return Promise.resolve();
      });
      await b.publish('execution.requested', { executionId: 7 });
      await both.done;
      expect(seenA).toEqual([7]);
      expect(seenB).toEqual([7]);
    });

    it('does not deliver topics a queue is not bound to', async () => {
      const b = await open();
      const seen: string[] = [];
      const one = countdown(1);
      await b.consume(queue('c'), ['execution.dispatch'], (d) => {
        seen.push(d.topic);
        one.tick();
        return Promise.resolve();
      });
      await b.publish('execution.requested', { executionId: 1 });
      await b.publish('execution.dispatch', { executionId: 2, runtime: 'shell' });
      await one.done;
      expect(seen).toEqual(['execution.dispatch']);
    });

    it('delivers a routed message only to the queues taking its route, and to queues taking every route', async () => {
      const b = await open();
      const seen = { shell: [] as number[], python: [] as number[], both: [] as number[], every: [] as number[] };
      // shell 2 + python 1 + both 3 + every 4. A queue's order is its publish order, so a message
      // routed wrongly (the node one, published before the last shell one) would show in the lists.
      const all = countdown(10);
      const record = (into: number[]) => (d: Delivery<'execution.dispatch'>) => {
        into.push(d.body.executionId);
        all.tick();
        return Promise.resolve();
      };
      await b.consume(queue('route-shell'), ['execution.dispatch'], record(seen.shell), { routes: ['shell'] });
      await b.consume(queue('route-python'), ['execution.dispatch'], record(seen.python), { routes: ['python'] });
      await b.consume(queue('route-both'), ['execution.dispatch'], record(seen.both), { routes: ['shell', 'python'] });
      await b.consume(queue('route-every'), ['execution.dispatch'], record(seen.every));
      await b.publish('execution.dispatch', { executionId: 1, runtime: 'shell' });
      await b.publish('execution.dispatch', { executionId: 2, runtime: 'python' });
      await b.publish('execution.dispatch', { executionId: 3, runtime: 'node' }); // no queue takes node but `every`
      await b.publish('execution.dispatch', { executionId: 4, runtime: 'shell' });
      await all.done;
      expect(seen.shell).toEqual([1, 4]);
      expect(seen.python).toEqual([2]);
      expect(seen.both).toEqual([1, 2, 4]);
      expect(seen.every).toEqual([1, 2, 3, 4]);
    });

    it('delivers a queue’s messages to a lone consumer in the order they were published', async () => {
      const b = await open();
      const seen: number[] = [];
      const all = countdown(10);
      await b.consume(queue('order'), ['execution.dispatch'], (d) => {
        seen.push(d.body.executionId);
        all.tick();
        return Promise.resolve();
      });
      for (let i = 0; i < 10; i++) await b.publish('execution.dispatch', { executionId: i, runtime: 'shell' });
      await all.done;
      expect(seen).toEqual([...Array(10).keys()]);
    });

    it('shares one queue among competing consumers, each message handled once', async () => {
      const b = await open();
      const handled: number[] = [];
      const all = countdown(20);
      const handler = (d: Delivery<'execution.dispatch'>) => {
        handled.push(d.body.executionId);
        all.tick();
        return Promise.resolve();
      };
      await b.consume(queue('d'), ['execution.dispatch'], handler);
      await b.consume(queue('d'), ['execution.dispatch'], handler);
      for (let i = 0; i < 20; i++) await b.publish('execution.dispatch', { executionId: i, runtime: 'shell' });
      await all.done;
      expect([...handled].sort((x, y) => x - y)).toEqual([...Array(20).keys()]);
    });

    it('redelivers a message when the handler throws', async () => {
      const b = await open();
      const attempts: number[] = [];
      const done = countdown(1);
      await b.consume(queue('e'), ['execution.cancel'], (d) => {
        attempts.push(d.attempt);
        if (d.attempt < 3) return Promise.reject(new Error('not yet'));
        done.tick();
        return Promise.resolve();
      });
      await b.publish('execution.cancel', { executionId: 1 });
      await done.done;
      expect(attempts).toEqual([1, 2, 3]);
    });

    for (const prefetch of [undefined, 4] as const) {
      it(`runs at most ${prefetch ?? 'one (the default)'} handler${prefetch ? 's' : ''} of a consumer at once, taking the next as one settles`, async () => {
        const b = await open();
        const gates = new Gates();
        const limit = prefetch ?? 1;
        await b.consume(queue(`prefetch-${limit}`), ['execution.dispatch'], gates.handler, prefetch ? { prefetch } : {});
        for (let i = 0; i < limit + 3; i++) await b.publish('execution.dispatch', { executionId: i, runtime: 'shell' });
        await gates.until(() => gates.started >= limit);
        // Each release frees one slot: exactly one more message starts.
        for (let next = limit + 1; next <= limit + 3; next++) {
          gates.releaseOne();
          await gates.until(() => gates.started >= next);
        }
        gates.releaseAll();
        await gates.until(() => gates.finished === limit + 3);
        expect(gates.peak).toBe(limit);
      });
    }

    it('stops a cancelled consumer: its cancel waits for the handler in hand, and later messages go to the others', async () => {
      const b = await open();
      const gates = new Gates();
      const order: string[] = [];
      const cancelled = await b.consume(queue('cancel'), ['execution.dispatch'], gates.handler);
      await b.publish('execution.dispatch', { executionId: 0, runtime: 'shell' });
      await gates.until(() => gates.started === 1);
      const cancelling = cancelled.cancel().then(() => order.push('cancel resolved'));
      await turnOfTheEventLoop();
      order.push('handler released');
      gates.releaseAll();
      await cancelling;
      expect(order).toEqual(['handler released', 'cancel resolved']);

      const others: number[] = [];
      const all = countdown(3);
      await b.consume(queue('cancel'), ['execution.dispatch'], (d) => {
        others.push(d.body.executionId);
        all.tick();
        return Promise.resolve();
      });
      for (let i = 1; i <= 3; i++) await b.publish('execution.dispatch', { executionId: i, runtime: 'shell' });
      await all.done;
      expect(others).toEqual([1, 2, 3]);
      expect(gates.started).toBe(1);
    });

    it('gives each private queue its own copy, and removes a private queue with its consumer', async () => {
      const b = await open();
      const seenA: number[] = [];
      const seenB: number[] = [];
      const both = countdown(2);
      const first = await b.consume(queue('private-a'), ['execution.cancel'], (d) => {
        seenA.push(d.body.executionId);
        both.tick();
        return Promise.resolve();
      }, { isPrivate: true });
      await b.consume(queue('private-b'), ['execution.cancel'], (d) => {
        seenB.push(d.body.executionId);
        both.tick();
        return Promise.resolve();
      }, { isPrivate: true });
      await b.publish('execution.cancel', { executionId: 1 });
      await both.done;
      await first.cancel();
      // Published while no queue of that name exists: kept for no one.
      await b.publish('execution.cancel', { executionId: 2 });
      const again: number[] = [];
      const one = countdown(1);
      await b.consume(queue('private-a'), ['execution.cancel'], (d) => {
        again.push(d.body.executionId);
        one.tick();
        return Promise.resolve();
      }, { isPrivate: true });
      await b.publish('execution.cancel', { executionId: 3 });
      await one.done;
      expect({ seenA, again }).toEqual({ seenA: [1], again: [3] });
    });

    it('closes only once the handlers in flight have settled, and closes again as a no-op', async () => {
      const b = await open();
      const gates = new Gates();
      const order: string[] = [];
      await b.consume(queue('close'), ['execution.dispatch'], gates.handler, { prefetch: 2 });
      await b.publish('execution.dispatch', { executionId: 1, runtime: 'shell' });
      await b.publish('execution.dispatch', { executionId: 2, runtime: 'shell' });
      await gates.until(() => gates.started === 2);
      const closing = b.close().then(() => order.push('close resolved'));
      await turnOfTheEventLoop();
      order.push('handlers released');
      gates.releaseAll();
      await closing;
      expect(order).toEqual(['handlers released', 'close resolved']);
      expect(gates.finished).toBe(2);
      await b.close();
    });
  });
}

/**
 * Lets a promise that should still be pending settle if it wrongly would: one turn of the
 * event loop, so the test that follows observes order, not time.
 */
function turnOfTheEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function countdown(count: number): { done: Promise<void>; tick: () => void } {
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  let left = count;
  return {
    done,
    tick: () => {
      left--;
      if (left === 0) resolve();
    },
  };
}

/** A handler that holds each message until the test releases it, counting what it saw. */
class Gates {
  started = 0;
  finished = 0;
  peak = 0;
  #running = 0;
  readonly #held: (() => void)[] = [];
  readonly #waiters: { readonly holds: () => boolean; readonly resolve: () => void }[] = [];

  readonly handler = async (): Promise<void> => {
    this.started++;
    this.#running++;
    this.peak = Math.max(this.peak, this.#running);
    this.#changed();
    await new Promise<void>((resolve) => this.#held.push(resolve));
    this.#running--;
    this.finished++;
    this.#changed();
  };

  /** Releases the handler that has waited longest. */
  releaseOne(): void {
    this.#held.shift()?.();
  }

  releaseAll(): void {
    this.#held.splice(0).forEach((release) => release());
  }

  /** Resolves once `holds()` is true; checked whenever a handler starts or finishes. */
  until(holds: () => boolean): Promise<void> {
    if (holds()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ holds, resolve }));
  }

  #changed(): void {
    for (const waiter of [...this.#waiters]) {
      if (!waiter.holds()) continue;
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }
}
