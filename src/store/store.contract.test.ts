import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TestDatabases } from '../../test/support/postgres.js';
import { describeEachAdapter, type TestAdapter } from '../../test/support/test-adapters.js';
import { postgresDialect } from './dialects/postgres.js';
import { sqliteDialect } from './dialects/sqlite.js';
import { openStore } from './kysely-store.js';
import type { Store } from './store.js';
import { describeStoreContract } from './store.contract.js';

let sqliteDir: string | undefined;
let sqliteFiles = 0;
let databases: TestDatabases | undefined;

/** Every Store adapter; each runs the whole contract (see test/support/test-adapters.ts for the filter). */
const STORE_ADAPTERS = [
  {
    name: 'sqlite',
    needs: [],
    open: () => {
      sqliteDir ??= mkdtempSync(path.join(tmpdir(), 'attune-store-'));
      return openStore(sqliteDialect(path.join(sqliteDir, `store-${++sqliteFiles}.db`)));
    },
    teardown: () => {
      if (sqliteDir) rmSync(sqliteDir, { recursive: true, force: true });
      return Promise.resolve();
    },
  },
  {
    // A schema per test, in one database per run dropped with the suite: as fresh as a new SQLite file.
    name: 'postgres',
    needs: ['TEST_PG_URL'],
    open: async (env) => {
      databases ??= new TestDatabases(env.TEST_PG_URL as string);
      return openStore(postgresDialect({ ...(await databases.createSchema()), poolSize: 4 }));
    },
    teardown: () => databases?.dropAll() ?? Promise.resolve(),
  },
] as const satisfies readonly TestAdapter<Store>[];

describeEachAdapter('store', STORE_ADAPTERS, describeStoreContract);
