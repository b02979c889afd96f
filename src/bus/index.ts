export type { AmqpBusOptions } from './amqp-bus.js';
export type { Bus, ConsumeOptions, Consumer, DeadLetter, Handler } from './bus.js';
export { batchingHandler } from './batch-handler.js';
export { InProcessBus, type InProcessBusOptions } from './in-process-bus.js';
export { loadAmqpBus } from './load-amqp.js';
export { TOPICS, type Delivery, type Message, type Topic, type TopicMessages } from './topics.js';
