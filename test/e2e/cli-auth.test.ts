import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { AttuneProcess, adminPassword, runCli } from './harness.js';

interface Profiles {
  profiles: Record<string, { api_url: string; login?: string; refresh_token?: string; access_token?: string; access_expires_at?: string }>;
}

describe('the CLI logged in: auth, profiles, users, tokens and the audit log', () => {
  const attune = new AttuneProcess();
  const config = mkdtempSync(path.join(tmpdir(), 'attune-xdg-'));
  const file = path.join(config, 'attune', 'profiles.yaml');
  /** The CLI as on another machine: no data dir of a running attune up, only its profiles. */
  const remote = (args: readonly string[], input?: string) => runCli(['--home', path.join(config, 'no-home'), ...args], { XDG_CONFIG_HOME: config }, input);
  const profiles = () => parse(readFileSync(file, 'utf8')) as Profiles;

  beforeAll(async () => {
    await attune.start();
    expect((await attune.api('POST', '/api/v1/identities', { login: 'dana', password: 'dana-password', permission_sets: ['editor'] })).status).toBe(201);
  });
  afterAll(async () => {
    await attune.cleanup();
    rmSync(config, { recursive: true, force: true });
  });

  it('prints the local CLI token of the data dir with no login at all (ATTUNE_HOME=… attune auth token)', async () => {
    const result = await runCli(['auth', 'token'], { ATTUNE_HOME: attune.home, XDG_CONFIG_HOME: config });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim().split('\n').at(-1)).toBe(attune.token);
  });

  it('logs in from "another machine" into a 0600 profile, refreshes an expired access token, and logs out', async () => {
    const login = await remote(['auth', 'login', '--api-url', attune.url, '--login', 'dana', '--password-stdin'], 'dana-password\n');
    expect(login.code, login.stderr).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const first = profiles().profiles.default;
    expect(first).toMatchObject({ api_url: attune.url, login: 'dana' });
    expect(readFileSync(file, 'utf8')).not.toContain('dana-password');

    const whoami = await remote(['auth', 'whoami', '-o', 'json']);
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(JSON.parse(whoami.stdout)).toMatchObject({ user: { login: 'dana', permission_sets: ['editor'] }, via: 'access' });
    const cached = await remote(['auth', 'token']);
    expect(cached.stdout.trim().split('\n').at(-1)).toBe(first?.access_token);

    // The cached access token has run out: the next command refreshes it, and the refresh token rotates.
    writeFileSync(file, stringify({ profiles: { default: { ...first, access_expires_at: new Date(0).toISOString() } } }), { mode: 0o600 });
    const fresh = await remote(['auth', 'token']);
    expect(fresh.code, fresh.stderr).toBe(0);
    const second = profiles().profiles.default;
    expect(second?.refresh_token).not.toBe(first?.refresh_token);
    expect(fresh.stdout.trim().split('\n').at(-1)).toBe(second?.access_token);
    expect((await attune.apiAs(undefined, 'POST', '/auth/refresh', { refresh_token: first?.refresh_token })).status).toBe(401);
    expect((await remote(['rule', 'list'])).code).toBe(0);

    const logout = await remote(['auth', 'logout']);
    expect(logout.code, logout.stderr).toBe(0);
    expect(profiles().profiles.default).toEqual({ api_url: attune.url, login: 'dana' });
    expect((await attune.apiAs(undefined, 'POST', '/auth/refresh', { refresh_token: second?.refresh_token })).status).toBe(401);
    const after = await remote(['rule', 'list']);
    expect(after.code).toBe(2);
    expect(after.stderr).toMatch(/ERR_UNAUTHENTICATED/);
  });

  it('keeps several servers apart with --profile and ATTUNE_PROFILE; an unknown profile is a usage error', async () => {
    const lab = await remote(['--profile', 'lab', 'auth', 'login', '--api-url', attune.url, '--login', 'admin', '--password-stdin'], `${adminPassword(attune.output)}\n`);
    expect(lab.code, lab.stderr).toBe(0);
    const viaEnv = await runCli(['--home', path.join(config, 'no-home'), 'auth', 'whoami', '-o', 'json'], { XDG_CONFIG_HOME: config, ATTUNE_PROFILE: 'lab' });
    expect(JSON.parse(viaEnv.stdout)).toMatchObject({ user: { login: 'admin' } });
    const missing = await remote(['--profile', 'nowhere', 'rule', 'list']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/ERR_CLI_USAGE: no profile "nowhere"/);
  });

  it('manages users, permission sets, tokens and reads the audit log from the command line', async () => {
    const created = await attune.cli(['user', 'create', 'erin', '--permission-set', 'viewer', '--password-stdin'], {}, 'erin-password\n');
    expect(created.code, created.stderr).toBe(0);
    expect((await attune.cli(['user', 'create', 'deployer', '--service', '--permission-set', 'executor'])).code).toBe(0);
    expect((await attune.cli(['user', 'grant', 'erin', 'executor'])).stdout).toMatch(/erin: executor, viewer/);
    expect((await attune.cli(['user', 'revoke', 'erin', 'executor'])).stdout).toMatch(/erin: viewer/);
    expect((await attune.cli(['user', 'list'])).stdout).toMatch(/^deployer\s+service\s+executor/m);
    const lastAdmin = await attune.cli(['user', 'delete', 'admin']);
    expect(lastAdmin.code).toBe(2);
    expect(lastAdmin.stderr).toMatch(/^ERR_LAST_ADMIN:/);

    expect((await attune.cli(['permission-set', 'create', 'watcher', '--grant', 'executions:read', '--grant', 'events:read'])).code).toBe(0);
    expect(JSON.parse((await attune.cli(['permission-set', 'show', 'watcher', '-o', 'json'])).stdout)).toMatchObject({ grants: [{ resource: 'executions', actions: ['read'] }, { resource: 'events', actions: ['read'] }] });

    const token = await attune.cli(['token', 'create', 'deploy bot', '--login', 'deployer', '--expires-in', '30d']);
    expect(token.code, token.stderr).toBe(0);
    const value = token.stdout.trim().split('\n').at(-1) ?? '';
    expect(value).toMatch(/^attune_it_/);
    const run = await runCli(['run', 'core.noop'], { ATTUNE_API_URL: attune.url, ATTUNE_API_TOKEN: value });
    expect(run.code, run.stderr).toBe(0);
    const listed = await attune.cli(['token', 'list', '-o', 'json']);
    const entry = (JSON.parse(listed.stdout) as { id: number; name: string; login: string }[]).find((t) => t.name === 'deploy bot');
    expect(entry).toMatchObject({ login: 'deployer' });
    expect(listed.stdout).not.toContain(value);
    expect((await attune.cli(['token', 'revoke', String(entry?.id)])).code).toBe(0);
    const refused = await runCli(['run', 'core.noop'], { ATTUNE_API_URL: attune.url, ATTUNE_API_TOKEN: value });
    expect(refused.stderr).toMatch(/ERR_UNAUTHENTICATED/);

    const audit = await attune.cli(['audit', 'list', '--action', 'token.', '-o', 'json']);
    const actions = (JSON.parse(audit.stdout) as { action: string }[]).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['token.created', 'token.revoked']));

    // A lost admin password: the local CLI token of the data dir sets a new one.
    const reset = await attune.cli(['user', 'passwd', 'admin', '--password-stdin'], {}, 'new-admin-password\n');
    expect(reset.code, reset.stderr).toBe(0);
    expect((await attune.apiAs(undefined, 'POST', '/auth/login', { login: 'admin', password: 'new-admin-password' })).status).toBe(200);
  });
});
