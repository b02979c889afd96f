import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InProcessBus } from './in-process-bus.js';

describe('InProcessBus redelivery', () => {
  // Fake timers and clock drive the redelivery delays: no real time passes. The queue's pump
  // runs on setImmediate, left real, so `flush()` lets every delivery that is due happen.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

  /** A bus whose one consumer always throws, recording when (fake time) each delivery came. */
  async function failingBus(maxAttempts: number): Promise<{ bus: InProcessBus; attempts: number[]; dead: number[] }> {
    const start = Date.now();
    const attempts: number[] = [];
    const dead: number[] = [];
    const bus = new InProcessBus({ maxAttempts, retryDelayMs: 1_000, onDeadLetter: (d) => dead.push(d.delivery.attempt) });
    await bus.consume('q', ['execution.requested'], () => {
      attempts.push(Date.now() - start);
      return Promise.reject(new Error('always'));
    });
    await bus.publish('execution.requested', { executionId: 1 });
    await flush();
    return { bus, attempts, dead };
  }

  /** Moves the fake clock on by `ms` and lets what came due be delivered. */
  async function advance(ms: number): Promise<void> {
    await vi.advanceTimersByTimeAsync(ms);
    await flush();
  }

  it('redelivers a message whose handler threw after the retry delay, doubling it each time', async () => {
    const { bus, attempts } = await failingBus(5);
    expect(attempts).toEqual([0]);
    await advance(999);
    expect(attempts).toEqual([0]);
    await advance(1);
    expect(attempts).toEqual([0, 1_000]);
    await advance(1_999);
    expect(attempts).toEqual([0, 1_000]);
    await advance(1);
    expect(attempts).toEqual([0, 1_000, 3_000]);
    await bus.close();
  });

  it('delivers a dead-lettered message no more', async () => {
    const { bus, attempts, dead } = await failingBus(2);
    await advance(1_000);
    expect(attempts).toEqual([0, 1_000]);
    expect(dead).toEqual([2]);
    expect(vi.getTimerCount()).toBe(0); // no redelivery pending
    await bus.close();
  });
});
