import { randomUUID } from 'node:crypto';
import type { Bus, Consumer, Delivery, Topic } from '../bus/index.js';
import { assertNever } from '../domain/index.js';
import type { Notification } from './notification.js';

/**
 * Where the notifier's changes come from. In one process it is the bus (BusFeed); a notifier in
 * distributed mode can be fed by another transport without the notifier or its subscribers
 * changing. `deliver` is called once per change, in the order the feed learns them.
 */
export interface NotificationFeed {
  start(deliver: (notification: Notification) => void): Promise<void>;
  /** Stops delivering; resolves when no call to `deliver` is in flight. */
  stop(): Promise<void>;
}

const FEED_TOPICS = [
  'execution.status.changed',
  'event.created',
  'enforcement.created',
  'rule.created',
  'rule.updated',
  'rule.enabled',
  'rule.disabled',
  'rule.deleted',
  'sensor.status.changed',
  'inquiry.changed',
] as const satisfies readonly Topic[];
type FeedTopic = (typeof FEED_TOPICS)[number];
/** Changes in hand at once. */
const FEED_PREFETCH = 256;

/**
 * Feeds the notifier from the bus topics that already say what changed. Its queue is its own
 * (a random name), so every notifier gets every change; `execution.completed` is left out because
 * `execution.status.changed` already carries the terminal status.
 */
export class BusFeed implements NotificationFeed {
  readonly #bus: Bus;
  readonly #now: () => Date;
  #consumer: Consumer | undefined;

  constructor(options: { readonly bus: Bus; readonly now?: () => Date }) {
    this.#bus = options.bus;
    this.#now = options.now ?? (() => new Date());
  }

  async start(deliver: (notification: Notification) => void): Promise<void> {
    // Private: every API process needs its own copy of every change, whichever service made it,
    // and a queue whose process died must not fill up on the broker for ever (x-expires).
    this.#consumer = await this.#bus.consume(
      `notifier.${randomUUID()}`,
      FEED_TOPICS,
      (delivery) => {
        deliver(toNotification(delivery, this.#now().toISOString()));
        return Promise.resolve();
      },
      // The handler is synchronous, so many in hand at once still reach `deliver` in order; one
      // at a time cost a turn of the event loop per change (~5 % of a burst's CPU).
      { isPrivate: true, prefetch: FEED_PREFETCH },
    );
  }

  async stop(): Promise<void> {
    await this.#consumer?.cancel();
    this.#consumer = undefined;
  }
}

/** A bus message as the stream shows it; the summaries are what the message carries, no more. */
export function toNotification(delivery: Delivery<FeedTopic>, at: string): Notification {
  switch (delivery.topic) {
    case 'execution.status.changed': {
      const { executionId, status, actionRef } = delivery.body;
      return { type: 'execution', id: executionId, change: status, summary: { status, action_ref: actionRef }, at };
    }
    case 'event.created':
      return { type: 'event', id: delivery.body.eventId, change: 'created', summary: { trigger_ref: delivery.body.triggerRef }, at };
    case 'enforcement.created':
      return { type: 'enforcement', id: delivery.body.enforcementId, change: 'created', summary: {}, at };
    case 'rule.created':
    case 'rule.updated':
    case 'rule.enabled':
    case 'rule.disabled':
    case 'rule.deleted': {
      const change = delivery.topic.slice('rule.'.length);
      return { type: 'rule', id: delivery.body.ruleRef, change, summary: { ref: delivery.body.ruleRef }, at };
    }
    case 'sensor.status.changed': {
      const { sensorRef, state } = delivery.body;
      return { type: 'sensor', id: sensorRef, change: state, summary: { ref: sensorRef, state }, at };
    }
    case 'inquiry.changed': {
      const { inquiryId, status, executionId } = delivery.body;
      return { type: 'inquiry', id: inquiryId, change: status, summary: { status, execution_id: executionId }, at };
    }
    default:
      return assertNever(delivery);
  }
}
