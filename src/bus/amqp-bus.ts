import amqp, { type ChannelModel, type ConfirmChannel, type ConsumeMessage, type Options } from 'amqplib';
import type { Logger } from 'pino';
import { AppError, redactUrl } from '../domain/index.js';
import { AmqpConsumer, ATTEMPT_HEADER, type ConsumerHost, type ConsumerSpec, retryQueueOf, routingKeyOf, TOPIC_HEADER } from './amqp-consumer.js';
import type { Bus, ConsumeOptions, Consumer, DeadLetter, Handler } from './bus.js';
import { routeOf, type Topic, type TopicMessages } from './topics.js';

export interface AmqpBusOptions {
  /** amqp://user:password@host:port/vhost (or amqps://). */
  readonly url: string;
  readonly log: Logger;
  /** Deliveries of one message before it is dead-lettered (as InProcessBus). */
  readonly maxAttempts?: number;
  /** Delay before the first redelivery; doubles with each attempt. */
  readonly retryDelayMs?: number;
  /** Prefetch of a consumer that names none. */
  readonly defaultPrefetch?: number;
  /** How long a publish (and the first connection) waits for the broker before ERR_BUS_UNAVAILABLE. */
  readonly publishTimeoutMs?: number;
  /** First reconnection delay; doubles per failed attempt up to `reconnectMaxMs`. */
  readonly reconnectBaseMs?: number;
  readonly reconnectMaxMs?: number;
  readonly onDeadLetter?: (deadLetter: DeadLetter) => void;
}

/** The durable topic exchange every message goes through, routed by its topic (DESIGN §2). */
export const EXCHANGE = 'attune';
/** Where messages that failed every attempt are kept, for an operator, with the queue they failed on. */
export const DEAD_LETTER_QUEUE = 'attune.dead';
const QUEUE_HEADER = 'x-attune-queue';
const ERROR_HEADER = 'x-attune-error';

/** Resolves waiters once the connection is (back) up. */
class Gate {
  #open = false;
  #waiters = new Set<() => void>();

  get isOpen(): boolean {
    return this.#open;
  }

  open(): void {
    this.#open = true;
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
  }

  shut(): void {
    this.#open = false;
  }

  /** Wakes everyone waiting (the bus closes); they look at the state again. */
  wakeAll(): void {
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
  }

  /** True once open, false after `ms` without. */
  wait(ms: number): Promise<boolean> {
    if (this.#open) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve(this.#open);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(wake);
        resolve(false);
      }, Math.max(0, ms));
      this.#waiters.add(wake);
    });
  }
}

/**
 * The bus on RabbitMQ (DESIGN §2), with the port's semantics: every topic is a routing key of the
 * durable topic exchange `attune`; a named queue is durable and shared by its consumers; a
 * publish resolves once the broker confirmed it (persistent, so it survives a broker restart);
 * a message is acked when its handler resolves; when the handler throws it waits in the queue's
 * retry queue (per-message TTL, doubling) and comes back, and after the last attempt it goes to
 * `attune.dead`. When the connection drops, the bus reconnects with backoff and takes up every
 * consumer again; publishes meanwhile wait up to `publishTimeoutMs`, then fail with
 * ERR_BUS_UNAVAILABLE — a message is never dropped silently. Messages in hand when the
 * connection dropped are delivered again (at least once: handlers are idempotent).
 */
export class AmqpBus implements Bus, ConsumerHost {
  readonly exchange = EXCHANGE;
  readonly log: Logger;
  readonly #url: string;
  readonly #maxAttempts: number;
  readonly #retryDelayMs: number;
  readonly #defaultPrefetch: number;
  readonly #publishTimeoutMs: number;
  readonly #reconnectBaseMs: number;
  readonly #reconnectMaxMs: number;
  readonly #onDeadLetter: (deadLetter: DeadLetter) => void;
  readonly #consumers = new Set<AmqpConsumer>();
  readonly #ready = new Gate();
  #live: { readonly model: ChannelModel; readonly publisher: ConfirmChannel } | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #closed = false;

  private constructor(options: AmqpBusOptions) {
    this.#url = options.url;
    this.log = options.log.child({ svc: 'bus', broker: redactUrl(options.url) });
    this.#maxAttempts = options.maxAttempts ?? 5;
    this.#retryDelayMs = options.retryDelayMs ?? 100;
    this.#defaultPrefetch = options.defaultPrefetch ?? 1;
    this.#publishTimeoutMs = options.publishTimeoutMs ?? 30_000;
    this.#reconnectBaseMs = options.reconnectBaseMs ?? 100;
    this.#reconnectMaxMs = options.reconnectMaxMs ?? 30_000;
    this.#onDeadLetter = options.onDeadLetter ?? (() => undefined);
  }

  /** Connects, retrying with backoff for up to `publishTimeoutMs`; ERR_BUS_UNAVAILABLE if the broker stays away. */
  static async open(options: AmqpBusOptions): Promise<AmqpBus> {
    const bus = new AmqpBus(options);
    const deadline = Date.now() + bus.#publishTimeoutMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await bus.#connect();
        return bus;
      } catch (error) {
        const delay = bus.#backoff(attempt);
        if (Date.now() + delay > deadline) {
          throw new AppError('ERR_BUS_UNAVAILABLE', `the message broker ${redactUrl(options.url)} cannot be reached: ${(error as Error).message}`, { cause: error });
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  async publish<T extends Topic>(topic: T, body: TopicMessages[T]): Promise<void> {
    const content = Buffer.from(JSON.stringify(body));
    await this.#send(EXCHANGE, routingKeyOf(topic, routeOf(topic, body)), content, { headers: { [TOPIC_HEADER]: topic, [ATTEMPT_HEADER]: 1 } });
  }

  async consume<T extends Topic>(queue: string, topics: readonly T[], handler: Handler<T>, options: ConsumeOptions = {}): Promise<Consumer> {
    if (this.#closed) throw new Error('bus is closed');
    const spec: ConsumerSpec = {
      queue,
      topics,
      // The queue only holds messages of the topics it is bound to, so the handler's narrower type holds.
      handler: handler as Handler<Topic>,
      prefetch: Math.max(1, options.prefetch ?? this.#defaultPrefetch),
      isPrivate: options.isPrivate === true,
      routes: options.routes,
    };
    const consumer = new AmqpConsumer(spec, this);
    this.#consumers.add(consumer);
    const live = this.#live;
    // While disconnected, the reconnection attaches it with the others.
    if (live) {
      try {
        await consumer.attach(live.model);
      } catch (error) {
        this.#consumers.delete(consumer); // the caller learns it failed: no reconnection may revive it
        throw error;
      }
    }
    return consumer;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    this.#ready.wakeAll();
    await Promise.all([...this.#consumers].map((consumer) => consumer.cancel()));
    const live = this.#live;
    this.#live = undefined;
    this.#ready.shut();
    await live?.model.close().catch(() => undefined); // the broker closed it first: nothing left to release
  }

  /** ConsumerHost: retry after a doubling delay, or dead-letter after the last attempt. */
  async settleFailure(spec: ConsumerSpec, message: ConsumeMessage, error: unknown): Promise<void> {
    const headers = message.properties.headers ?? {};
    const attempt = Number(headers[ATTEMPT_HEADER] ?? 1);
    if (attempt >= this.#maxAttempts) {
      await this.#send('', DEAD_LETTER_QUEUE, message.content, {
        headers: { ...headers, [QUEUE_HEADER]: spec.queue, [ERROR_HEADER]: String((error as Error)?.message ?? error).slice(0, 1000) },
      });
      const topic = headers[TOPIC_HEADER] as Topic;
      const body = safeParse(message.content);
      this.#onDeadLetter({ queue: spec.queue, delivery: { topic, body, attempt } as DeadLetter['delivery'], error });
      return;
    }
    const delay = this.#retryDelayMs * 2 ** (attempt - 1);
    await this.#send('', retryQueueOf(spec.queue), message.content, {
      expiration: String(delay),
      headers: { ...headers, [ATTEMPT_HEADER]: attempt + 1 },
    });
  }

  /** ConsumerHost: a consumer's channel failed alone; reconnecting re-establishes every consumer. */
  onChannelLost(error: unknown): void {
    const live = this.#live;
    if (!live || this.#closed) return;
    this.log.warn({ err: error }, 'bus channel lost: reconnecting');
    live.model.close().catch(() => undefined); // closing already: its 'close' event reconnects
  }

  forget(consumer: AmqpConsumer): void {
    this.#consumers.delete(consumer);
  }

  /** Publishes through the confirm channel and resolves once confirmed, retrying across reconnections until the deadline. */
  async #send(exchange: string, routingKey: string, content: Buffer, options: Options.Publish): Promise<void> {
    const deadline = Date.now() + this.#publishTimeoutMs;
    let lastError: unknown;
    for (let attempt = 1; ; attempt++) {
      if (this.#closed) throw new Error('bus is closed');
      const live = this.#live ?? ((await this.#ready.wait(deadline - Date.now())) ? this.#live : undefined);
      if (this.#closed) throw new Error('bus is closed');
      if (live) {
        try {
          await confirmPublish(live.publisher, exchange, routingKey, content, { ...options, persistent: true, contentType: 'application/json' });
          return;
        } catch (error) {
          // Unconfirmed (the channel closed, or the broker refused it): send it again; a
          // duplicate is harmless (handlers are idempotent), a loss is not.
          lastError = error;
          await new Promise((resolve) => setTimeout(resolve, Math.min(this.#backoff(attempt), Math.max(0, deadline - Date.now()))));
        }
      }
      if (Date.now() >= deadline) {
        const why = lastError instanceof Error ? `: ${lastError.message}` : '';
        throw new AppError('ERR_BUS_UNAVAILABLE', `the message broker did not take the message within ${this.#publishTimeoutMs} ms${why}`, { cause: lastError });
      }
    }
  }

  async #connect(): Promise<void> {
    // No Nagle: messages published back to back (a batch's) would otherwise wait for the broker's
    // delayed ACK, ~40 ms, before the second leaves.
    const model = await amqp.connect(this.#url, { noDelay: true });
    try {
      model.on('error', (error: unknown) => this.log.debug({ err: error }, 'bus connection error'));
      const publisher = await model.createConfirmChannel();
      publisher.on('error', (error: unknown) => this.log.warn({ err: error }, 'bus publish channel failed'));
      publisher.on('close', () => this.onChannelLost(new Error('the publish channel closed')));
      await publisher.assertExchange(EXCHANGE, 'topic', { durable: true });
      await publisher.assertQueue(DEAD_LETTER_QUEUE, { durable: true });
      for (const consumer of this.#consumers) await consumer.attach(model);
      if (this.#closed) throw new Error('bus is closed');
      this.#live = { model, publisher };
      model.on('close', (error?: unknown) => this.#onClose(model, error));
      this.#ready.open();
    } catch (error) {
      for (const consumer of this.#consumers) consumer.detach();
      await model.close().catch(() => undefined); // it may be the very thing that failed
      throw error;
    }
  }

  #onClose(model: ChannelModel, error: unknown): void {
    if (this.#live?.model !== model) return;
    this.#live = undefined;
    this.#ready.shut();
    for (const consumer of this.#consumers) consumer.detach();
    if (this.#closed) return;
    this.log.warn({ err: error }, 'bus connection lost: reconnecting');
    this.#scheduleReconnect(1, Date.now());
  }

  #scheduleReconnect(attempt: number, since: number): void {
    const delay = this.#backoff(attempt);
    this.#reconnectTimer = setTimeout(() => {
      this.#connect().then(
        () => this.log.info({ attempts: attempt, downMs: Date.now() - since }, 'bus connection regained'),
        (error: unknown) => {
          if (this.#closed) return;
          this.log.warn({ err: error, attempt, nextDelayMs: this.#backoff(attempt + 1) }, 'bus reconnection failed');
          this.#scheduleReconnect(attempt + 1, since);
        },
      );
    }, delay);
  }

  #backoff(attempt: number): number {
    return Math.min(this.#reconnectMaxMs, this.#reconnectBaseMs * 2 ** (attempt - 1));
  }
}

function confirmPublish(channel: ConfirmChannel, exchange: string, routingKey: string, content: Buffer, options: Options.Publish): Promise<void> {
  return new Promise((resolve, reject) => {
    try {
      channel.publish(exchange, routingKey, content, options, (error: unknown) => (error ? reject(error instanceof Error ? error : new Error('the broker refused the message')) : resolve()));
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error))); // the channel closed under us
    }
  });
}

function safeParse(content: Buffer): unknown {
  try {
    return JSON.parse(content.toString('utf8'));
  } catch {
    return content.toString('utf8');
  }
}
