import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { type Attune, startAttune } from '../main.js';

/** A valid body for each route that takes one, so that only the part under test can be refused. */
const BODIES: Readonly<Record<string, unknown>> = {
  'POST /api/v1/packs/register': { path: '/nonexistent' },
  'POST /api/v1/executions': { action_ref: 'core.noop' },
  'POST /api/v1/executions/{id}/rerun': { from_task: 'start' },
  'POST /api/v1/rules': { ref: 'core.x', trigger_ref: 'core.webhook', action_ref: 'core.noop' },
  'PATCH /api/v1/rules/{ref}': {},
  'POST /api/v1/events': { trigger_ref: 'core.webhook' },
  'POST /api/v1/webhooks/{name}': {},
  'PUT /api/v1/keys/{name}': { value: 'x' },
  'POST /auth/login': { login: 'nobody', password: 'x' },
  'POST /auth/refresh': { refresh_token: 'x' },
  'POST /auth/logout': { refresh_token: 'x' },
  'POST /auth/password': { old_password: 'x', new_password: 'long enough' },
  'POST /api/v1/identities': { login: 'someone', kind: 'service' },
  'PATCH /api/v1/identities/{login}': { disabled: false },
  'POST /api/v1/identities/{login}/permission-sets': { name: 'viewer' },
  'POST /api/v1/permission-sets': { name: 'custom', grants: [{ resource: 'rules', actions: ['read'] }] },
  'POST /api/v1/tokens': { name: 'ci' },
};

interface Route {
  readonly method: string;
  readonly path: string;
  readonly url: string;
}

/**
 * The Host/Origin guard, strict inputs, the JSON parser and the error handler are installed on the
 * root and must reach the routes of every resource plugin (Fastify encapsulation). This test goes
 * through every route of the OpenAPI document, so a plugin registered before them, or a route
 * added outside of them, fails here.
 */
describe('the API of startAttune, route by route', () => {
  let home: string;
  let attune: Attune;
  let routes: Route[];

  beforeAll(async () => {
    home = mkdtempSync(path.join(tmpdir(), 'attune-api-'));
    const config = loadConfig({ home, env: { ATTUNE__SERVER__PORT: '0' } });
    attune = await startAttune(config, { log: pino({ level: 'silent' }), baseEnv: { PATH: process.env.PATH } });
    const spec = (await attune.api.inject({ url: '/api-spec/openapi.json' })).json<{ paths: Record<string, Record<string, unknown>> }>();
    routes = Object.entries(spec.paths).flatMap(([route, operations]) =>
      Object.keys(operations).map((method) => ({
        method: method.toUpperCase(),
        path: route,
        url: route.replace('{ref}', 'core').replace('{id}', '1').replace('{name}', 'deploy').replace('{login}', 'nobody'),
      })),
    );
  });
  afterAll(async () => {
    await attune.stop();
    rmSync(home, { recursive: true, force: true });
  });

  const send = (route: Route, options: { query?: string; headers?: Record<string, string>; body?: string } = {}) => {
    const payload = options.body ?? (BODIES[`${route.method} ${route.path}`] === undefined ? undefined : JSON.stringify(BODIES[`${route.method} ${route.path}`]));
    // As the admin, so that authorization never hides the check under test.
    const auth = { authorization: `Bearer ${attune.firstStart?.cliToken ?? ''}` };
    const headers = { ...auth, ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers };
    return attune.api.inject({ method: route.method as 'GET', url: `${route.url}${options.query ?? ''}`, headers, ...(payload === undefined ? {} : { payload }) });
  };
  const failures = async (expected: (route: Route) => { status: number; code: string } | undefined, request: (route: Route) => ReturnType<typeof send>) => {
    const wrong: string[] = [];
    for (const route of routes) {
      const want = expected(route);
      if (want === undefined) continue;
      const response = await request(route);
      const code = (response.json<{ error?: { code?: string } }>().error ?? {}).code;
      if (response.statusCode !== want.status || code !== want.code) wrong.push(`${route.method} ${route.path}: ${response.statusCode} ${code}`);
    }
    return wrong;
  };

  it('lists every resource plugin’s routes', () => {
    expect(routes).toHaveLength(60);
    const prefixes = new Set(routes.map((r) => (r.path.startsWith('/api/') ? r.path.split('/')[3] : r.path.split('/')[1])));
    expect([...prefixes]).toEqual(['auth', 'health', 'packs', 'actions', 'executions', 'triggers', 'sensors', 'rules', 'events', 'enforcements', 'webhooks', 'stream', 'keys', 'identities', 'permission-sets', 'tokens', 'audit', 'workers', 'inquiries', 'policies']);
  });

  it('refuses a foreign Host on every route, in the one error body', async () => {
    expect(await failures(() => ({ status: 403, code: 'ERR_HOST_NOT_ALLOWED' }), (route) => send(route, { headers: { host: 'rebind.attacker.example' } }))).toEqual([]);
  });

  it('refuses a state-changing request from a foreign Origin on every such route', async () => {
    const isChange = (route: Route) => !['GET', 'HEAD'].includes(route.method);
    expect(await failures((r) => (isChange(r) ? { status: 403, code: 'ERR_ORIGIN_NOT_ALLOWED' } : undefined), (r) => send(r, { headers: { origin: 'http://evil.example' } }))).toEqual([]);
  });

  it('refuses an unknown query parameter on every route', async () => {
    expect(await failures(() => ({ status: 400, code: 'ERR_VALIDATION' }), (route) => send(route, { query: '?bogus=1' }))).toEqual([]);
    const [first] = routes;
    if (!first) throw new Error('no routes');
    expect((await send(first, { query: '?bogus=1' })).json()).toMatchObject({ error: { details: [{ field: 'querystring.bogus' }] } });
  });

  it('takes only JSON bodies, parsed strictly, on every route that takes a body', async () => {
    const hasBody = (route: Route) => ['POST', 'PATCH', 'PUT'].includes(route.method);
    const text = (r: Route) => send(r, { headers: { 'content-type': 'text/plain' }, body: 'x' });
    expect(await failures((r) => (hasBody(r) ? { status: 415, code: 'ERR_UNSUPPORTED_MEDIA_TYPE' } : undefined), text)).toEqual([]);
    const prototypeKey = (r: Route) => send(r, { headers: { 'content-type': 'application/json' }, body: '{"__proto__":{}}' });
    expect(await failures((r) => (hasBody(r) ? { status: 400, code: 'ERR_VALIDATION' } : undefined), prototypeKey)).toEqual([]);
  });

  it('reads ids in paths as decimal digits only, on every route with an id', async () => {
    const hasId = (route: Route) => route.path.includes('{id}');
    const hex = (route: Route) => send({ ...route, url: route.path.replace('{id}', '0x10') });
    expect(await failures((r) => (hasId(r) ? { status: 400, code: 'ERR_VALIDATION' } : undefined), hex)).toEqual([]);
  });

  it('answers an unknown path under a plugin’s prefix with the one error body', async () => {
    const response = await attune.api.inject({ url: '/api/v1/enforcements/1/nothing' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: { code: 'ERR_NOT_FOUND', message: 'no route GET /api/v1/enforcements/1/nothing' } });
  });
});
