import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecretBox } from '../secrets/index.js';
import { openStore, sqliteDialect, type Store } from '../store/index.js';
import { AuditLog } from './audit-log.js';
import { AuthService } from './auth-service.js';
import { IdentityAdmin } from './identity-admin.js';
import { TokenAdmin } from './token-admin.js';
import { tokenPermissionSets } from './token-scope.js';

const log = pino({ level: 'silent' });
const CONFIG = { access_token_ttl_seconds: 3600, refresh_token_ttl_seconds: 604_800, sensor_token_ttl_seconds: 86_400, login_max_failures: 3, login_window_seconds: 60 };

describe('IdentityAdmin and TokenAdmin on SQLite', () => {
  let dir: string;
  let store: Store;
  let auth: AuthService;
  let identities: IdentityAdmin;
  let tokens: TokenAdmin;
  // The store compares expiries with the real clock: the services' clock is fixed at the real time.
  const now = Date.now();

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'attune-admin-'));
    store = await openStore(sqliteDialect(path.join(dir, 'db.sqlite')));
    const audit = new AuditLog({ store, log });
    auth = new AuthService({ store, secrets: SecretBox.forHome(dir), log, config: CONFIG, audit, now: () => now });
    await auth.bootstrap();
    identities = new IdentityAdmin({ store, audit, auth });
    tokens = new TokenAdmin({ store, audit, auth, now: () => now });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const by = async () => ({ actor: await identities.get('admin'), source: 'test' });

  it('keeps one enabled admin: a disabled admin does not count, and a second one lets the first go', async () => {
    const admin = await by();
    await expect(identities.delete('admin', admin)).rejects.toMatchObject({ code: 'ERR_LAST_ADMIN' });
    await identities.create({ login: 'second', kind: 'service', permissionSets: ['admin'] }, admin);
    await identities.update('second', { disabled: true }, admin);
    await expect(identities.revoke('admin', 'admin', admin)).rejects.toMatchObject({ code: 'ERR_LAST_ADMIN' });
    await identities.update('second', { disabled: false }, admin);
    expect((await identities.revoke('admin', 'admin', admin)).permissionSets).toEqual([]);
    await expect(identities.update('second', { disabled: true }, admin)).rejects.toMatchObject({ code: 'ERR_LAST_ADMIN' });
    await expect(identities.delete('second', admin)).rejects.toMatchObject({ code: 'ERR_LAST_ADMIN' });
    const entries = await store.audit.list({ limit: 50, offset: 0, action: 'identity.' });
    // The first start created the admin.
    expect(entries.items.map((e) => e.action)).toEqual(['identity.revoked', 'identity.updated', 'identity.updated', 'identity.created', 'identity.created']);
  });

  it('makes a grant count at the next request, though principals are cached', async () => {
    const admin = await by();
    await identities.create({ login: 'svc', kind: 'service' }, admin);
    const svc = await identities.get('svc');
    const { token } = await auth.issueApiToken({ kind: 'integration', identity: svc, label: 't' });
    expect((await auth.authenticate(token))?.grants).toEqual([]);
    await identities.grant('svc', 'viewer', admin);
    expect((await auth.authenticate(token))?.grants.length).toBeGreaterThan(0);
    await identities.revoke('svc', 'viewer', admin);
    expect((await auth.authenticate(token))?.grants).toEqual([]);
  });

  it('refuses users without a password and service accounts with one, and unknown sets', async () => {
    const admin = await by();
    await expect(identities.create({ login: 'u', kind: 'user' }, admin)).rejects.toMatchObject({ code: 'ERR_VALIDATION' });
    await expect(identities.create({ login: 's', kind: 'service', password: 'long enough' }, admin)).rejects.toMatchObject({ code: 'ERR_VALIDATION' });
    await expect(identities.create({ login: 'x', permissionSets: ['nope'] }, admin)).rejects.toMatchObject({ code: 'ERR_PERMISSION_SET_NOT_FOUND' });
    expect(await store.identities.findByLogin('x')).toBeUndefined();
    await identities.create({ login: 'x' }, admin);
    await expect(identities.create({ login: 'x' }, admin)).rejects.toMatchObject({ code: 'ERR_IDENTITY_EXISTS' });
  });

  it('gives a token an expiry from now, and refuses a token minted by a token without tokens:create', async () => {
    const admin = await by();
    await identities.create({ login: 'ed', password: 'long enough', permissionSets: ['editor'] }, admin);
    const session = await auth.login('ed', 'long enough', 'test');
    const principal = await auth.authenticate(session.accessToken);
    if (!principal) throw new Error('no principal');
    const { token, listed } = await tokens.create(principal, { name: 'ci', expiresInSeconds: 60, permissionSets: ['editor'] }, 'test');
    expect(listed.token.expiresAt).toBe(new Date(now + 60_000).toISOString());
    const viaToken = await auth.authenticate(token);
    if (!viaToken) throw new Error('no principal');
    await expect(tokens.create(viaToken, { name: 'child' }, 'test')).rejects.toMatchObject({ code: 'ERR_FORBIDDEN' });
    await expect(tokens.create(principal, { name: 'more', permissionSets: ['admin'] }, 'test')).rejects.toMatchObject({ code: 'ERR_FORBIDDEN' });
    expect((await tokens.list(principal, { limit: 10, offset: 0 })).items.map((t) => t.token.label)).toEqual(['ci']);
  });
});

describe('tokenPermissionSets', () => {
  const identity = (sets: string[]) => ({ permissionSets: sets });

  it('follows the identity when the token names no set', () => {
    expect(tokenPermissionSets({ kind: 'integration', permissionSet: null }, identity(['editor']))).toEqual(['editor']);
  });

  it('keeps an integration token within what its identity holds now, unless the identity is an admin', () => {
    expect(tokenPermissionSets({ kind: 'integration', permissionSet: 'editor,viewer' }, identity(['viewer']))).toEqual(['viewer']);
    expect(tokenPermissionSets({ kind: 'integration', permissionSet: 'sensor' }, identity(['admin']))).toEqual(['sensor']);
  });

  it('gives sensor and execution tokens the set Attune gave them', () => {
    expect(tokenPermissionSets({ kind: 'sensor', permissionSet: 'sensor' }, identity([]))).toEqual(['sensor']);
    expect(tokenPermissionSets({ kind: 'execution', permissionSet: 'executor' }, identity(['viewer']))).toEqual(['executor']);
  });
});
