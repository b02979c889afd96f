import { expect, it } from 'vitest';
import type { CurrentStore } from './fixtures.contract.js';

const SEALED = { $secret: 'v1.a.b.c' };

/** The key datastore: one key per (scope, owner, name), values kept as given (sealed by the caller). */
export function keysContract(current: CurrentStore): void {
  it('inserts a key, then replaces its value and flag in place, keeping who created it', async () => {
    const store = current();
    const address = { scope: 'system', owner: '', name: 'db.password' } as const;
    const first = await store.keys.put({ ...address, value: SEALED, secret: true, createdBy: 'ann' });
    expect(first).toMatchObject({ created: true, key: { ...address, secret: true, createdBy: 'ann' } });
    const second = await store.keys.put({ ...address, value: { $secret: 'v1.d.e.f' }, secret: false, createdBy: 'bob' });
    expect(second).toMatchObject({ created: false, key: { id: first.key.id, secret: false, createdBy: 'ann', created: first.key.created } });
    expect(await store.keys.get(address)).toMatchObject({ value: { $secret: 'v1.d.e.f' }, secret: false });
    expect(await store.keys.get({ ...address, name: 'other' })).toBeUndefined();
  });

  it('keeps the same name apart in each scope and owner, and deletes one at a time', async () => {
    const store = current();
    const put = (scope: 'system' | 'pack' | 'user', owner: string, name: string) => store.keys.put({ scope, owner, name, value: `${scope}/${owner}`, secret: true, createdBy: null });
    await put('system', '', 'token');
    await put('pack', 'demo', 'token');
    await put('user', 'ann', 'token');
    expect((await store.keys.get({ scope: 'pack', owner: 'demo', name: 'token' }))?.value).toBe('pack/demo');
    expect(await store.keys.delete({ scope: 'pack', owner: 'demo', name: 'token' })).toBe(true);
    expect(await store.keys.delete({ scope: 'pack', owner: 'demo', name: 'token' })).toBe(false);
    expect((await store.keys.get({ scope: 'system', owner: '', name: 'token' }))?.value).toBe('system/');
    expect((await store.keys.get({ scope: 'user', owner: 'ann', name: 'token' }))?.value).toBe('user/ann');
  });

  it('lists keys without values by scope, owner and visibility, and reads the values of chosen owners', async () => {
    const store = current();
    const put = (scope: 'system' | 'pack' | 'user', owner: string, name: string) => store.keys.put({ scope, owner, name, value: `${owner}:${name}`, secret: false, createdBy: null });
    await put('user', 'bob', 'b');
    await put('system', '', 'z');
    await put('pack', 'demo', 'p');
    await put('user', 'ann', 'a');
    await put('system', '', 'a');
    const names = async (filter: Omit<Parameters<typeof store.keys.list>[0], 'limit' | 'offset'>) =>
      (await store.keys.list({ limit: 10, offset: 0, ...filter })).items.map((k) => `${k.scope}:${k.owner}:${k.name}`);
    expect(await names({})).toEqual(['pack:demo:p', 'system::a', 'system::z', 'user:ann:a', 'user:bob:b']);
    expect(await names({ scope: 'system' })).toEqual(['system::a', 'system::z']);
    expect(await names({ scope: 'user', owner: 'bob' })).toEqual(['user:bob:b']);
    expect(await names({ visibleTo: 'ann' })).toEqual(['pack:demo:p', 'system::a', 'system::z', 'user:ann:a']);
    const page = await store.keys.list({ limit: 2, offset: 1 });
    expect({ count: page.items.length, total: page.total, hasValue: 'value' in (page.items[0] ?? {}) }).toEqual({ count: 2, total: 5, hasValue: false });
    const values = await store.keys.listValues([{ scope: 'system', owner: '' }, { scope: 'pack', owner: 'demo' }]);
    expect(values.map((k) => k.value)).toEqual([':z', 'demo:p', ':a']);
    expect(await store.keys.listValues([])).toEqual([]);
  });
}
