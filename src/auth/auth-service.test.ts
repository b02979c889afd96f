import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { allows } from '../domain/index.js';
import { SecretBox } from '../secrets/index.js';
import { openStore, sqliteDialect, type Store } from '../store/index.js';
import { AuditLog } from './audit-log.js';
import { AuthService } from './auth-service.js';
import { hashPassword } from './passwords.js';

const log = pino({ level: 'silent' });
const CONFIG = { access_token_ttl_seconds: 3600, refresh_token_ttl_seconds: 604_800, sensor_token_ttl_seconds: 86_400, login_max_failures: 3, login_window_seconds: 60 };

describe('AuthService', () => {
  let dir: string;
  let store: Store;
  let auth: AuthService;
  let now: number;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'attune-auth-'));
    store = await openStore(sqliteDialect(path.join(dir, 'db.sqlite')));
    now = Date.UTC(2026, 10, 29, 12);
    auth = new AuthService({ store, secrets: SecretBox.forHome(dir), log, config: CONFIG, audit: new AuditLog({ store, log }), now: () => now });
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function user(login: string, password: string, set = 'viewer') {
    const identity = await store.identities.create({ login, displayName: login, kind: 'user', passwordHash: await hashPassword(password) });
    if (!identity) throw new Error('not created');
    await store.identities.grant(identity.id, set);
    return identity;
  }

  it('makes the admin at the first start also when a service made the attune service account before', async () => {
    await store.identities.create({ login: 'attune', displayName: 'Attune', kind: 'service', passwordHash: null });
    expect((await auth.bootstrap())?.login).toBe('admin');
    expect(await auth.bootstrap()).toBeUndefined();
  });

  it('makes no admin on a database that has any other identity', async () => {
    await user('ops', 'a long password');
    expect(await auth.bootstrap()).toBeUndefined();
  });

  it('makes the admin and a CLI token on the first start only', async () => {
    const first = await auth.bootstrap();
    expect(first?.login).toBe('admin');
    expect(await auth.bootstrap()).toBeUndefined();
    expect((await store.identities.findByLogin('admin'))?.permissionSets).toEqual(['admin']);
    const viaCli = await auth.authenticate(first?.cliToken ?? '');
    expect(viaCli).toMatchObject({ via: 'integration', identity: { login: 'admin' } });
    expect((await auth.login('admin', first?.password ?? '', '127.0.0.1')).identity.login).toBe('admin');
    expect(JSON.stringify(await store.audit.list({ limit: 50, offset: 0 }))).not.toContain(first?.password);
  });

  it('logs in with the right password, and not with a wrong one, an unknown login or a disabled identity', async () => {
    await auth.bootstrap();
    const ann = await user('ann', 'pw-ann');
    const session = await auth.login('ann', 'pw-ann', '10.0.0.1');
    expect(session).toMatchObject({ tokenType: 'Bearer', expiresIn: 3600, identity: { login: 'ann' } });
    const principal = await auth.authenticate(session.accessToken);
    expect(principal?.identity.login).toBe('ann');
    expect(allows(principal?.grants ?? [], { resource: 'rules', action: 'read' })).toBe(true);
    expect(allows(principal?.grants ?? [], { resource: 'rules', action: 'delete' })).toBe(false);
    await expect(auth.login('ann', 'wrong', '10.0.0.1')).rejects.toMatchObject({ code: 'ERR_LOGIN_FAILED' });
    await expect(auth.login('nobody', 'pw-ann', '10.0.0.1')).rejects.toMatchObject({ code: 'ERR_LOGIN_FAILED', message: 'wrong login or password' });
    await store.identities.setDisabled(ann.id, true);
    await expect(auth.login('ann', 'pw-ann', '10.0.0.2')).rejects.toMatchObject({ code: 'ERR_LOGIN_FAILED' });
    auth.invalidate();
    expect(await auth.authenticate(session.accessToken)).toBeUndefined();
    const audit = (await store.audit.list({ limit: 50, offset: 0, action: 'auth.' })).items.map((e) => [e.action, e.target]);
    expect(audit).toEqual([['auth.login_failed', 'ann'], ['auth.login_failed', 'nobody'], ['auth.login_failed', 'ann'], ['auth.login', 'ann']]);
  });

  it('refuses a login after too many failures, even with the right password, until the window passes', async () => {
    await auth.bootstrap();
    await user('ann', 'pw-ann');
    for (let i = 0; i < 3; i++) await expect(auth.login('ann', 'guess', '10.0.0.1')).rejects.toMatchObject({ code: 'ERR_LOGIN_FAILED' });
    const limited = await auth.login('ann', 'pw-ann', '10.0.0.9').catch((error: unknown) => error);
    expect(limited).toMatchObject({ code: 'ERR_RATE_LIMITED', headers: { 'retry-after': '60' } });
    now += 61_000;
    expect((await auth.login('ann', 'pw-ann', '10.0.0.1')).identity.login).toBe('ann');
  });

  it('spends a refresh token for a new pair, and refuses it after logout or a second use', async () => {
    await auth.bootstrap();
    await user('ann', 'pw-ann');
    const first = await auth.login('ann', 'pw-ann', 'x');
    expect(await auth.authenticate(first.refreshToken)).toBeUndefined(); // not an access token
    const second = await auth.refresh(first.refreshToken, 'x');
    expect(await auth.authenticate(second.accessToken)).toBeDefined();
    await expect(auth.refresh(first.refreshToken, 'x')).rejects.toMatchObject({ code: 'ERR_LOGIN_FAILED' });
    await auth.logout(second.refreshToken, 'x');
    await expect(auth.refresh(second.refreshToken, 'x')).rejects.toMatchObject({ code: 'ERR_LOGIN_FAILED' });
    now += 3601_000;
    auth.invalidate();
    expect(await auth.authenticate(second.accessToken)).toBeUndefined(); // expired
  });

  it('resolves API tokens to their identity, with the set they carry, until revoked or expired', async () => {
    await auth.bootstrap();
    const ann = await user('ann', 'pw', 'editor');
    const ci = await auth.issueApiToken({ kind: 'integration', identity: ann, label: 'ci', expiresAt: new Date(now + 60_000).toISOString() });
    expect(ci.token).toMatch(/^attune_it_/);
    expect((await auth.authenticate(ci.token))?.grants).toEqual(await store.permissionSets.grantsOf(['editor']));
    const sensor = await auth.issueApiToken({ kind: 'sensor', identity: ann, label: 's', permissionSet: 'sensor' });
    const sensorGrants = (await auth.authenticate(sensor.token))?.grants ?? [];
    expect([allows(sensorGrants, { resource: 'events', action: 'create' }), allows(sensorGrants, { resource: 'rules', action: 'delete' })]).toEqual([true, false]);
    await store.apiTokens.revoke(sensor.record.id);
    auth.invalidate();
    expect(await auth.authenticate(sensor.token)).toBeUndefined();
    now += 61_000;
    auth.invalidate();
    expect(await auth.authenticate(ci.token)).toBeUndefined();
    expect(await auth.authenticate(`${ci.token.slice(0, -1)}x`)).toBeUndefined();
    expect(await auth.authenticate('not a token')).toBeUndefined();
  });

  it('keeps no cached answer past the token’s own expiry', async () => {
    await auth.bootstrap();
    const ann = await user('ann', 'pw', 'editor');
    const soon = await auth.issueApiToken({ kind: 'integration', identity: ann, label: 'soon', expiresAt: new Date(now + 1000).toISOString() });
    expect(await auth.authenticate(soon.token)).toBeDefined(); // cached now, for at most 5 s
    now += 1001;
    expect(await auth.authenticate(soon.token)).toBeUndefined(); // no invalidate(): the cache itself ends with the token
  });

  it('honours an execution token only while its execution runs', async () => {
    await auth.bootstrap();
    const admin = await store.identities.findByLogin('admin');
    if (!admin) throw new Error('no admin');
    const execution = await store.executions.create({ actionRef: 'core.noop', parameters: {} });
    const { token } = await auth.issueApiToken({ kind: 'execution', identity: admin, label: 'x', permissionSet: 'executor', executionId: execution.id });
    const principal = await auth.authenticate(token);
    expect(principal).toMatchObject({ via: 'execution', executionId: execution.id });
    expect(allows(principal?.grants ?? [], { resource: 'identities', action: 'create' })).toBe(false); // the set, not admin's
    await store.executions.transition(execution.id, ['requested'], 'cancelled');
    auth.invalidate();
    expect(await auth.authenticate(token)).toBeUndefined();
  });
});
