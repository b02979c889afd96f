import { describeEachAdapter, type TestAdapter } from '../../test/support/test-adapters.js';
import type { Bus } from './bus.js';
import { describeBusContract } from './bus.contract.js';
import { InProcessBus } from './in-process-bus.js';

/** Every Bus adapter; each runs the whole contract (see test/support/test-adapters.ts for the filter). */
const BUS_ADAPTERS = [
  // A short retry delay keeps the redelivery test quick; nothing asserts how long it takes.
  { name: 'in-process', needs: [], open: () => Promise.resolve(new InProcessBus({ retryDelayMs: 5 })) },
] as const satisfies readonly TestAdapter<Bus>[];

describeEachAdapter('bus', BUS_ADAPTERS, describeBusContract);
