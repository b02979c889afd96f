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

export interface EventOutcome {
  /** True when every event was processed by the rule engine and every execution it caused has ended. */
  readonly finished: boolean;
  readonly executions: readonly ExecutionOutcome[];
}

/** How many enforcements of one event are read: one per rule, so far more than any webhook has. */
const MAX_ENFORCEMENTS = 1000;

/** One caller waiting; `signal` wakes it to look at the database again. */
class Waiter {
  readonly eventIds: ReadonlySet<number>;
  executionIds = new Set<number>();
  #signalled = false;
  #wake: (() => void) | undefined;

  constructor(eventIds: readonly EventId[]) {
    this.eventIds = new Set(eventIds);
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
        if ('eventId' in body ? waiter.eventIds.has(body.eventId) : waiter.executionIds.has(body.executionId)) waiter.signal();
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
  async wait(eventIds: readonly EventId[], timeoutMs: number): Promise<EventOutcome> {
    const waiter = new Waiter(eventIds);
    this.#waiters.add(waiter);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    let expired = false;
    void timedOut.then(() => (expired = true));
    try {
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
