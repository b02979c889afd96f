import { describe, expect, it } from 'vitest';
import { InProcessBus } from './in-process-bus.js';

describe('InProcessBus', () => {
  it('dead-letters a message after its last attempt', async () => {
    const dead: number[] = [];
    let deadLettered: () => void = () => undefined;
    const isDeadLettered = new Promise<void>((resolve) => (deadLettered = resolve));
    const bus = new InProcessBus({ maxAttempts: 2, retryDelayMs: 1, onDeadLetter: (d) => (dead.push(d.delivery.attempt), deadLettered()) });
    await bus.consume('q', ['execution.requested'], () => Promise.reject(new Error('always')));
    await bus.publish('execution.requested', { executionId: 1 });
    await isDeadLettered; // the test's timeout bounds the wait
    expect(dead).toEqual([2]);
    expect(bus.deadLetters).toHaveLength(1);
    await bus.close();
  });
});
