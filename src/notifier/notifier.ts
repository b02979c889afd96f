import type { Logger } from 'pino';
import type { Notification, StreamEntityType } from './notification.js';
import type { NotificationFeed } from './notification-feed.js';

/** What one subscriber wants: these entity types, and optionally one entity (with one type). */
export interface StreamFilter {
  readonly types: ReadonlySet<StreamEntityType>;
  /** An entity id or ref, compared as text. */
  readonly id?: string;
}

export type Listener = (notification: Notification) => void;

interface Subscription {
  readonly filter: StreamFilter;
  readonly listener: Listener;
}

/**
 * The live-update fan-out (DESIGN §9): takes every change from its feed and hands it to each
 * subscriber whose filter it passes. Subscribers are called synchronously, in subscription
 * order; a listener that throws is unsubscribed and logged, never stopping the others.
 */
export class Notifier {
  readonly #feed: NotificationFeed;
  readonly #log: Logger;
  readonly #subscriptions = new Set<Subscription>();

  constructor(options: { readonly feed: NotificationFeed; readonly log: Logger }) {
    this.#feed = options.feed;
    this.#log = options.log.child({ svc: 'notifier' });
  }

  start(): Promise<void> {
    return this.#feed.start((notification) => this.publish(notification));
  }

  async stop(): Promise<void> {
    await this.#feed.stop();
    this.#subscriptions.clear();
  }

  get subscriberCount(): number {
    return this.#subscriptions.size;
  }

  /** Calls `listener` for every later change that passes `filter`; returns the unsubscribe function. */
  subscribe(filter: StreamFilter, listener: Listener): () => void {
    const subscription = { filter, listener };
    this.#subscriptions.add(subscription);
    return () => this.#subscriptions.delete(subscription);
  }

  /** Hands one change to the matching subscribers (the feed calls this). */
  publish(notification: Notification): void {
    for (const subscription of [...this.#subscriptions]) {
      if (!matches(subscription.filter, notification)) continue;
      try {
        subscription.listener(notification);
      } catch (err) {
        // One broken subscriber must not starve the others: it is dropped, the rest go on.
        this.#subscriptions.delete(subscription);
        this.#log.warn({ err, type: notification.type }, 'stream subscriber failed and was dropped');
      }
    }
  }
}

function matches(filter: StreamFilter, notification: Notification): boolean {
  return filter.types.has(notification.type) && (filter.id === undefined || filter.id === String(notification.id));
}
