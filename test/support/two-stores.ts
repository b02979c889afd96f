import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadPostgresDialect, openStore, type Store } from '../../src/store/index.js';
import { TestDatabases } from './postgres.js';
import { openSqliteStore } from './sqlite-store.js';
import type { TestAdapter } from './test-adapters.js';

/**
 * Two processes' views of one database, for tests of what several executors or sensor services
 * race for: two stores on it where the database allows (PostgreSQL, a fresh schema), else one
 * shared (SQLite has one process).
 */
export interface TwoStores {
  readonly a: Store;
  readonly b: Store;
  close(): Promise<void>;
}

/** The adapters of a race test: `poolSize` is each PostgreSQL store's pool. */
export function twoStoreAdapters(label: string, poolSize: number): readonly TestAdapter<TwoStores>[] {
  let dir: string | undefined;
  let databases: TestDatabases | undefined;
  return [
    {
      name: 'sqlite',
      needs: [],
      open: async () => {
        dir ??= mkdtempSync(path.join(tmpdir(), `attune-${label}-`));
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
        const open = async (): Promise<Store> => openStore(await loadPostgresDialect({ ...where, poolSize }));
        const [first, second] = [await open(), await open()];
        return { a: first, b: second, close: async () => void (await Promise.all([first.close(), second.close()])) };
      },
      teardown: () => databases?.dropAll() ?? Promise.resolve(),
    },
  ];
}
