import { describe, expect, it } from 'vitest';
import { restartDelayMs } from './sensor-backoff.js';

describe('restartDelayMs', () => {
  it('waits the base delay after the first failure and doubles it with each further one', () => {
    expect([1, 2, 3, 4, 5].map((failures) => restartDelayMs(failures, 5_000, 300_000))).toEqual([5_000, 10_000, 20_000, 40_000, 80_000]);
  });

  it('never waits longer than the cap (DESIGN §4: 5 s doubling to 300 s)', () => {
    expect([6, 7, 20, 1_000].map((failures) => restartDelayMs(failures, 5_000, 300_000))).toEqual([160_000, 300_000, 300_000, 300_000]);
  });

  it('waits the base delay for a count below one, as after a first failure', () => {
    expect(restartDelayMs(0, 100, 10_000)).toBe(100);
    expect(restartDelayMs(-3, 100, 10_000)).toBe(100);
  });
});
