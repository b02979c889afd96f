/**
 * A one-shot timer that fires at an exact wall-clock instant (epoch ms).
 *
 * Why not a plain `setTimeout(fn, at - now)`: Node rounds timer delays to whole
 * milliseconds against its own loop clock, so a timer can fire ~1 ms early and,
 * under load, several ms late. Measured on a 2-core dev box (1 s interval,
 * |fired_at - scheduled_at|, three variants side by side): plain setTimeout
 * p50 1 / max 15 ms; arm 2 ms early + setImmediate polling p50 0 / max 7 ms;
 * arm 2 ms early + synchronous spin p50 0 / max 0 ms. We keep the spin: it
 * costs at most ~`leadMs` ms of CPU per fire (≈0.2 % at a 1 s interval) and is
 * the variant that lands on the instant. A 5 ms lead did no better than 2 ms:
 * the remaining outliers (1–4 ms, only when the CPU is oversubscribed) are the
 * process being descheduled, which no lead fixes. Waking earlier than the lead
 * (Node's early fire, or a long wait split into chunks) just re-arms for the
 * remainder. `npm run bench -- --only timer` re-measures.
 */

/** Opaque handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = unknown;

/**
 * The time source and timer functions the timer sensor runs on. Injected so
 * tests can drive it with fake timers; {@link systemClock} is the real one.
 */
export interface Clock {
  /** Current wall-clock time, epoch milliseconds. */
  now(): number;
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export interface PreciseTimerOptions {
  /**
   * How many ms before the instant to wake up and spin. 0 disables spinning
   * (required with fake clocks, whose `now()` does not advance during a spin).
   */
  readonly leadMs: number;
}

/** Cancels a pending precise timer; calling it after the fire is a no-op. */
export type CancelTimer = () => void;

export const DEFAULT_LEAD_MS = 2;

/** Node clamps larger delays to 1 ms (TimeoutOverflowWarning), so long waits are chunked. */
export const MAX_TIMEOUT_MS = 2_147_483_647;

/** Resolves the global timer functions at call time, so `vi.useFakeTimers()` applies. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Calls `onFire(firedAt)` once, as close as possible to (never before) `at`.
 * An instant already in the past fires on the next timer turn.
 */
export function schedulePrecise(
  clock: Clock,
  at: number,
  onFire: (firedAt: number) => void,
  options: PreciseTimerOptions = { leadMs: DEFAULT_LEAD_MS },
): CancelTimer {
  let handle: TimerHandle | undefined;
  let isCancelled = false;

  const wake = (): void => {
    handle = undefined;
    if (isCancelled) return;
    const remaining = at - clock.now();
    if (remaining > options.leadMs) {
      arm(remaining - options.leadMs);
      return;
    }
    if (remaining > 0 && !spinUntil(clock, at, options.leadMs + SPIN_SLACK_MS)) {
      arm(at - clock.now() - options.leadMs);
      return;
    }
    onFire(clock.now());
  };

  const arm = (delayMs: number): void => {
    handle = clock.setTimeout(wake, Math.min(Math.max(delayMs, 0), MAX_TIMEOUT_MS));
  };

  arm(at - clock.now() - options.leadMs);
  return () => {
    isCancelled = true;
    if (handle !== undefined) clock.clearTimeout(handle);
    handle = undefined;
  };
}

/** Extra monotonic time a spin may take beyond `leadMs` before it gives up. */
const SPIN_SLACK_MS = 5;

/**
 * Busy-waits until `clock.now() >= at`, for at most `budgetMs` of monotonic
 * time: a wall clock stepped backwards mid-spin must not pin the CPU, so the
 * caller re-arms instead. Returns whether the instant was reached.
 */
function spinUntil(clock: Clock, at: number, budgetMs: number): boolean {
  const deadline = performance.now() + budgetMs;
  while (clock.now() < at) {
    if (performance.now() > deadline) return false;
  }
  return true;
}
