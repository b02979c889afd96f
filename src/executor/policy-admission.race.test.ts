import { pino } from 'pino';
import { expect, it } from 'vitest';
import { describeEachAdapter } from '../../test/support/test-adapters.js';
import { twoStoreAdapters } from '../../test/support/two-stores.js';
import { InProcessBus } from '../bus/index.js';
import type { ExecutionId } from '../domain/index.js';
import { PackCatalog } from '../packs/index.js';
import { PolicyAdmission } from './policy-admission.js';

const ADAPTERS = twoStoreAdapters('policy-race', 4);

const log = pino({ level: 'silent' });

describeEachAdapter('policy admission', ADAPTERS, (_name, open) => {
  it('never admits more than max when several passes race, and admits the oldest next', async () => {
    const views = await open();
    const bus = new InProcessBus({ retryDelayMs: 1 });
    try {
      const { a, b } = views;
      const pack = await a.packs.upsert({ ref: 'demo', label: 'Demo', description: '', version: '1.0.0', author: '', confSchema: {}, config: {} }, '/packs/demo');
      const policy = { packRef: 'demo', label: 'one', description: '', kind: 'concurrency', actionRef: 'demo.a', max: 1, onExceeded: 'enqueue', per: [], windowSeconds: null } as const;
      await a.policies.replaceForPack(pack.id, [{ ref: 'demo.one', ...policy }]);
      const waiting: ExecutionId[] = [];
      for (let i = 0; i < 12; i++) {
        const { id } = await a.executions.create({ actionRef: 'demo.a', parameters: {} });
        await a.executions.transition(id, ['requested'], 'scheduling');
        waiting.push(id);
      }
      const executors = [a, b].map((store) => new PolicyAdmission(store, bus, log, new PackCatalog({ store, bus }), () => Promise.resolve()));
      const race = () => Promise.all(Array.from({ length: 8 }, (_, i) => executors[i % 2]?.admit('demo.a')));
      const scheduled = async () => (await a.policies.executionsOf('demo.a', ['scheduled'], 100)).map((e) => e.id);
      await race();
      expect(await scheduled()).toEqual([waiting[0]]);
      await a.executions.transition(waiting[0] as ExecutionId, ['scheduled'], 'completed', { finished: true });
      await race();
      expect(await scheduled()).toEqual([waiting[1]]);
    } finally {
      await bus.close();
      await views.close();
    }
  });
});
