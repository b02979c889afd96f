import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../domain/index.js';
import { openLimitedSqliteStore as openStore, PAGES_OF_TEXT } from '../../../test/support/limited-sqlite-store.js';

const BIG = { blob: PAGES_OF_TEXT };

function storageCode(error: unknown): string | undefined {
  return error instanceof AppError ? `${error.code} ${error.httpStatus}` : String(error);
}

describe('GroupCommitSqliteDriver when storage fails', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'attune-driver-full-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('fails writes on a full database with ERR_STORAGE_FULL, keeps answering reads, and writes again once space returns', async () => {
    const file = path.join(dir, 'db.sqlite');
    const { store, fill, free } = await openStore(file);
    await store.executions.create({ actionRef: 'demo.first', parameters: {} });
    fill();

    const writes = await Promise.allSettled([
      store.executions.create({ actionRef: 'demo.a', parameters: BIG }),
      store.executions.create({ actionRef: 'demo.b', parameters: BIG }),
      store.transaction(async (tx) => tx.executions.create({ actionRef: 'demo.c', parameters: BIG })),
    ]);
    expect(writes.map((w) => (w.status === 'rejected' ? storageCode(w.reason) : 'resolved'))).toEqual([
      'ERR_STORAGE_FULL 507',
      'ERR_STORAGE_FULL 507',
      'ERR_STORAGE_FULL 507',
    ]);
    expect((await store.executions.list({ limit: 10, offset: 0 })).items.map((e) => e.actionRef)).toEqual(['demo.first']);

    free();
    await store.executions.create({ actionRef: 'demo.d', parameters: BIG });
    await store.transaction(async (tx) => {
      await tx.executions.create({ actionRef: 'demo.e', parameters: BIG });
    });
    await store.close();
    const reopened = await openStore(file);
    const refs = (await reopened.store.executions.list({ limit: 10, offset: 0 })).items.map((e) => e.actionRef).sort();
    expect(refs).toEqual(['demo.d', 'demo.e', 'demo.first']);
    await reopened.store.close();
  });

  it('fails every write of a batch SQLite rolled back whole, and leaves no later write outside a transaction', async () => {
    const { store, db } = await openStore(path.join(dir, 'db.sqlite'));
    // RAISE(ROLLBACK) ends the whole transaction, as SQLite may after a full disk or an I/O error.
    db.exec("CREATE TRIGGER boom BEFORE INSERT ON executions WHEN NEW.action_ref = 'demo.boom' BEGIN SELECT RAISE(ROLLBACK, 'boom'); END");
    const beside = store.executions.create({ actionRef: 'demo.beside', parameters: {} });
    const boom = store.executions.create({ actionRef: 'demo.boom', parameters: {} });
    const after = store.executions.create({ actionRef: 'demo.after', parameters: {} });
    const outcomes = await Promise.allSettled([beside, boom, after]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'fulfilled']);

    // A transaction that swallows the failure cannot go on writing outside any transaction.
    const swallowing = store.transaction(async (tx) => {
      await tx.executions.create({ actionRef: 'demo.inside', parameters: {} });
      await tx.executions.create({ actionRef: 'demo.boom', parameters: {} }).catch(() => undefined);
      await tx.executions.create({ actionRef: 'demo.inside2', parameters: {} }).catch(() => undefined);
    });
    await expect(swallowing).rejects.toThrow('boom');
    await store.executions.create({ actionRef: 'demo.last', parameters: {} });
    const refs = (await store.executions.list({ limit: 10, offset: 0 })).items.map((e) => e.actionRef).sort();
    expect(refs).toEqual(['demo.after', 'demo.last']);
    await store.close();
  });
});
