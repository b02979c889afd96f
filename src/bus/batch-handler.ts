import type { Handler } from './bus.js';
import type { Delivery, Topic } from './topics.js';

interface Waiting<T extends Topic> {
  readonly delivery: Delivery<T>;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * A consumer's handler that takes the deliveries arriving together — every one handed to it
 * before the event loop turns, at most the consumer's prefetch — as one batch, so a service can
 * store a queue's worth of work in one transaction instead of one each. Each delivery is acked
 * when its batch resolves. A lone delivery, and every delivery of a batch that threw, goes to
 * `handleOne` on its own: a message that always fails fails only itself, with the bus's usual
 * retry and dead-letter, and does not take its batch-mates with it.
 *
 * `handleBatch` must be all or nothing as far as the database goes (one transaction), and
 * `handleOne` idempotent, as every handler is: after a batch that threw, each delivery is handled
 * again.
 */
export function batchingHandler<T extends Topic>(
  handleBatch: (deliveries: readonly Delivery<T>[]) => Promise<void>,
  handleOne: Handler<T>,
): Handler<T> {
  let waiting: Waiting<T>[] = [];
  let isScheduled = false;

  const settleEach = (batch: readonly Waiting<T>[]) => {
    for (const item of batch) handleOne(item.delivery).then(item.resolve, item.reject);
  };

  const flush = () => {
    isScheduled = false;
    const batch = waiting;
    waiting = [];
    if (batch.length === 1) return settleEach(batch);
    handleBatch(batch.map((item) => item.delivery)).then(
      () => {
        for (const item of batch) item.resolve();
      },
      // Which delivery broke the batch is unknown: each is tried alone, as if it had come alone.
      () => settleEach(batch),
    );
  };

  return (delivery) =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ delivery, resolve, reject });
      if (isScheduled) return;
      isScheduled = true;
      setImmediate(flush);
    });
}
