import { describe, expect, it } from 'vitest';
import { MAX_TIMEOUT_MS, TimerQueue, type Clock } from './precise-timer.js';

/**
 * A hand-driven clock: tests decide when each armed timeout runs and what time it is then.
 * `stepPerRead` makes time move by itself, by that much at each reading, as it does during a spin.
 */
type Armed = { callback: () => void; delayMs: number; isCleared?: boolean };

function createManualClock(start: number): Clock & { time: number; stepPerRead: number; armed: Armed[] } {
  const armed: Armed[] = [];
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
    clearTimeout: (handle: unknown) => {
      const entry = armed[handle as number];
      if (entry) {
        entry.isCleared = true;
        entry.callback = () => undefined;
      }
    },
  };
  return clock;
}

/** The one-fire case: a queue holding a single instant. */
function schedulePrecise(clock: Clock, at: number, onFire: (firedAt: number) => void, options: { leadMs: number }): () => void {
  return new TimerQueue(clock, options).schedule(at, onFire);
}

function runLast(clock: ReturnType<typeof createManualClock>, atTime: number): void {
  clock.time = atTime;
  clock.armed.at(-1)?.callback();
}

describe('TimerQueue with one instant', () => {
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

describe('TimerQueue with many instants', () => {
  it('holds one clock timeout, for the earliest instant, however many fires are pending', () => {
    const clock = createManualClock(0);
    const queue = new TimerQueue(clock, { leadMs: 0 });
    for (let i = 1_000; i >= 1; i--) queue.schedule(i * 10, () => undefined);
    // Armed once per new earliest (each scheduled instant was earlier than the last), never in between.
    const pending = clock.armed.filter((entry) => entry.isCleared !== true);
    expect(pending).toHaveLength(1);
    expect(pending[0]?.delayMs).toBe(10);
    expect(queue.size).toBe(1_000);
    runLast(clock, 10);
    expect(queue.size).toBe(999);
    expect(clock.armed.at(-1)?.delayMs).toBe(10);
  });

  it('fires everything due at one wake in instant order, ties in the order scheduled', () => {
    const clock = createManualClock(0);
    const queue = new TimerQueue(clock, { leadMs: 0 });
    const fired: string[] = [];
    queue.schedule(30, () => fired.push('c'));
    queue.schedule(10, () => fired.push('a1'));
    queue.schedule(10, () => fired.push('a2'));
    queue.schedule(20, () => fired.push('b'));
    queue.schedule(50, () => fired.push('later'));
    runLast(clock, 30);
    expect(fired).toEqual(['a1', 'a2', 'b', 'c']);
    expect(clock.armed.at(-1)?.delayMs).toBe(20);
  });

  it('leaves no timeout behind once every fire is cancelled, and skips cancelled fires', () => {
    const clock = createManualClock(0);
    const queue = new TimerQueue(clock, { leadMs: 0 });
    const fired: number[] = [];
    const cancelFirst = queue.schedule(10, (t) => fired.push(t));
    const cancelSecond = queue.schedule(20, (t) => fired.push(t));
    cancelFirst();
    runLast(clock, 10); // the wake for the cancelled first instant re-arms for the second
    expect(fired).toEqual([]);
    expect(clock.armed.at(-1)?.delayMs).toBe(10);
    cancelSecond();
    expect(queue.size).toBe(0);
    const armedBefore = clock.armed.length;
    runLast(clock, 20); // its timeout was cleared: the callback is a no-op now
    expect(fired).toEqual([]);
    expect(clock.armed).toHaveLength(armedBefore);
  });

  it('fires a fire scheduled by a callback at its own instant, not in the same wake', () => {
    const clock = createManualClock(0);
    const queue = new TimerQueue(clock, { leadMs: 0 });
    const fired: number[] = [];
    const every10 = (t: number) => {
      fired.push(t);
      queue.schedule(t + 10, every10);
    };
    queue.schedule(10, every10);
    runLast(clock, 10);
    expect(fired).toEqual([10]);
    expect(clock.armed.at(-1)?.delayMs).toBe(10);
    runLast(clock, 20);
    expect(fired).toEqual([10, 20]);
  });
});
