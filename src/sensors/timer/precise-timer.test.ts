import { describe, expect, it } from 'vitest';
import { MAX_TIMEOUT_MS, schedulePrecise, type Clock } from './precise-timer.js';

/**
 * A hand-driven clock: tests decide when each armed timeout runs and what time it is then.
 * `stepPerRead` makes time move by itself, by that much at each reading, as it does during a spin.
 */
function createManualClock(start: number): Clock & { time: number; stepPerRead: number; armed: { callback: () => void; delayMs: number }[] } {
  const armed: { callback: () => void; delayMs: number }[] = [];
  const clock = {
    time: start,
    stepPerRead: 0,
    armed,
    now: () => {
      const time = clock.time;
      clock.time += clock.stepPerRead;
      return time;
    },
    setTimeout: (callback: () => void, delayMs: number) => {
      armed.push({ callback, delayMs });
      return armed.length - 1;
    },
    clearTimeout: () => undefined,
  };
  return clock;
}

function runLast(clock: ReturnType<typeof createManualClock>, atTime: number): void {
  clock.time = atTime;
  clock.armed.at(-1)?.callback();
}

describe('schedulePrecise', () => {
  it('re-arms for the remainder when the timer fires early, and never fires before the instant', () => {
    const clock = createManualClock(0);
    const fired: number[] = [];
    schedulePrecise(clock, 1_000, (t) => fired.push(t), { leadMs: 0 });
    expect(clock.armed.at(-1)?.delayMs).toBe(1_000);
    runLast(clock, 999);
    expect(fired).toEqual([]);
    expect(clock.armed.at(-1)?.delayMs).toBe(1);
    runLast(clock, 1_000);
    expect(fired).toEqual([1_000]);
  });

  it('arms leadMs early, then spins to the instant instead of arming again', () => {
    const clock = createManualClock(0);
    const fired: number[] = [];
    schedulePrecise(clock, 20, (t) => fired.push(t), { leadMs: 2 });
    expect(clock.armed.at(-1)?.delayMs).toBe(18);
    clock.stepPerRead = 1; // time moves while it spins
    runLast(clock, 18);
    expect(clock.armed).toHaveLength(1);
    expect(fired).toHaveLength(1);
    expect(fired[0]).toBeGreaterThanOrEqual(20);
  });

  it('arms again rather than spin on when the clock does not reach the instant', () => {
    const clock = createManualClock(0);
    const fired: number[] = [];
    schedulePrecise(clock, 20, (t) => fired.push(t), { leadMs: 2 });
    runLast(clock, 19); // and there it stays: a wall clock stepped back, say
    expect(fired).toEqual([]);
    expect(clock.armed).toHaveLength(2);
    runLast(clock, 20);
    expect(fired).toEqual([20]);
  });

  it('splits waits longer than the platform timer limit into chunks', () => {
    const clock = createManualClock(0);
    const fired: number[] = [];
    const at = MAX_TIMEOUT_MS * 2 + 5;
    schedulePrecise(clock, at, (t) => fired.push(t), { leadMs: 0 });
    expect(clock.armed.at(-1)?.delayMs).toBe(MAX_TIMEOUT_MS);
    runLast(clock, MAX_TIMEOUT_MS);
    runLast(clock, MAX_TIMEOUT_MS * 2);
    expect(clock.armed.at(-1)?.delayMs).toBe(5);
    runLast(clock, at);
    expect(fired).toEqual([at]);
  });

  it('fires a past instant on the next turn, and not at all once cancelled', () => {
    const clock = createManualClock(5_000);
    const fired: number[] = [];
    schedulePrecise(clock, 1_000, (t) => fired.push(t), { leadMs: 0 });
    expect(clock.armed.at(-1)?.delayMs).toBe(0);
    runLast(clock, 5_001);
    expect(fired).toEqual([5_001]);
    const cancel = schedulePrecise(clock, 9_000, (t) => fired.push(t), { leadMs: 0 });
    cancel();
    runLast(clock, 9_000);
    expect(fired).toEqual([5_001]);
  });
});
