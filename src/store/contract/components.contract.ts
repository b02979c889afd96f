import { expect, it } from 'vitest';
import { type CurrentStore, META, action, packMeta, refs, rule, sensor, setClock, trigger } from './fixtures.contract.js';

/** Packs and their components: actions, triggers, sensors, rules. */
export function componentsContract(current: CurrentStore): void {
  it('re-registers a pack in place: changed components keep their ids, removed ones go', async () => {
    const store = current();
    const pack = await store.packs.upsert(META, '/p');
    await store.actions.replaceForPack(pack.id, [action('demo.a'), action('demo.b')]);
    const before = await store.actions.findByRef('demo.a');
    const again = await store.packs.upsert({ ...META, version: '1.1.0' }, '/p2');
    expect(again).toMatchObject({ id: pack.id, version: '1.1.0', path: '/p2' });
    await store.actions.replaceForPack(pack.id, [action('demo.a', 'changed')]);
    const after = await store.actions.findByRef('demo.a');
    expect(after?.id).toBe(before?.id);
    expect(after?.description).toBe('changed');
    expect(await store.actions.findByRef('demo.b')).toBeUndefined();
  });

  it('leaves an unchanged component untouched on re-registration, its updated time included', async () => {
    const store = current();
    setClock('2030-01-01T00:00:00.000Z');
    const pack = await store.packs.upsert(META, '/p');
    await store.actions.replaceForPack(pack.id, [action('demo.a'), action('demo.b')]);
    setClock('2030-01-02T00:00:00.000Z');
    await store.actions.replaceForPack(pack.id, [action('demo.a'), action('demo.b', 'changed')]);
    expect((await store.actions.findByRef('demo.a'))?.updated).toBe('2030-01-01T00:00:00.000Z');
    expect(await store.actions.findByRef('demo.b')).toMatchObject({ created: '2030-01-01T00:00:00.000Z', updated: '2030-01-02T00:00:00.000Z' });
  });

  it('keeps the API access and permission set of actions and rules', async () => {
    const store = current();
    const pack = await store.packs.upsert(META, '/p');
    await store.actions.replaceForPack(pack.id, [{ ...action('demo.a'), apiAccess: true, permissionSet: 'viewer' }, action('demo.b')]);
    expect(await store.actions.findByRef('demo.a')).toMatchObject({ apiAccess: true, permissionSet: 'viewer' });
    expect(await store.actions.findByRef('demo.b')).toMatchObject({ apiAccess: false, permissionSet: null });
    await store.rules.replaceForPack(pack.id, [rule('demo.r', { permissionSet: 'executor' })]);
    expect(await store.rules.findByRef('demo.r')).toMatchObject({ permissionSet: 'executor' });
  });

  it('lists packs by ref in pages, and deletes a pack with its components', async () => {
    const store = current();
    const demo = await store.packs.upsert(META, '/demo');
    await store.packs.upsert(packMeta('alpha'), '/alpha');
    await store.actions.replaceForPack(demo.id, [action('demo.a')]);
    expect(await store.packs.findByRef('demo')).toMatchObject({ id: demo.id, ref: 'demo', path: '/demo', confSchema: {}, config: {} });
    const first = await store.packs.list({ limit: 1, offset: 0 });
    expect({ refs: refs(first.items), total: first.total }).toEqual({ refs: ['alpha'], total: 2 });
    expect(refs((await store.packs.list({ limit: 1, offset: 1 })).items)).toEqual(['demo']);
    expect(refs(await store.packs.listAll())).toEqual(['alpha', 'demo']);
    expect(await store.packs.deleteByRef('demo')).toBe(true);
    expect(await store.packs.deleteByRef('demo')).toBe(false);
    expect(await store.packs.findByRef('demo')).toBeUndefined();
    expect(await store.actions.findByRef('demo.a')).toBeUndefined();
  });

  it('lists actions by ref, of one pack or of all, and every action ref with its pack', async () => {
    const store = current();
    const demo = await store.packs.upsert(META, '/demo');
    const other = await store.packs.upsert(packMeta('other'), '/other');
    await store.actions.replaceForPack(demo.id, [action('demo.b'), action('demo.a')]);
    await store.actions.replaceForPack(other.id, [action('other.x', '', 'other')]);
    expect(await store.actions.findByRef('demo.a')).toMatchObject(action('demo.a'));
    const all = await store.actions.list({ limit: 2, offset: 0 });
    expect({ refs: refs(all.items), total: all.total }).toEqual({ refs: ['demo.a', 'demo.b'], total: 3 });
    const ofOther = await store.actions.list({ limit: 10, offset: 0, packRef: 'other' });
    expect({ refs: refs(ofOther.items), total: ofOther.total }).toEqual({ refs: ['other.x'], total: 1 });
    const listed = [...(await store.actions.listRefs())].sort((a, b) => a.ref.localeCompare(b.ref));
    expect(listed).toEqual([
      { ref: 'demo.a', packRef: 'demo' },
      { ref: 'demo.b', packRef: 'demo' },
      { ref: 'other.x', packRef: 'other' },
    ]);
  });

  it('stores a pack’s triggers and sensors as given and replaces them on reload', async () => {
    const store = current();
    const pack = await store.packs.upsert(META, '/p');
    await store.triggers.replaceForPack(pack.id, [trigger('demo.t2', { type: 'custom' }), trigger('demo.t1')]);
    await store.triggers.replaceSensorsForPack(pack.id, [sensor('demo.s', { liveUpdates: true, triggerTypes: ['demo.t1', 'demo.t2'] })]);
    expect(await store.triggers.findByRef('demo.t2')).toMatchObject(trigger('demo.t2', { type: 'custom' }));
    const page = await store.triggers.list({ limit: 1, offset: 0, packRef: 'demo' });
    expect({ refs: refs(page.items), total: page.total }).toEqual({ refs: ['demo.t1'], total: 2 });
    expect(refs(await store.triggers.listAll())).toEqual(['demo.t1', 'demo.t2']);
    expect(await store.triggers.findSensorByRef('demo.s')).toMatchObject(sensor('demo.s', { liveUpdates: true, triggerTypes: ['demo.t1', 'demo.t2'] }));
    await store.triggers.replaceForPack(pack.id, [trigger('demo.t1')]);
    await store.triggers.replaceSensorsForPack(pack.id, [sensor('demo.s2', { enabled: false })]);
    expect(refs(await store.triggers.listAll())).toEqual(['demo.t1']);
    const sensors = await store.triggers.listSensors();
    expect(sensors).toEqual([expect.objectContaining({ ref: 'demo.s2', enabled: false, liveUpdates: false })]);
    expect(await store.triggers.findSensorByRef('demo.s')).toBeUndefined();
  });

  it('keeps API-made rules and the operator’s enabled choice across a pack reload', async () => {
    const store = current();
    const pack = await store.packs.upsert(META, '/p');
    await store.rules.replaceForPack(pack.id, [rule('demo.file')]);
    await store.rules.create(rule('demo.mine', { origin: 'api' }), pack.id);
    await store.rules.setEnabled('demo.file', false);
    await store.rules.replaceForPack(pack.id, [rule('demo.file', { description: 'new' })]);
    const file = await store.rules.findByRef('demo.file');
    expect(file).toMatchObject({ enabled: false, description: 'new' });
    expect(await store.rules.findByRef('demo.mine')).toBeDefined();
    expect(await store.rules.create(rule('demo.mine', { origin: 'api' }), pack.id)).toBeUndefined();
  });

  it('filters rules, and lists the enabled ones of some triggers oldest first', async () => {
    const store = current();
    const demo = await store.packs.upsert(META, '/p');
    const other = await store.packs.upsert(packMeta('other'), '/o');
    await store.rules.create(rule('demo.z', { triggerRef: 'core.intervaltimer' }), demo.id);
    await store.rules.create(rule('demo.a', { actionRef: 'demo.b' }), demo.id);
    await store.rules.create(rule('demo.off', { enabled: false }), demo.id);
    await store.rules.create(rule('other.r', { packRef: 'other', origin: 'api' }), other.id);
    const page = await store.rules.list({ limit: 2, offset: 0 });
    expect({ refs: refs(page.items), total: page.total }).toEqual({ refs: ['demo.a', 'demo.off'], total: 4 });
    expect(refs((await store.rules.list({ limit: 10, offset: 0, packRef: 'other' })).items)).toEqual(['other.r']);
    expect(refs((await store.rules.list({ limit: 10, offset: 0, triggerRef: 'core.intervaltimer' })).items)).toEqual(['demo.z']);
    expect(refs((await store.rules.list({ limit: 10, offset: 0, actionRef: 'demo.b' })).items)).toEqual(['demo.a']);
    expect(refs((await store.rules.list({ limit: 10, offset: 0, enabled: false })).items)).toEqual(['demo.off']);
    expect(refs((await store.rules.list({ limit: 10, offset: 0, packRef: 'demo', enabled: true })).items)).toEqual(['demo.a', 'demo.z']);
    expect(refs(await store.rules.listEnabled())).toEqual(['demo.z', 'demo.a', 'other.r']);
    expect(refs(await store.rules.listEnabled(['core.webhook']))).toEqual(['demo.a', 'other.r']);
    expect(await store.rules.listEnabled([])).toEqual([]);
  });

  it('updates, enables and deletes a rule by ref, and says when there is none', async () => {
    const store = current();
    const pack = await store.packs.upsert(META, '/p');
    const created = await store.rules.create(rule('demo.r'), pack.id);
    const changed = rule('demo.r', { conditions: ['event.payload.ok'], actionParams: { n: 1 }, triggerParams: { path: '/x' } });
    const updated = await store.rules.update('demo.r', changed);
    expect(updated).toMatchObject({ ...changed, id: created?.id });
    expect(await store.rules.findByRef('demo.r')).toEqual(updated);
    expect(await store.rules.setEnabled('demo.r', false)).toMatchObject({ ref: 'demo.r', enabled: false });
    expect(await store.rules.update('demo.none', changed)).toBeUndefined();
    expect(await store.rules.setEnabled('demo.none', true)).toBeUndefined();
    expect(await store.rules.deleteByRef('demo.r')).toBe(true);
    expect(await store.rules.deleteByRef('demo.r')).toBe(false);
    expect(await store.rules.findByRef('demo.r')).toBeUndefined();
  });

  it('commits a transaction’s writes together and rolls them back whole when it throws', async () => {
    const store = current();
    const result = await store.transaction(async (tx) => {
      const pack = await tx.packs.upsert(META, '/p');
      await tx.actions.replaceForPack(pack.id, [action('demo.a')]);
      return pack.id;
    });
    expect(await store.actions.findByRef('demo.a')).toBeDefined();
    await expect(
      store.transaction(async (tx) => {
        await tx.packs.upsert(packMeta('other'), '/o');
        await tx.actions.replaceForPack(result, [action('demo.b')]);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.packs.findByRef('other')).toBeUndefined();
    expect(refs((await store.actions.list({ limit: 10, offset: 0 })).items)).toEqual(['demo.a']);
  });
}
