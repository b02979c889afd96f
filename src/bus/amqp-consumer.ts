import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { Logger } from 'pino';
import type { Consumer, Handler } from './bus.js';
import { isRouted, type Topic, TOPICS } from './topics.js';

/** Headers every message carries: its topic survives a trip through the retry queue, whose routing key is the queue's. */
export const TOPIC_HEADER = 'x-attune-topic';
export const ATTEMPT_HEADER = 'x-attune-attempt';

/**
 * A private queue (and its retry queue) left by a process that died goes after this long unused.
 * Long enough that a consumer reconnecting after a broker restart or a network cut finds its
 * queue, with what was published meanwhile, still there.
 */
const PRIVATE_QUEUE_EXPIRES_MS = 15 * 60_000;

export interface ConsumerSpec {
  readonly queue: string;
  readonly topics: readonly Topic[];
  readonly handler: Handler<Topic>;
  readonly prefetch: number;
  readonly isPrivate: boolean;
  readonly routes: readonly string[] | undefined;
}

/** What a consumer needs from its bus: where to route failures. */
export interface ConsumerHost {
  readonly exchange: string;
  readonly log: Logger;
  /** Sends a failed message to its retry queue or, after the last attempt, to the dead-letter queue; resolves once confirmed. */
  settleFailure(spec: ConsumerSpec, message: ConsumeMessage, error: unknown): Promise<void>;
  /** A channel of this consumer closed while the connection lives: reconnect everything. */
  onChannelLost(error: unknown): void;
  forget(consumer: AmqpConsumer): void;
}

/** The routing key of a message: its topic, followed by its route for a routed topic (`execution.dispatch.shell`). */
export function routingKeyOf(topic: Topic, route: string | undefined): string {
  return route === undefined ? topic : `${topic}.${route}`;
}

/** The binding keys of a consumer: a routed topic binds each route it takes, or every route (`#`). */
export function bindingKeysOf(topics: readonly Topic[], routes: readonly string[] | undefined): readonly string[] {
  return topics.flatMap((topic) => {
    if (!isRouted(topic)) return [topic];
    return routes === undefined ? [`${topic}.#`] : routes.map((route) => routingKeyOf(topic, route));
  });
}

export function retryQueueOf(queue: string): string {
  return `${queue}.retry`;
}

/**
 * One consumer of a named queue, on a channel of its own (prefetch is per channel). It outlives
 * connections: the bus attaches it to each new one, declaring its queues again.
 */
export class AmqpConsumer implements Consumer {
  readonly #spec: ConsumerSpec;
  readonly #host: ConsumerHost;
  readonly #settled = new Set<Promise<void>>();
  #channel: Channel | undefined;
  #tag: string | undefined;
  #cancelled = false;

  constructor(spec: ConsumerSpec, host: ConsumerHost) {
    this.#spec = spec;
    this.#host = host;
  }

  async attach(model: ChannelModel): Promise<void> {
    if (this.#cancelled) return;
    const { queue, topics, prefetch, isPrivate, routes } = this.#spec;
    const channel = await model.createChannel();
    channel.on('error', (error: unknown) => this.#host.log.warn({ err: error, queue }, 'bus consumer channel failed'));
    channel.on('close', () => {
      if (this.#channel !== channel) return;
      this.#channel = undefined;
      if (!this.#cancelled) this.#host.onChannelLost(new Error(`the channel of queue ${queue} closed`));
    });
    const expires = isPrivate ? { 'x-expires': PRIVATE_QUEUE_EXPIRES_MS } : {};
    await channel.assertQueue(queue, { durable: true, arguments: expires });
    // A failed message waits here for its delay (per-message TTL), then expires back into the queue.
    await channel.assertQueue(retryQueueOf(queue), {
      durable: true,
      arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': queue, ...expires },
    });
    for (const key of bindingKeysOf(topics, routes)) await channel.bindQueue(queue, this.#host.exchange, key);
    await channel.prefetch(prefetch);
    this.#channel = channel;
    const { consumerTag } = await channel.consume(queue, (message) => this.#receive(channel, message), { noAck: false });
    this.#tag = consumerTag;
  }

  /** The connection is gone: messages in hand will be redelivered, their acks cannot be sent. */
  detach(): void {
    this.#channel = undefined;
    this.#tag = undefined;
  }

  async cancel(): Promise<void> {
    if (this.#cancelled) return;
    this.#cancelled = true;
    const channel = this.#channel;
    try {
      if (channel && this.#tag !== undefined) await channel.cancel(this.#tag);
      await Promise.all([...this.#settled]);
      if (channel && this.#spec.isPrivate) {
        await channel.deleteQueue(this.#spec.queue);
        await channel.deleteQueue(retryQueueOf(this.#spec.queue));
      }
    } catch (error) {
      // The connection dropped meanwhile: the broker cancelled the consumer with it, and a
      // private queue left behind expires (x-expires).
      this.#host.log.debug({ err: error, queue: this.#spec.queue }, 'bus consumer cancelled without its connection');
      await Promise.all([...this.#settled]);
    }
    this.#channel = undefined;
    this.#host.forget(this);
    await channel?.close().catch(() => undefined); // already closed with its connection: nothing to release
  }

  #receive(channel: Channel, message: ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled this consumer (its queue was deleted): take it up again.
      if (!this.#cancelled) this.#host.onChannelLost(new Error(`the broker cancelled the consumer of ${this.#spec.queue}`));
      return;
    }
    const settled: Promise<void> = this.#handle(channel, message).finally(() => this.#settled.delete(settled));
    this.#settled.add(settled);
  }

  async #handle(channel: Channel, message: ConsumeMessage): Promise<void> {
    try {
      await this.#spec.handler(decode(message));
    } catch (error) {
      try {
        await this.#host.settleFailure(this.#spec, message, error);
      } catch (failure) {
        // Neither retried nor dead-lettered (the connection is down): leave it unacked, so the
        // broker delivers it again once this channel is gone. Nothing is dropped.
        this.#host.log.warn({ err: failure, queue: this.#spec.queue }, 'bus message left for redelivery');
        return;
      }
    }
    if (this.#channel !== channel) return; // its channel is gone: the broker redelivers it (at least once)
    try {
      channel.ack(message);
    } catch {
      // The channel closed between the check and the ack: the message comes again, as above.
    }
  }
}

/** A delivery from a message's body and headers; a message Attune did not write fails its handler's first attempt. */
function decode(message: ConsumeMessage): Parameters<Handler<Topic>>[0] {
  const headers = message.properties.headers ?? {};
  const topic = headers[TOPIC_HEADER] as unknown;
  if (typeof topic !== 'string' || !(TOPICS as readonly string[]).includes(topic)) throw new Error(`message without a known ${TOPIC_HEADER}`);
  const attempt = Number(headers[ATTEMPT_HEADER] ?? 1);
  const body = JSON.parse(message.content.toString('utf8')) as never;
  return { topic: topic as Topic, body, attempt: Number.isInteger(attempt) && attempt > 0 ? attempt : 1 } as Parameters<Handler<Topic>>[0];
}
