import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { writePack } from '../../test/support/packs.js';
import { StreamReader } from '../../test/support/sse.js';
import { until } from '../../test/support/wait.js';
import { loadConfig } from '../config/index.js';
import { type Attune, startAttune } from '../main.js';

/** An action that calls the API with its ATTUNE_API_TOKEN, and leaves the token where the test can try it afterwards. */
const CALL_API = `
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', async () => {
  const { keep } = JSON.parse(Buffer.concat(chunks).toString());
  const url = process.env.ATTUNE_API_URL, token = process.env.ATTUNE_API_TOKEN;
  require('node:fs').writeFileSync(keep, token ?? '');
  const headers = { authorization: 'Bearer ' + token, 'content-type': 'application/json' };
  const me = await (await fetch(url + '/auth/me', { headers })).json();
  const posted = await fetch(url + '/api/v1/events', { method: 'POST', headers, body: JSON.stringify({ trigger_ref: 'probe.ping', payload: { from: 'action' } }) });
  console.log(JSON.stringify({ via: me.data.via, login: me.data.user.login, permissions: me.data.permissions, posted: posted.status }));
});
`;

/** A sensor that posts one event through the API with its own token, then stays up. */
const POSTER = `
const headers = { authorization: 'Bearer ' + process.env.ATTUNE_API_TOKEN, 'content-type': 'application/json' };
fetch(process.env.ATTUNE_API_URL + '/api/v1/events', { method: 'POST', headers, body: JSON.stringify({ trigger_ref: 'probe.ping', payload: { from: 'sensor' } }) })
  .then((r) => console.error('posted ' + r.status));
setInterval(() => {}, 60000);
`;

const PROBE_PACK = {
  'pack.yaml': 'ref: probe\nversion: 1.0.0\n',
  'triggers/ping.yaml': 'name: ping\n',
  'triggers/quiet.yaml': 'name: quiet\n',
  'actions/call_api.yaml': 'name: call_api\nrunner_type: node\nentry_point: call_api.cjs\napi_access: true\npermission_set: executor\nparameters:\n  keep:\n    type: string\n    required: true\n',
  'actions/call_api.cjs': CALL_API,
  'sensors/poster.yaml': 'name: poster\nrunner_type: node\nentry_point: poster.cjs\ntrigger_types: [probe.quiet]\n',
  'sensors/poster.cjs': POSTER,
};

describe('sensor and execution tokens, events and the live stream, through the real server', () => {
  let home: string;
  let attune: Attune;
  let admin: string;

  const call = async (token: string | undefined, method: string, route: string, body?: unknown) => {
    const headers: Record<string, string> = { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
    const response = await fetch(`${attune.url}${route}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as { data?: Record<string, unknown>; error?: { code: string } } };
  };
  /** An integration token of a new identity holding `sets`. */
  const tokenOf = async (login: string, sets: readonly string[]) => {
    const identity = await attune.store.identities.create({ login, displayName: login, kind: 'service', passwordHash: null });
    if (!identity) throw new Error(`identity ${login} exists`);
    for (const set of sets) await attune.store.identities.grant(identity.id, set);
    return (await attune.auth.issueApiToken({ kind: 'integration', identity, label: 'test' })).token;
  };
  const finished = (id: unknown) =>
    until(() => call(admin, 'GET', `/api/v1/executions/${String(id)}`).then((r) => r.body.data ?? {}), (e) => ['completed', 'failed'].includes(String(e.status)));

  beforeAll(async () => {
    home = mkdtempSync(path.join(tmpdir(), 'attune-ingress-'));
    const config = loadConfig({ home, env: { ATTUNE__SERVER__PORT: '0' } });
    attune = await startAttune(config, { log: pino({ level: 'silent' }), baseEnv: { PATH: process.env.PATH }, spawnerEntry: inject('spawnerEntry') });
    admin = attune.firstStart?.cliToken ?? '';
    const pack = writePack(path.join(home, 'probe-pack'), PROBE_PACK);
    expect((await call(admin, 'POST', '/api/v1/packs/register', { path: pack })).status).toBe(200);
  });
  afterAll(async () => {
    await attune.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('lets sensor tokens and admins post events, and refuses a viewer', async () => {
    const viewer = await tokenOf('viewer1', ['viewer']);
    const sensor = await attune.auth.issueApiToken({ kind: 'sensor', identity: { id: (await attune.store.identities.findByLogin('viewer1'))!.id, login: 'viewer1' }, label: 's', permissionSet: 'sensor' });
    const event = { trigger_ref: 'probe.ping', payload: { n: 1 } };
    expect(await call(viewer, 'POST', '/api/v1/events', event)).toMatchObject({ status: 403, body: { error: { code: 'ERR_FORBIDDEN' } } });
    expect((await call(sensor.token, 'POST', '/api/v1/events', event)).status).toBe(201);
    expect((await call(admin, 'POST', '/api/v1/events', event)).status).toBe(201);
  });

  it('renews a sensor token for a new one with a full lifetime, and no other kind of token', async () => {
    const sensor = await attune.auth.issueApiToken({ kind: 'sensor', identity: { id: (await attune.store.identities.findByLogin('admin'))!.id, login: 'admin' }, label: 'remote', permissionSet: 'sensor', expiresAt: new Date(Date.now() + 60_000).toISOString() });
    const renewed = await call(sensor.token, 'POST', '/auth/token/renew');
    expect(renewed.status).toBe(200);
    const fresh = String(renewed.body.data?.token);
    expect(fresh).toMatch(/^attune_st_/);
    expect(Date.parse(String(renewed.body.data?.expires_at)) - Date.now()).toBeGreaterThan(3_600_000);
    expect((await call(fresh, 'GET', '/auth/me')).body.data).toMatchObject({ via: 'sensor', permissions: [{ resource: 'events' }, { resource: 'rules' }, { resource: 'triggers' }, { resource: 'sensors' }] });
    expect(await call(admin, 'POST', '/auth/token/renew')).toMatchObject({ status: 403, body: { error: { code: 'ERR_FORBIDDEN' } } });
  });

  it("gives an action with api_access an execution token of its permission set, refused once the execution ended", async () => {
    const keep = path.join(home, 'kept-token');
    const requested = await call(admin, 'POST', '/api/v1/executions', { action_ref: 'probe.call_api', parameters: { keep } });
    expect(requested.body.data).toMatchObject({ requested_by: 'admin' });
    const done = await finished(requested.body.data?.id);
    expect(done, JSON.stringify(done.result)).toMatchObject({ status: 'completed' });
    const seen = JSON.parse(String((done.result as { stdout: string }).stdout)) as Record<string, unknown>;
    // During the run: the token is the execution's, with the executor set, and may post events.
    expect(seen).toMatchObject({ via: 'execution', login: 'attune', posted: 201 });
    expect(seen.permissions).toContainEqual({ resource: 'actions', actions: ['read', 'execute'] });
    const token = readFileSync(keep, 'utf8');
    expect(token).toMatch(/^attune_xt_/);
    expect(await call(token, 'GET', '/auth/me')).toMatchObject({ status: 401, body: { error: { code: 'ERR_UNAUTHENTICATED' } } });
  });

  it('gives a subprocess sensor a sensor token in ATTUNE_API_TOKEN, with which it posts events', async () => {
    const rule = { ref: 'probe.wake_poster', trigger_ref: 'probe.quiet', action_ref: 'core.noop' };
    expect((await call(admin, 'POST', '/api/v1/rules', rule)).status).toBe(201);
    const events = await until(
      () => call(admin, 'GET', '/api/v1/events?trigger_ref=probe.ping').then((r) => r.body.data as unknown as { payload: { from?: string } }[]),
      (list) => list.some((e) => e.payload.from === 'sensor'),
    );
    expect(events.length).toBeGreaterThan(0);
    // The sensor saw its own request accepted (its stderr line may follow the stored event).
    await until(() => call(admin, 'GET', '/api/v1/sensors/probe.poster/logs').then((r) => JSON.stringify(r.body)), (logs) => logs.includes('posted 201'));
    expect((await call(admin, 'DELETE', '/api/v1/rules/probe.wake_poster')).status).toBe(204);
  });

  describe('the live stream', () => {
    it('sends the changes of one execution when asked for its id, and events only on an event stream', async () => {
      const slow = await call(admin, 'POST', '/api/v1/executions', { action_ref: 'core.sleep', parameters: { seconds: 1 } });
      const id = Number(slow.body.data?.id);
      const one = new StreamReader(attune.url, admin, `?types=execution&id=${id}`);
      const events = new StreamReader(attune.url, admin, '?types=event');
      await Promise.all([one.opened(), events.opened()]);
      const other = await call(admin, 'POST', '/api/v1/executions', { action_ref: 'core.noop' });
      await finished(other.body.data?.id);
      await call(admin, 'POST', '/api/v1/events', { trigger_ref: 'probe.ping', payload: {} });
      const completed = await one.next((m) => m.change === 'completed');
      expect(completed).toMatchObject({ type: 'execution', id, summary: { status: 'completed', action_ref: 'core.sleep' } });
      await events.next((m) => m.type === 'event');
      expect(one.messages.every((m) => m.type === 'execution' && m.id === id)).toBe(true);
      expect(events.messages.every((m) => m.type === 'event')).toBe(true);
      one.close();
      events.close();
    });

    it('shows an identity only what it may read: a key_creator gets nothing of executions', async () => {
      const keys = await tokenOf('keymaker', ['key_creator']);
      expect((await call(keys, 'GET', '/api/v1/stream?types=execution')).body).toMatchObject({ error: { code: 'ERR_FORBIDDEN' } });
      const hidden = new StreamReader(attune.url, keys);
      const watching = new StreamReader(attune.url, admin, '?types=execution,rule');
      await Promise.all([hidden.opened(), watching.opened()]);
      const run = await call(admin, 'POST', '/api/v1/executions', { action_ref: 'core.noop' });
      await watching.next((m) => m.id === run.body.data?.id && m.change === 'completed');
      expect(hidden.status).toBe(200);
      expect(hidden.messages).toEqual([]);
      hidden.close();
      watching.close();
    });

    it('refuses unknown types, and an id without exactly one type', async () => {
      expect((await call(admin, 'GET', '/api/v1/stream?types=execution,nothing')).body).toMatchObject({ error: { code: 'ERR_VALIDATION' } });
      expect((await call(admin, 'GET', '/api/v1/stream?id=1')).body).toMatchObject({ error: { code: 'ERR_VALIDATION' } });
      expect((await call(admin, 'GET', '/api/v1/stream?types=execution,event&id=1')).body).toMatchObject({ error: { code: 'ERR_VALIDATION' } });
      expect((await call(undefined, 'GET', '/api/v1/stream')).status).toBe(401);
    });

    it('closes open streams when the server stops', async () => {
      const open = new StreamReader(attune.url, admin);
      await open.opened();
      await attune.stop();
      await open.done;
      expect(open.ended).toBe(true);
    });
  });
});
