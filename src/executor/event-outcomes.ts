import { randomUUID } from 'node:crypto';
import type { Bus, Consumer } from '../bus/index.js';
import { type EventId, type ExecutionId, type ExecutionResult, type ExecutionStatus, isTerminal } from '../domain/index.js';
import type { Store } from '../store/index.js';

/** One execution an event caused, as a waiting webhook sender hears of it. */
export interface ExecutionOutcome {
  readonly id: ExecutionId;
  readonly status: ExecutionStatus;
  readonly result: ExecutionResult | null;
}

/** A wait started before its events were stored (EventOutcomes.watch). */
export interface OutcomeWatch {
  /** As EventOutcomes.wait, for the events stored since the watch began. */
  wait(eventIds: readonly EventId[], timeoutMs: number): Promise<EventOutcome>;
  /** Stops listening: the events were not stored. Harmless after `wait`. */
  cancel(): void;
}

export interface EventOutcome {
  /** True when every event was processed by the rule engine and every execution it caused has ended. */
  readonly finished: boolean;
  readonly executions: readonly ExecutionOutcome[];
}

/** How many enforcements of one event are read: one per rule, so far more than any webhook has. */
const MAX_ENFORCEMENTS = 1000;

/** One caller waiting; `signal` wakes it to look at the database again. */
class Waiter {
  /** Undefined while its events are being stored (see EventOutcomes.watch). */
  eventIds: ReadonlySet<number> | undefined;
  executionIds = new Set<number>();
  /** Events the rule engine finished before `eventIds` was known. */
  readonly earlyEventIds = new Set<number>();
  #signalled = false;
  #wake: (() => void) | undefined;

  constructor(eventIds?: readonly EventId[]) {
    this.eventIds = eventIds && new Set(eventIds);
  }

  /** Whether a message concerns this waiter; one about an event not yet known to it is kept for `expect`. */
  hears(body: { readonly eventId: number } | { readonly executionId: number }): boolean {
    if (!('eventId' in body)) return this.executionIds.has(body.executionId);
    if (this.eventIds) return this.eventIds.has(body.eventId);
    this.earlyEventIds.add(body.eventId);
    return false;
  }

  /** Names the events; signalled at once if the rule engine finished one of them already. */
  expect(eventIds: readonly EventId[]): void {
    this.eventIds = new Set(eventIds);
    if (eventIds.some((id) => this.earlyEventIds.has(id))) this.signal();
    this.earlyEventIds.clear();
  }

  get isSignalled(): boolean {
    return this.#signalled;
  }

  signal(): void {
    this.#signalled = true;
    this.#wake?.();
  }

  /** Clears the signal before a look at the database: a signal during the look is kept. */
  beginCheck(): void {
    this.#signalled = false;
  }

  /** Resolves at the next signal (at once if one came since beginCheck), or when `until` resolves. */
  next(until: Promise<void>): Promise<void> {
    if (this.#signalled) return Promise.resolve();
    return Promise.race([new Promise<void>((resolve) => (this.#wake = resolve)), until]);
  }
}

/**
 * Waits until the executions some events caused have ended (a webhook's `?wait=`). Driven by the
 * bus, not by polling: `event.processed` says the rule engine is done with an event, and
 * `execution.completed` that an execution ended; each makes the waiters it concerns read the
 * database again, which decides. A waiter is registered before its first read, and a message
 * that arrives while it reads makes it read again, so no wake-up is lost between a read and the
 * wait that follows it.
 */
export class EventOutcomes {
  readonly #store: Store;
  readonly #bus: Bus;
  readonly #waiters = new Set<Waiter>();
  #consumer: Consumer | undefined;

  constructor(options: { readonly store: Store; readonly bus: Bus }) {
    this.#store = options.store;
    this.#bus = options.bus;
  }

  async start(): Promise<void> {
    // A queue of this process's own: every process that holds waiters hears every message.
    this.#consumer = await this.#bus.consume(`webhooks.outcomes.${randomUUID()}`, ['event.processed', 'execution.completed'], (delivery) => {
      const body = delivery.body;
      for (const waiter of this.#waiters) {
        if (waiter.hears(body)) waiter.signal();
      }
      return Promise.resolve();
    }, { prefetch: 64 });
  }

  async stop(): Promise<void> {
    await this.#consumer?.cancel();
    this.#consumer = undefined;
    for (const waiter of this.#waiters) waiter.signal();
  }

  /** What the events caused once it has all ended, or as far as it got when `timeoutMs` runs out. */
  wait(eventIds: readonly EventId[], timeoutMs: number): Promise<EventOutcome> {
    const waiter = new Waiter(eventIds);
    this.#waiters.add(waiter);
    return this.#waitFor(waiter, eventIds, timeoutMs, false);
  }

  /**
   * Starts listening before the events exist (a webhook's `?wait`): every message about them
   * comes after this, so until one does the rule engine cannot have finished with them, and the
   * first look at the database waits for it — one read per request fewer. `cancel` when the
   * events are not stored after all.
   */
  watch(): OutcomeWatch {
    const waiter = new Waiter();
    this.#waiters.add(waiter);
    return {
      wait: (eventIds, timeoutMs) => {
        waiter.expect(eventIds);
        return this.#waitFor(waiter, eventIds, timeoutMs, !waiter.isSignalled);
      },
      cancel: () => void this.#waiters.delete(waiter),
    };
  }

  async #waitFor(waiter: Waiter, eventIds: readonly EventId[], timeoutMs: number, firstWaitForMessage: boolean): Promise<EventOutcome> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    let expired = false;
    void timedOut.then(() => (expired = true));
    try {
      // Without a consumer no message comes: read at once.
      if (firstWaitForMessage && this.#consumer !== undefined) await waiter.next(timedOut);
      for (;;) {
        waiter.beginCheck();
        const outcome = await this.read(eventIds);
        for (const execution of outcome.executions) waiter.executionIds.add(execution.id);
        if (outcome.finished || expired || this.#consumer === undefined) return outcome;
        await waiter.next(timedOut);
      }
    } finally {
      clearTimeout(timer);
      this.#waiters.delete(waiter);
    }
  }

  /** The events' outcome as the database has it now. */
  async read(eventIds: readonly EventId[]): Promise<EventOutcome> {
    let finished = true;
    const executions: ExecutionOutcome[] = [];
    for (const id of eventIds) {
      // One statement per event: a waiter reads at each wake-up, about three times per request.
      const outcome = await this.#store.events.outcome(id, MAX_ENFORCEMENTS);
      if (!outcome) continue;
      if (!outcome.processed) finished = false;
      for (const execution of outcome.executions) {
        if (!isTerminal(execution.status)) finished = false;
        executions.push(execution);
      }
    }
    return { finished, executions: executions.sort((a, b) => a.id - b.id) };
  }
}
