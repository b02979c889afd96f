import pino from 'pino';
import { TestVhosts } from '../../test/support/rabbitmq.js';
import { describeEachAdapter, type TestAdapter } from '../../test/support/test-adapters.js';
import { AmqpBus } from './amqp-bus.js';
import type { Bus } from './bus.js';
import { describeBusContract } from './bus.contract.js';
import { InProcessBus } from './in-process-bus.js';

let vhosts: TestVhosts | undefined;
let vhostUrl: Promise<string> | undefined;

/** Every Bus adapter; each runs the whole contract (see test/support/test-adapters.ts for the filter). */
const BUS_ADAPTERS = [
  // A short retry delay keeps the redelivery test quick; nothing asserts how long it takes.
  { name: 'in-process', needs: [], open: () => Promise.resolve(new InProcessBus({ retryDelayMs: 5 })) },
  {
    // One vhost per run (rabbitmqctl takes a second or two per call); the contract's queue names are unique per run.
    name: 'amqp',
    needs: ['TEST_AMQP_URL'],
    open: async (env) => {
      vhosts ??= new TestVhosts(env.TEST_AMQP_URL as string);
      vhostUrl ??= vhosts.create().then(({ url }) => url);
      return AmqpBus.open({ url: await vhostUrl, log: pino({ level: 'silent' }), retryDelayMs: 5 });
    },
    teardown: () => vhosts?.dropAll() ?? Promise.resolve(),
  },
] as const satisfies readonly TestAdapter<Bus>[];

describeEachAdapter('bus', BUS_ADAPTERS, describeBusContract);
