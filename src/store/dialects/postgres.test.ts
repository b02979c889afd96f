import { describe, expect, it } from 'vitest';
import { TestDatabases } from '../../../test/support/postgres.js';
import { describeEachAdapter } from '../../../test/support/test-adapters.js';
import { packId } from '../../domain/index.js';
import { openStore } from '../kysely-store.js';
import type { Store } from '../store.js';
import { postgresDialect } from './postgres.js';

describe('the PostgreSQL store without a server', () => {
  it('fails to open with ERR_STORAGE_UNAVAILABLE (503) when nothing listens', async () => {
    // Port 1 on loopback: refused at once, no server needed.
    const opening = openStore(postgresDialect({ url: 'postgres://attune@127.0.0.1:1/attune', poolSize: 1 }));
    await expect(opening).rejects.toMatchObject({ code: 'ERR_STORAGE_UNAVAILABLE', httpStatus: 503 });
  });
});

let databases: TestDatabases | undefined;
describeEachAdapter(
  'PostgreSQL',
  [
    {
      name: 'postgres',
      needs: ['TEST_PG_URL'],
      open: async (env) => {
        databases ??= new TestDatabases(env.TEST_PG_URL as string);
        return openStore(postgresDialect({ ...(await databases.createSchema()), poolSize: 2 }));
      },
      teardown: () => databases?.dropAll() ?? Promise.resolve(),
    },
  ],
  (_name, open: () => Promise<Store>) => {
    describe('the PostgreSQL store', () => {
      it('refuses text with a NUL character as ERR_VALIDATION (400), which SQLite would store', async () => {
        const store = await open();
        try {
          const pack = await store.packs.upsert({ ref: 'demo', label: 'Demo', description: '', version: '1.0.0', author: '', confSchema: {}, config: {} }, '/p');
          expect(pack.id).toBe(packId(1));
          const upsert = store.packs.upsert({ ref: 'demo', label: 'De\u0000mo', description: '', version: '1.0.0', author: '', confSchema: {}, config: {} }, '/p');
          await expect(upsert).rejects.toMatchObject({ code: 'ERR_VALIDATION', httpStatus: 400 });
          expect((await store.packs.findByRef('demo'))?.label).toBe('Demo');
        } finally {
          await store.close();
        }
      });
    });
  },
);
