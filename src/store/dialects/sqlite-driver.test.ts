import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packId } from '../../domain/index.js';
import { openStore } from '../kysely-store.js';
import { sqliteDialect } from './sqlite.js';

const META = { ref: 'demo', label: 'Demo', description: '', version: '1.0.0', author: '', confSchema: {}, config: {} };

describe('GroupCommitSqliteDriver', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'attune-driver-'));
    file = path.join(dir, 'db.sqlite');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every write that resolved, across a reopen', async () => {
    const store = await openStore(sqliteDialect(file));
    const created = await Promise.all(Array.from({ length: 50 }, (_, i) => store.executions.create({ actionRef: 'demo.a', parameters: { i } })));
    await store.close();
    const reopened = await openStore(sqliteDialect(file));
    const { total } = await reopened.executions.list({ limit: 1, offset: 0 });
    expect(total).toBe(created.length);
    await reopened.close();
  });

  it('rolls back a failed transaction without undoing writes batched beside it', async () => {
    const store = await openStore(sqliteDialect(file));
    const beside = store.executions.create({ actionRef: 'demo.beside', parameters: {} });
    const failing = store.transaction(async (tx) => {
      await tx.packs.upsert(META, '/p');
      await tx.executions.create({ actionRef: 'demo.inside', parameters: {} });
      throw new Error('boom');
    });
    const after = store.executions.create({ actionRef: 'demo.after', parameters: {} });
    await expect(failing).rejects.toThrow('boom');
    await Promise.all([beside, after]);
    const refs = (await store.executions.list({ limit: 10, offset: 0 })).items.map((e) => e.actionRef).sort();
    expect(refs).toEqual(['demo.after', 'demo.beside']);
    expect(await store.packs.findByRef('demo')).toBeUndefined();
    await store.close();
  });

  it('fails only the write that broke a constraint; the rest of its batch commits', async () => {
    const store = await openStore(sqliteDialect(file));
    await store.packs.upsert(META, '/p');
    const ok = store.executions.create({ actionRef: 'demo.ok', parameters: {} });
    // pack_id 999 does not exist: the foreign key rejects this insert.
    const bad = store.triggers.replaceForPack(packId(999), [
      { ref: 'demo.t', packRef: 'demo', label: 't', description: '', type: 'x', parameters: {}, output: {} },
    ]);
    await expect(bad).rejects.toThrow(/FOREIGN KEY/);
    await ok;
    expect((await store.executions.list({ limit: 10, offset: 0 })).total).toBe(1);
    await store.close();
  });
});
