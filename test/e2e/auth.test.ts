import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessTokens } from '../../src/auth/index.js';
import { SecretBox } from '../../src/secrets/index.js';
import { AttuneProcess, until } from './harness.js';

interface Session {
  readonly access_token: string;
  readonly refresh_token: string;
  readonly user: { readonly id: number; readonly login: string };
}
type Body<T> = { data: T; error?: { code: string } };
type ErrorBody = { error: { code: string } };

describe('logins, tokens, identities and the audit log, through the real server', () => {
  const attune = new AttuneProcess();
  const login = async (name: string, password: string) => (await attune.apiAs<Body<Session>>(undefined, 'POST', '/auth/login', { login: name, password })).body.data;
  const me = (token: string | undefined) => attune.apiAs<Body<{ user: { login: string }; via: string }> & ErrorBody>(token, 'GET', '/auth/me');

  beforeAll(async () => {
    await attune.start();
    for (const [name, sets] of [['alice', ['editor']], ['bob', ['viewer']]] as const) {
      expect((await attune.api('POST', '/api/v1/identities', { login: name, password: `${name}-password`, permission_sets: sets })).status).toBe(201);
    }
  });
  afterAll(() => attune.cleanup());

  it('logs in, refreshes (the refresh token rotates) and logs out (the refresh token is revoked)', async () => {
    const wrong = await attune.apiAs<ErrorBody>(undefined, 'POST', '/auth/login', { login: 'alice', password: 'nope-nope' });
    expect(wrong).toMatchObject({ status: 401, body: { error: { code: 'ERR_LOGIN_FAILED' } } });
    const session = await login('alice', 'alice-password');
    expect((await me(session.access_token)).body.data).toMatchObject({ user: { login: 'alice' }, via: 'access' });

    const refreshed = await attune.apiAs<Body<Session>>(undefined, 'POST', '/auth/refresh', { refresh_token: session.refresh_token });
    expect(refreshed.status).toBe(200);
    expect((await me(refreshed.body.data.access_token)).status).toBe(200);
    const reused = await attune.apiAs<ErrorBody>(undefined, 'POST', '/auth/refresh', { refresh_token: session.refresh_token });
    expect(reused).toMatchObject({ status: 401, body: { error: { code: 'ERR_LOGIN_FAILED' } } });

    const { access_token, refresh_token } = refreshed.body.data;
    expect((await attune.apiAs(access_token, 'POST', '/auth/logout', { refresh_token })).status).toBe(204);
    expect((await attune.apiAs(undefined, 'POST', '/auth/refresh', { refresh_token })).status).toBe(401);
  });

  it('refuses an expired access token and an expired integration token', async () => {
    // An access token made with the data dir's own key, issued two hours ago for one minute.
    const key = SecretBox.forHome(attune.home).deriveKey('access tokens v1');
    const alice = (await login('alice', 'alice-password')).user;
    const minted = new AccessTokens(key, 60);
    expect((await me((await minted.issue(alice)).token)).status).toBe(200);
    const expired = (await minted.issue(alice, Date.now() - 7_200_000)).token;
    expect(await me(expired)).toMatchObject({ status: 401, body: { error: { code: 'ERR_UNAUTHENTICATED' } } });

    const created = await attune.api<Body<{ token: string }>>('POST', '/api/v1/tokens', { name: 'short', expires_in: 1 });
    const token = created.body.data.token;
    expect(await until(() => me(token).then((r) => r.status), (status) => status === 401, 10)).toBe(401);
  });

  it('stops a revoked token and a disabled identity at once', async () => {
    const created = await attune.api<Body<{ id: number; token: string }>>('POST', '/api/v1/tokens', { name: 'to revoke' });
    const { id, token } = created.body.data;
    expect((await me(token)).status).toBe(200);
    expect((await attune.api('DELETE', `/api/v1/tokens/${id}`)).status).toBe(204);
    expect(await me(token)).toMatchObject({ status: 401, body: { error: { code: 'ERR_UNAUTHENTICATED' } } });

    const bob = await login('bob', 'bob-password');
    expect((await me(bob.access_token)).status).toBe(200);
    expect((await attune.api('PATCH', '/api/v1/identities/bob', { disabled: true })).status).toBe(200);
    expect((await me(bob.access_token)).status).toBe(401);
    expect((await attune.apiAs(undefined, 'POST', '/auth/login', { login: 'bob', password: 'bob-password' })).status).toBe(401);
    expect((await attune.api('PATCH', '/api/v1/identities/bob', { disabled: false })).status).toBe(200);
    expect((await me(bob.access_token)).status).toBe(200);
  });

  it('lets a user make tokens with at most their own sets, list and revoke only their own, never showing a token again', async () => {
    const alice = (await login('alice', 'alice-password')).access_token;
    const escalate = await attune.apiAs<ErrorBody>(alice, 'POST', '/api/v1/tokens', { name: 'more', permission_sets: ['admin'] });
    expect(escalate).toMatchObject({ status: 403, body: { error: { code: 'ERR_FORBIDDEN' } } });
    const forOther = await attune.apiAs<ErrorBody>(alice, 'POST', '/api/v1/tokens', { name: 'other', login: 'bob' });
    expect(forOther).toMatchObject({ status: 403, body: { error: { code: 'ERR_FORBIDDEN' } } });

    const made = await attune.apiAs<Body<{ id: number; token: string; permission_sets: string[] }>>(alice, 'POST', '/api/v1/tokens', { name: 'ci', permission_sets: ['editor'] });
    expect(made.status).toBe(201);
    const { id, token } = made.body.data;
    expect(token).toMatch(/^attune_it_/);
    expect((await attune.apiAs(token, 'POST', '/api/v1/rules/examples.tick/disable')).status).toBe(200);
    // A token cannot make tokens: it would outlive its own revocation.
    expect((await attune.apiAs(token, 'POST', '/api/v1/tokens', { name: 'child' })).status).toBe(403);

    const listed = await attune.apiAs<Body<Record<string, unknown>[]>>(alice, 'GET', '/api/v1/tokens');
    expect(listed.body.data.map((t) => t.id)).toEqual([id]);
    const all = await attune.api<Body<Record<string, unknown>[]>>('GET', '/api/v1/tokens?include_inactive=true');
    expect(all.body.data.map((t) => t.login)).toEqual(expect.arrayContaining(['alice', 'admin']));
    const text = JSON.stringify(all.body);
    expect(text).not.toContain(token);
    expect(text).not.toMatch(/attune_it_|"hash"|"token"/);
    const adminToken = all.body.data.find((t) => t.login === 'admin')?.id;
    expect((await attune.apiAs<ErrorBody>(alice, 'DELETE', `/api/v1/tokens/${String(adminToken)}`)).body.error.code).toBe('ERR_TOKEN_NOT_FOUND');

    // Taking editor from alice takes it from her token too.
    expect((await attune.api('DELETE', '/api/v1/identities/alice/permission-sets/editor')).status).toBe(200);
    expect((await attune.apiAs(token, 'POST', '/api/v1/rules/examples.tick/disable')).status).toBe(403);
    expect((await attune.api('POST', '/api/v1/identities/alice/permission-sets', { name: 'editor' })).status).toBe(200);
    expect((await attune.apiAs(token, 'POST', '/api/v1/rules/examples.tick/disable')).status).toBe(200);
    expect((await attune.apiAs(alice, 'DELETE', `/api/v1/tokens/${id}`)).status).toBe(204);
    expect((await attune.apiAs(token, 'GET', '/auth/me')).status).toBe(401);
  });

  it('keeps the last admin, refuses to change built-in sets, and makes custom ones', async () => {
    for (const [method, route, body] of [
      ['DELETE', '/api/v1/identities/admin', undefined],
      ['PATCH', '/api/v1/identities/admin', { disabled: true }],
      ['DELETE', '/api/v1/identities/admin/permission-sets/admin', undefined],
    ] as const) {
      expect(await attune.api(method, route, body)).toMatchObject({ status: 409, body: { error: { code: 'ERR_LAST_ADMIN' } } });
    }
    expect(await attune.api('DELETE', '/api/v1/permission-sets/viewer')).toMatchObject({ status: 409, body: { error: { code: 'ERR_PERMISSION_SET_BUILTIN' } } });
    const custom = { name: 'rule_reader', grants: [{ resource: 'rules', actions: ['read'] }] };
    expect((await attune.api('POST', '/api/v1/permission-sets', custom)).status).toBe(201);
    expect(await attune.api('POST', '/api/v1/permission-sets', custom)).toMatchObject({ status: 409, body: { error: { code: 'ERR_PERMISSION_SET_EXISTS' } } });
    const bad = await attune.api('POST', '/api/v1/permission-sets', { name: 'bad', grants: [{ resource: 'rules', actions: ['fly'] }] });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'ERR_VALIDATION' } } });

    expect((await attune.api('POST', '/api/v1/identities', { login: 'carol', password: 'carol-password', permission_sets: ['rule_reader'] })).status).toBe(201);
    const carol = (await login('carol', 'carol-password')).access_token;
    expect((await attune.apiAs(carol, 'GET', '/api/v1/rules')).status).toBe(200);
    expect((await attune.apiAs(carol, 'GET', '/api/v1/executions')).status).toBe(403);
    expect((await attune.api('DELETE', '/api/v1/permission-sets/rule_reader')).status).toBe(204);
    expect((await attune.apiAs(carol, 'GET', '/api/v1/rules')).status).toBe(403);
    expect((await attune.api('DELETE', '/api/v1/identities/carol')).status).toBe(204);
    expect((await attune.apiAs(carol, 'GET', '/auth/me')).status).toBe(401);
  });

  it('changes passwords: an admin’s reset ends the user’s other logins; a user changes their own with the old one', async () => {
    const before = await login('bob', 'bob-password');
    expect((await attune.api('PATCH', '/api/v1/identities/bob', { password: 'bob-password-2' })).status).toBe(200);
    expect((await attune.apiAs(undefined, 'POST', '/auth/refresh', { refresh_token: before.refresh_token })).status).toBe(401);
    const after = await login('bob', 'bob-password-2');
    const wrongOld = await attune.apiAs<ErrorBody>(after.access_token, 'POST', '/auth/password', { old_password: 'bob-password', new_password: 'bob-password-3' });
    expect(wrongOld).toMatchObject({ status: 401, body: { error: { code: 'ERR_LOGIN_FAILED' } } });
    expect((await attune.apiAs(after.access_token, 'POST', '/auth/password', { old_password: 'bob-password-2', new_password: 'bob-password-3' })).status).toBe(204);
    expect((await login('bob', 'bob-password-3')).user.login).toBe('bob');
    // An API token cannot change its identity's password.
    expect((await attune.api('POST', '/auth/password', { old_password: 'x', new_password: 'whatever-123' })).status).toBe(403);
  });

  it('records who did what, when and from where; only admins read it', async () => {
    await attune.apiAs(undefined, 'POST', '/auth/login', { login: 'alice', password: 'wrong-wrong' });
    await attune.api('POST', '/api/v1/rules/examples.tick/enable');
    await attune.api('POST', '/api/v1/rules/examples.tick/disable');
    await attune.api('POST', '/api/v1/packs/register', { path: path.resolve(import.meta.dirname, '../../packs/examples') });
    type Entry = { actor: string | null; action: string; target: string; source: string; outcome: string };
    const entries = (await attune.api<Body<Entry[]>>('GET', '/api/v1/audit?limit=1000')).body.data;
    const seen = (action: string, target?: string) => entries.find((e) => e.action === action && (target === undefined || e.target === target));
    expect(seen('auth.login_failed', 'alice')).toMatchObject({ actor: null, outcome: 'failure', source: '127.0.0.1' });
    expect(seen('auth.login', 'alice')).toMatchObject({ actor: 'alice', outcome: 'success' });
    for (const action of ['identity.created', 'identity.updated', 'identity.granted', 'identity.revoked', 'identity.deleted', 'permission_set.created', 'permission_set.deleted', 'token.created', 'token.revoked']) {
      expect(seen(action), action).toBeDefined();
    }
    expect(seen('rule.enabled', 'examples.tick')).toMatchObject({ actor: 'admin', source: '127.0.0.1' });
    expect(seen('rule.disabled', 'examples.tick')).toBeDefined();
    expect(seen('pack.registered', 'examples')).toMatchObject({ actor: 'admin' });

    const rules = await attune.api<Body<Entry[]>>('GET', '/api/v1/audit?action=rule.&actor=admin');
    expect(rules.body.data.length).toBeGreaterThanOrEqual(2);
    expect(rules.body.data.every((e) => e.action.startsWith('rule.') && e.actor === 'admin')).toBe(true);
    const future = await attune.api<Body<Entry[]>>('GET', `/api/v1/audit?since=${new Date(Date.now() + 60_000).toISOString()}`);
    expect(future.body.data).toEqual([]);
    const alice = (await login('alice', 'alice-password')).access_token;
    expect((await attune.apiAs(alice, 'GET', '/api/v1/audit')).status).toBe(403);
  });
});
