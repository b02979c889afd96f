import { afterEach, describe, expect, it } from 'vitest';
import type { Bus } from './bus.js';
import type { Delivery } from './topics.js';

/** Behaviour every bus adapter must show; each adapter's test file runs this suite. */
export function describeBusContract(name: string, createBus: () => Promise<Bus>): void {
  describe(`${name} bus contract`, () => {
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
      const both = deferred(2);
      await b.consume('contract.a', ['execution.requested'], (d) => {
        seenA.push(d.body.executionId);
        both.tick();
        return Promise.resolve();
      });
      await b.consume('contract.b', ['execution.requested'], (d) => {
        seenB.push(d.body.executionId);
        both.tick();
        return Promise.resolve();
      });
      await b.publish('execution.requested', { executionId: 7 });
      await both.promise;
      expect(seenA).toEqual([7]);
      expect(seenB).toEqual([7]);
    });

    it('does not deliver topics a queue is not bound to', async () => {
      const b = await open();
      const seen: string[] = [];
      const one = deferred(1);
      await b.consume('contract.c', ['execution.dispatch'], (d) => {
        seen.push(d.topic);
        one.tick();
        return Promise.resolve();
      });
      await b.publish('execution.requested', { executionId: 1 });
      await b.publish('execution.dispatch', { executionId: 2 });
      await one.promise;
      expect(seen).toEqual(['execution.dispatch']);
    });

    it('shares one queue among competing consumers, each message handled once', async () => {
      const b = await open();
      const handled: number[] = [];
      const all = deferred(20);
      const handler = (d: Delivery<'execution.dispatch'>) => {
        handled.push(d.body.executionId);
        all.tick();
        return Promise.resolve();
      };
      await b.consume('contract.d', ['execution.dispatch'], handler);
      await b.consume('contract.d', ['execution.dispatch'], handler);
      for (let i = 0; i < 20; i++) await b.publish('execution.dispatch', { executionId: i });
      await all.promise;
      expect([...handled].sort((x, y) => x - y)).toEqual([...Array(20).keys()]);
    });

    it('redelivers a message when the handler throws', async () => {
      const b = await open();
      const attempts: number[] = [];
      const done = deferred(1);
      await b.consume('contract.e', ['execution.cancel'], (d) => {
        attempts.push(d.attempt);
        if (d.attempt < 3) return Promise.reject(new Error('not yet'));
        done.tick();
        return Promise.resolve();
      });
      await b.publish('execution.cancel', { executionId: 1 });
      await done.promise;
      expect(attempts).toEqual([1, 2, 3]);
    });

    it('runs up to prefetch handlers of one consumer at once', async () => {
      const b = await open();
      let running = 0;
      let peak = 0;
      const all = deferred(8);
      await b.consume(
        'contract.f',
        ['execution.dispatch'],
        async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((resolve) => setTimeout(resolve, 20));
          running--;
          all.tick();
        },
        { prefetch: 4 },
      );
      for (let i = 0; i < 8; i++) await b.publish('execution.dispatch', { executionId: i });
      await all.promise;
      expect(peak).toBe(4);
    });
  });
}

function deferred(count: number): { promise: Promise<void>; tick: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  let left = count;
  return {
    promise,
    tick: () => {
      left--;
      if (left === 0) resolve();
    },
  };
}
