import type { Delivery, Topic, TopicMessages } from './topics.js';

export interface ConsumeOptions {
  /** How many messages of this queue one consumer handles at once. */
  readonly prefetch?: number;
  /**
   * The queue is this consumer's alone: a fan-out, where every process needs its own copy of
   * each message (cache invalidation). Its name must be unique to the consumer. It is removed when
   * the consumer is cancelled; a queue whose process died is removed by the broker after a while
   * unused (RabbitMQ `x-expires`), while a short disconnection loses none of its messages.
   */
  readonly isPrivate?: boolean;
  /**
   * For the routed topics among those consumed (topics.ts ROUTES): the routes this queue takes,
   * e.g. the runtimes a worker offers. Unset, the queue takes every route. Messages of a route no
   * queue is bound to reach no one (the database keeps the row; a re-drive publishes it again).
   */
  readonly routes?: readonly string[];
}

export type Handler<T extends Topic> = (delivery: Delivery<T>) => Promise<void>;

export interface Consumer {
  /** Stops taking new messages and resolves when the ones in hand are settled. */
  cancel(): Promise<void>;
}

/** A message that failed every attempt, kept for an operator to inspect. */
export interface DeadLetter {
  readonly queue: string;
  readonly delivery: Delivery;
  readonly error: unknown;
}

/**
 * The message bus port (DESIGN §2). Delivery is at least once: a message is acked when its
 * handler resolves; when the handler throws it is retried, and after the last attempt it is
 * dead-lettered. Queues are named and shared: consumers of one queue compete for its messages,
 * and each queue receives a copy of every message on the topics it is bound to.
 */
export interface Bus {
  /**
   * Sends at once, in the order of the calls, whether or not the caller waits for one before the
   * next (the RabbitMQ adapter while connected; the in-process bus always): a batch may publish
   * its messages and then wait for all of them. Resolves when the broker has taken the message.
   */
  publish<T extends Topic>(topic: T, body: TopicMessages[T]): Promise<void>;
  consume<T extends Topic>(queue: string, topics: readonly T[], handler: Handler<T>, options?: ConsumeOptions): Promise<Consumer>;
  /** Cancels every consumer, waits for handlers in flight, and releases connections; closing again does nothing. */
  close(): Promise<void>;
}
