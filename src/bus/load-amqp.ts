import type { AmqpBusOptions } from './amqp-bus.js';
import type { Bus } from './bus.js';

/**
 * Connects the RabbitMQ bus, loading amqplib on demand: the embedded start never pays for it.
 * Rejects with ERR_BUS_UNAVAILABLE when the broker cannot be reached within the publish timeout.
 */
export async function loadAmqpBus(options: AmqpBusOptions): Promise<Bus> {
  const { AmqpBus } = await import('./amqp-bus.js');
  return AmqpBus.open(options);
}
