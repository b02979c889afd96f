import type { Bus, ConsumeOptions, Consumer, DeadLetter, Handler } from './bus.js';
import { type Delivery, type Message, type Topic, type TopicMessages, isRouted, routeOf } from './topics.js';

export interface InProcessBusOptions {
  /** Deliveries of one message before it is dead-lettered. */
  readonly maxAttempts?: number;
  /** Delay before the first redelivery; doubles with each attempt. */
  readonly retryDelayMs?: number;
  readonly onDeadLetter?: (deadLetter: DeadLetter) => void;
}

interface QueueConsumer {
  readonly handler: Handler<Topic>;
  readonly prefetch: number;
  inFlight: number;
  cancelled: boolean;
  readonly settled: Set<Promise<void>>;
}

/** A named queue: a FIFO buffer shared by competing consumers. */
class Queue {
  /** Each bound topic, with the routes taken (`all` for every route, as an unrouted topic). */
  readonly bindings = new Map<Topic, Set<string> | 'all'>();
  readonly consumers: QueueConsumer[] = [];
  #buffer: Delivery[] = [];
  #head = 0;
  #scheduled = false;

  constructor(
    readonly name: string,
    private readonly bus: InProcessBus,
  ) {}

  bind(topic: Topic, routes: readonly string[] | undefined): void {
    const bound = this.bindings.get(topic);
    if (bound === 'all') return;
    if (routes === undefined || !isRouted(topic)) this.bindings.set(topic, 'all');
    else this.bindings.set(topic, new Set([...(bound ?? []), ...routes]));
  }

  takes(topic: Topic, route: string | undefined): boolean {
    const bound = this.bindings.get(topic);
    return bound === 'all' || (bound !== undefined && route !== undefined && bound.has(route));
  }

  push(delivery: Delivery): void {
    this.#buffer.push(delivery);
    this.schedule();
  }

  schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    for (const consumer of this.consumers) {
      while (!consumer.cancelled && consumer.inFlight < consumer.prefetch && this.#head < this.#buffer.length) {
        const delivery = this.#buffer[this.#head++] as Delivery;
        this.deliver(consumer, delivery);
      }
    }
    if (this.#head > 1024 && this.#head * 2 > this.#buffer.length) {
      this.#buffer = this.#buffer.slice(this.#head);
      this.#head = 0;
    }
  }

  private deliver(consumer: QueueConsumer, delivery: Delivery): void {
    consumer.inFlight++;
    const settled: Promise<void> = Promise.resolve()
      .then(() => consumer.handler(delivery))
      .catch((error: unknown) => this.bus.retry(this, delivery, error))
      .finally(() => {
        consumer.inFlight--;
        consumer.settled.delete(settled);
        this.schedule();
      });
    consumer.settled.add(settled);
  }
}

/**
 * The embedded bus: queues live in this process's memory. It keeps the port's semantics
 * (competing consumers, prefetch, ack on resolve, retry then dead-letter) so services behave
 * the same as on RabbitMQ. Nothing survives a restart; the supervisor re-drives from the
 * database, which is authoritative.
 */
export class InProcessBus implements Bus {
  readonly #queues = new Map<string, Queue>();
  readonly #maxAttempts: number;
  readonly #retryDelayMs: number;
  readonly #onDeadLetter: (deadLetter: DeadLetter) => void;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly deadLetters: DeadLetter[] = [];
  #closed = false;

  constructor(options: InProcessBusOptions = {}) {
    this.#maxAttempts = options.maxAttempts ?? 5;
    this.#retryDelayMs = options.retryDelayMs ?? 100;
    this.#onDeadLetter = options.onDeadLetter ?? (() => undefined);
  }

  publish<T extends Topic>(topic: T, body: TopicMessages[T]): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('bus is closed'));
    const message = { topic, body } as Message;
    const route = routeOf(topic, body);
    for (const queue of this.#queues.values()) {
      if (queue.takes(topic, route)) queue.push({ ...message, attempt: 1 });
    }
    return Promise.resolve();
  }

  consume<T extends Topic>(queueName: string, topics: readonly T[], handler: Handler<T>, options: ConsumeOptions = {}): Promise<Consumer> {
    let queue = this.#queues.get(queueName);
    if (!queue) {
      queue = new Queue(queueName, this);
      this.#queues.set(queueName, queue);
    }
    for (const topic of topics) queue.bind(topic, options.routes);
    const consumer: QueueConsumer = {
      // The queue only holds messages of the topics it is bound to, so the handler's narrower type holds.
      handler: handler as Handler<Topic>,
      prefetch: Math.max(1, options.prefetch ?? 1),
      inFlight: 0,
      cancelled: false,
      settled: new Set(),
    };
    queue.consumers.push(consumer);
    queue.schedule();
    const owner = queue;
    return Promise.resolve({
      cancel: async () => {
        consumer.cancelled = true;
        owner.consumers.splice(owner.consumers.indexOf(consumer), 1);
        if (options.isPrivate === true && this.#queues.get(queueName) === owner) this.#queues.delete(queueName);
        await Promise.all([...consumer.settled]);
      },
    });
  }

  /** Called by a queue when a handler threw: redeliver later, or dead-letter after the last attempt. */
  retry(queue: Queue, delivery: Delivery, error: unknown): void {
    if (delivery.attempt >= this.#maxAttempts || this.#closed) {
      const deadLetter = { queue: queue.name, delivery, error };
      this.deadLetters.push(deadLetter);
      this.#onDeadLetter(deadLetter);
      return;
    }
    const delay = this.#retryDelayMs * 2 ** (delivery.attempt - 1);
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      queue.push({ ...delivery, attempt: delivery.attempt + 1 });
    }, delay);
    timer.unref();
    this.#timers.add(timer);
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    const settling = [...this.#queues.values()].flatMap((q) => q.consumers.flatMap((c) => [...c.settled]));
    for (const queue of this.#queues.values()) for (const consumer of queue.consumers) consumer.cancelled = true;
    await Promise.all(settling);
  }
}
