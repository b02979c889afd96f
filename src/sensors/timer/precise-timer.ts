/**
 * Fires at exact wall-clock instants (epoch ms): one clock timeout for the earliest pending fire.
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
 *
 * Run inside `attune up` (the default), a spin holds the service's event loop for at most
 * `leadMs` + slack, and all spins together for at most SPIN_SHARE_PER_SECOND_MS per second.
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

/** Cancels a pending fire; calling it after the fire is a no-op. */
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

interface QueuedFire {
  readonly at: number;
  /** Insertion order: fires due at the same instant run in the order they were scheduled. */
  readonly seq: number;
  readonly onFire: (firedAt: number) => void;
  /** Cancelled, or already fired: skipped when it reaches the top of the heap. */
  isDone: boolean;
}

/**
 * Share of wall time the queue may spend spinning (see the header). With many timers at nearby
 * instants (1,000 interval timers spread over a second) a spin before each would pin a core; past
 * this share the queue fires on the timeout alone (up to ~1 ms late) until the next second.
 */
const SPIN_SHARE_PER_SECOND_MS = 50;

/**
 * Fires callbacks at exact wall-clock instants (epoch ms), each as close as possible to, and never
 * before, its instant; an instant already past fires on the next timer turn. However many fires are
 * pending, it holds one clock timeout, for the earliest (a binary heap orders them): a thousand
 * timers cost one wake per distinct instant and nothing in between. Fires due at the same wake run
 * together, in instant order.
 */
export class TimerQueue {
  readonly #clock: Clock;
  readonly #leadMs: number;
  readonly #heap: QueuedFire[] = [];
  #live = 0;
  #seq = 0;
  #handle: TimerHandle | undefined;
  #isFiring = false;
  #spinWindowStart = 0;
  #spunInWindowMs = 0;

  constructor(clock: Clock, options: PreciseTimerOptions = { leadMs: DEFAULT_LEAD_MS }) {
    this.#clock = clock;
    this.#leadMs = options.leadMs;
  }

  /** Fires still pending. */
  get size(): number {
    return this.#live;
  }

  /** Calls `onFire(firedAt)` once, at `at` or just after. */
  schedule(at: number, onFire: (firedAt: number) => void): CancelTimer {
    const fire: QueuedFire = { at, seq: this.#seq++, onFire, isDone: false };
    pushHeap(this.#heap, fire);
    this.#live += 1;
    if (!this.#isFiring && this.#heap[0] === fire) this.#arm();
    return () => this.#cancel(fire);
  }

  /** Drops every pending fire and the clock timeout. */
  clear(): void {
    for (const fire of this.#heap) fire.isDone = true;
    this.#heap.length = 0;
    this.#live = 0;
    this.#disarm();
  }

  #cancel(fire: QueuedFire): void {
    if (fire.isDone) return;
    fire.isDone = true;
    this.#live -= 1;
    // Nothing pending must leave no timeout behind: the timer sensor process exits when idle.
    if (this.#live === 0) this.clear();
    else if (this.#heap.length > 64 && this.#heap.length > 2 * this.#live) this.#compact();
  }

  /** Rebuilds the heap without cancelled fires, so rule churn cannot grow it without bound. */
  #compact(): void {
    const live = this.#heap.filter((fire) => !fire.isDone);
    this.#heap.length = 0;
    for (const fire of live) pushHeap(this.#heap, fire);
  }

  #peek(): QueuedFire | undefined {
    while (this.#heap.length > 0 && this.#heap[0]?.isDone === true) popHeap(this.#heap);
    return this.#heap[0];
  }

  #disarm(): void {
    if (this.#handle !== undefined) this.#clock.clearTimeout(this.#handle);
    this.#handle = undefined;
  }

  #arm(): void {
    this.#disarm();
    const next = this.#peek();
    if (next === undefined) return;
    const delayMs = next.at - this.#clock.now() - this.#leadFor();
    this.#handle = this.#clock.setTimeout(this.#wake, Math.min(Math.max(delayMs, 0), MAX_TIMEOUT_MS));
  }

  readonly #wake = (): void => {
    this.#handle = undefined;
    const next = this.#peek();
    if (next === undefined) return;
    const remaining = next.at - this.#clock.now();
    const leadMs = this.#leadFor();
    if (remaining > leadMs || (remaining > 0 && !this.#spin(next.at, leadMs))) {
      this.#arm();
      return;
    }
    this.#fireDue();
  };

  /** Fires everything due now, each at most once per wake (a 1 ms timer cannot starve the loop). */
  #fireDue(): void {
    this.#isFiring = true;
    try {
      let budget = this.#live;
      for (let fire = this.#peek(); fire !== undefined && budget > 0; fire = this.#peek(), budget--) {
        const firedAt = this.#clock.now();
        if (fire.at > firedAt) break;
        popHeap(this.#heap);
        fire.isDone = true;
        this.#live -= 1;
        fire.onFire(firedAt);
      }
    } finally {
      this.#isFiring = false;
      this.#arm();
    }
  }

  /** The spin lead for the next wake: 0 once this second's spin share is spent. */
  #leadFor(): number {
    if (this.#leadMs === 0) return 0;
    const now = performance.now();
    if (now - this.#spinWindowStart >= 1_000) {
      this.#spinWindowStart = now;
      this.#spunInWindowMs = 0;
    }
    return this.#spunInWindowMs < SPIN_SHARE_PER_SECOND_MS ? this.#leadMs : 0;
  }

  #spin(at: number, leadMs: number): boolean {
    if (leadMs === 0) return false;
    const started = performance.now();
    const reached = spinUntil(this.#clock, at, leadMs + SPIN_SLACK_MS);
    this.#spunInWindowMs += performance.now() - started;
    return reached;
  }
}

function isBefore(a: QueuedFire, b: QueuedFire): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

function pushHeap(heap: QueuedFire[], fire: QueuedFire): void {
  heap.push(fire);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!isBefore(heap[i] as QueuedFire, heap[parent] as QueuedFire)) break;
    [heap[i], heap[parent]] = [heap[parent] as QueuedFire, heap[i] as QueuedFire];
    i = parent;
  }
}

function popHeap(heap: QueuedFire[]): void {
  const last = heap.pop();
  if (last === undefined || heap.length === 0) return;
  heap[0] = last;
  let i = 0;
  for (;;) {
    const left = 2 * i + 1;
    const right = left + 1;
    let smallest = i;
    if (left < heap.length && isBefore(heap[left] as QueuedFire, heap[smallest] as QueuedFire)) smallest = left;
    if (right < heap.length && isBefore(heap[right] as QueuedFire, heap[smallest] as QueuedFire)) smallest = right;
    if (smallest === i) return;
    [heap[i], heap[smallest]] = [heap[smallest] as QueuedFire, heap[i] as QueuedFire];
    i = smallest;
  }
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
