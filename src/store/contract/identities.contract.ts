import { expect, it } from 'vitest';
import { apiTokenId, executionId, identityId } from '../../domain/index.js';
import type { CurrentStore } from './fixtures.contract.js';

const READ_RULES = [{ resource: 'rules', actions: ['read'] }] as const;

/** Identities and their permission sets, API tokens and the audit log. */
export function identitiesContract(current: CurrentStore): void {
  it('creates identities with unique logins, finds them with their credentials, and lists them by login', async () => {
    const store = current();
    expect(await store.identities.count()).toBe(0);
    const ann = await store.identities.create({ login: 'ann', displayName: 'Ann', kind: 'user', passwordHash: 'h1' });
    expect(ann).toMatchObject({ login: 'ann', displayName: 'Ann', kind: 'user', disabled: false, permissionSets: [] });
    expect(await store.identities.create({ login: 'ann', displayName: 'Other', kind: 'user', passwordHash: 'h2' })).toBeUndefined();
    const bot = await store.identities.create({ login: 'bot', displayName: 'Bot', kind: 'service', passwordHash: null });
    expect(await store.identities.count()).toBe(2);
    expect(await store.identities.findCredentials('ann')).toMatchObject({ passwordHash: 'h1', identity: { login: 'ann' } });
    expect(await store.identities.findCredentials('bot')).toMatchObject({ passwordHash: null });
    expect(await store.identities.findCredentials('nobody')).toBeUndefined();
    expect(await store.identities.findByLogin('bot')).toEqual(bot);
    expect(await store.identities.get(identityId(999_999))).toBeUndefined();
    const page = await store.identities.list({ limit: 1, offset: 1 });
    expect({ logins: page.items.map((i) => i.login), total: page.total }).toEqual({ logins: ['bot'], total: 2 });
  });

  it('changes a password and the disabled flag, and deletes an identity with its grants and tokens', async () => {
    const store = current();
    const ann = await store.identities.create({ login: 'ann', displayName: 'Ann', kind: 'user', passwordHash: 'h1' });
    if (!ann) throw new Error('not created');
    expect(await store.identities.setPassword(ann.id, 'h2')).toBe(true);
    expect((await store.identities.findCredentials('ann'))?.passwordHash).toBe('h2');
    expect(await store.identities.setDisabled(ann.id, true)).toBe(true);
    expect((await store.identities.get(ann.id))?.disabled).toBe(true);
    expect(await store.identities.setPassword(identityId(999_999), 'x')).toBe(false);
    expect(await store.identities.setDisabled(identityId(999_999), true)).toBe(false);
    await store.permissionSets.syncBuiltins([{ ref: 'viewer', description: 'v', grants: READ_RULES }]);
    await store.identities.grant(ann.id, 'viewer');
    const token = await store.apiTokens.create({ kind: 'integration', hash: 'hash-1', identityId: ann.id, label: 'ci' });
    expect(await store.identities.delete(ann.id)).toBe(true);
    expect(await store.identities.delete(ann.id)).toBe(false);
    expect(await store.apiTokens.get(token.id)).toBeUndefined();
  });

  it('grants and revokes permission sets, once each, and reads their grants', async () => {
    const store = current();
    await store.permissionSets.syncBuiltins([
      { ref: 'viewer', description: 'reads', grants: READ_RULES },
      { ref: 'admin', description: 'all', grants: [{ resource: '*', actions: ['*'] }] },
    ]);
    const ann = await store.identities.create({ login: 'ann', displayName: 'Ann', kind: 'user', passwordHash: null });
    if (!ann) throw new Error('not created');
    expect(await store.identities.grant(ann.id, 'viewer')).toBe(true);
    expect(await store.identities.grant(ann.id, 'viewer')).toBe(false);
    expect(await store.identities.grant(ann.id, 'nope')).toBe(false);
    expect(await store.identities.grant(ann.id, 'admin')).toBe(true);
    expect((await store.identities.get(ann.id))?.permissionSets).toEqual(['admin', 'viewer']);
    expect(await store.permissionSets.grantsOf(['viewer', 'admin'])).toEqual([{ resource: '*', actions: ['*'] }, ...READ_RULES]);
    expect(await store.permissionSets.grantsOf([])).toEqual([]);
    expect(await store.identities.revoke(ann.id, 'admin')).toBe(true);
    expect(await store.identities.revoke(ann.id, 'admin')).toBe(false);
    expect(await store.identities.revoke(ann.id, 'nope')).toBe(false);
    expect((await store.identities.findByLogin('ann'))?.permissionSets).toEqual(['viewer']);
  });

  it('keeps built-in sets current and unchangeable, and custom sets editable', async () => {
    const store = current();
    await store.permissionSets.syncBuiltins([{ ref: 'viewer', description: 'old', grants: [] }]);
    const first = await store.permissionSets.findByRef('viewer');
    await store.permissionSets.syncBuiltins([{ ref: 'viewer', description: 'old', grants: [] }]);
    expect((await store.permissionSets.findByRef('viewer'))?.updated).toBe(first?.updated);
    await store.permissionSets.syncBuiltins([{ ref: 'viewer', description: 'new', grants: READ_RULES }]);
    expect(await store.permissionSets.findByRef('viewer')).toMatchObject({ description: 'new', grants: READ_RULES, builtin: true });
    expect(await store.permissionSets.update({ ref: 'viewer', description: 'x', grants: [] })).toBeUndefined();
    expect(await store.permissionSets.delete('viewer')).toBe(false);
    const ops = await store.permissionSets.create({ ref: 'ops', description: 'ops', grants: READ_RULES });
    expect(ops).toMatchObject({ ref: 'ops', builtin: false });
    expect(await store.permissionSets.create({ ref: 'ops', description: 'again', grants: [] })).toBeUndefined();
    expect(await store.permissionSets.update({ ref: 'ops', description: 'changed', grants: [] })).toMatchObject({ description: 'changed', grants: [] });
    expect((await store.permissionSets.listAll()).map((s) => s.ref)).toEqual(['ops', 'viewer']);
    const ann = await store.identities.create({ login: 'ann', displayName: 'Ann', kind: 'user', passwordHash: null });
    if (!ann) throw new Error('not created');
    await store.identities.grant(ann.id, 'ops');
    expect(await store.permissionSets.delete('ops')).toBe(true);
    expect(await store.permissionSets.findByRef('ops')).toBeUndefined();
    expect((await store.identities.get(ann.id))?.permissionSets).toEqual([]);
  });

  it('stores tokens by hash, lists the usable ones, and revokes them one by one or by execution', async () => {
    const store = current();
    const ann = await store.identities.create({ login: 'ann', displayName: 'Ann', kind: 'user', passwordHash: null });
    if (!ann) throw new Error('not created');
    const ci = await store.apiTokens.create({ kind: 'integration', hash: 'h-ci', identityId: ann.id, label: 'ci' });
    expect(ci).toMatchObject({ kind: 'integration', label: 'ci', permissionSet: null, executionId: null, expiresAt: null, revokedAt: null, lastUsedAt: null });
    const run = await store.apiTokens.create({ kind: 'execution', hash: 'h-x', identityId: ann.id, label: 'x', permissionSet: 'executor', executionId: executionId(7), expiresAt: '9999-01-01T00:00:00.000Z' });
    const old = await store.apiTokens.create({ kind: 'sensor', hash: 'h-old', identityId: ann.id, label: 's', expiresAt: '2000-01-01T00:00:00.000Z' });
    expect(await store.apiTokens.findByHash('h-x')).toEqual(run);
    expect(await store.apiTokens.findByHash('h-none')).toBeUndefined();
    const ids = async (filter: Parameters<typeof store.apiTokens.list>[0]) => (await store.apiTokens.list(filter)).items.map((t) => t.id);
    expect(await ids({ limit: 10, offset: 0 })).toEqual([run.id, ci.id]);
    expect(await ids({ limit: 10, offset: 0, includeInactive: true })).toEqual([old.id, run.id, ci.id]);
    expect(await ids({ limit: 10, offset: 0, kind: 'integration', identityId: ann.id })).toEqual([ci.id]);
    await store.apiTokens.touch(ci.id, '2026-01-01T00:00:00.000Z');
    expect((await store.apiTokens.get(ci.id))?.lastUsedAt).toBe('2026-01-01T00:00:00.000Z');
    expect(await store.apiTokens.revoke(ci.id)).toBe(true);
    expect(await store.apiTokens.revoke(ci.id)).toBe(false);
    expect(await store.apiTokens.revoke(apiTokenId(999_999))).toBe(false);
    expect(await store.apiTokens.revokeForExecution(executionId(7))).toBe(1);
    expect(await store.apiTokens.revokeForExecution(executionId(7))).toBe(0);
    expect((await store.apiTokens.get(run.id))?.revokedAt).not.toBeNull();
    expect(await ids({ limit: 10, offset: 0 })).toEqual([]);
    expect(await store.apiTokens.purge('9000-01-01T00:00:00.000Z')).toBe(3);
    expect(await store.apiTokens.get(ci.id)).toBeUndefined();
  });

  it('appends audit entries and lists them newest first, by actor, action or action prefix, and time', async () => {
    const store = current();
    const base = { actorId: null, target: 'ann', source: '127.0.0.1', outcome: 'success' as const, details: {} };
    const first = await store.audit.append({ ...base, actorLogin: 'ann', action: 'auth.login', at: '2026-01-01T00:00:00.000Z' });
    await store.audit.append({ ...base, actorLogin: null, action: 'auth.login_failed', outcome: 'failure', details: { reason: 'bad password' }, at: '2026-01-02T00:00:00.000Z' });
    await store.audit.append({ ...base, actorLogin: 'ann', action: 'rule.updated', target: 'demo.r' });
    expect(first).toMatchObject({ action: 'auth.login', actorLogin: 'ann', at: '2026-01-01T00:00:00.000Z', details: {} });
    const actions = async (filter: Parameters<typeof store.audit.list>[0]) => (await store.audit.list(filter)).items.map((e) => e.action);
    expect(await actions({ limit: 10, offset: 0 })).toEqual(['rule.updated', 'auth.login_failed', 'auth.login']);
    expect(await actions({ limit: 10, offset: 0, actorLogin: 'ann' })).toEqual(['rule.updated', 'auth.login']);
    expect(await actions({ limit: 10, offset: 0, action: 'auth.' })).toEqual(['auth.login_failed', 'auth.login']);
    expect(await actions({ limit: 10, offset: 0, action: 'auth.login' })).toEqual(['auth.login']);
    expect(await actions({ limit: 10, offset: 0, since: '2026-01-02T00:00:00.000Z' })).toEqual(['rule.updated', 'auth.login_failed']);
    expect((await store.audit.list({ limit: 1, offset: 0 })).total).toBe(3);
  });
}
