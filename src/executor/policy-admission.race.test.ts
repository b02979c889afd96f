import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { expect, it } from 'vitest';
import { TestDatabases } from '../../test/support/postgres.js';
import { openSqliteStore } from '../../test/support/sqlite-store.js';
import { describeEachAdapter, type TestAdapter } from '../../test/support/test-adapters.js';
import { InProcessBus } from '../bus/index.js';
import type { ExecutionId } from '../domain/index.js';
import { PackCatalog } from '../packs/index.js';
import { openStore, loadPostgresDialect, type Store } from '../store/index.js';
import { PolicyAdmission } from './policy-admission.js';

/** Two executors' views of one database: two stores where the database allows, else one shared. */
interface TwoViews {
  readonly a: Store;
  readonly b: Store;
  close(): Promise<void>;
}

let dir: string | undefined;
let databases: TestDatabases | undefined;

const ADAPTERS = [
  {
    name: 'sqlite',
    needs: [],
    open: async () => {
      dir ??= mkdtempSync(path.join(tmpdir(), 'attune-policy-race-'));
      const store = await openSqliteStore(path.join(dir, `${Math.random().toString(36).slice(2)}.db`));
      return { a: store, b: store, close: () => store.close() };
    },
    teardown: () => {
      if (dir) rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  },
  {
    name: 'postgres',
    needs: ['TEST_PG_URL'],
    open: async (env) => {
      databases ??= new TestDatabases(env.TEST_PG_URL as string);
      const where = await databases.createSchema();
      const open = async (): Promise<Store> => openStore(await loadPostgresDialect({ ...where, poolSize: 4 }));
      const [first, second] = [await open(), await open()];
      return { a: first, b: second, close: async () => void (await Promise.all([first.close(), second.close()])) };
    },
    teardown: () => databases?.dropAll() ?? Promise.resolve(),
  },
] as const satisfies readonly TestAdapter<TwoViews>[];

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
