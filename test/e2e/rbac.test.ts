import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttuneProcess } from './harness.js';

/**
 * Every route × every built-in role, against the real server. The routes come from the OpenAPI
 * document, so a new route without a row here fails the test. A role is "allowed" when the answer
 * is a 2xx or a 4xx other than 401/403 (the placeholder ref was not found, the empty body was
 * invalid); "denied" is 401 ERR_UNAUTHENTICATED without a token and 403 ERR_FORBIDDEN with one.
 */
const ROLES = ['admin', 'editor', 'executor', 'viewer', 'key_creator', 'none'] as const;
type Role = (typeof ROLES)[number];

const PUBLIC: readonly Role[] = ROLES;
const ANY: readonly Role[] = ['admin', 'editor', 'executor', 'viewer', 'key_creator'];
const READ: readonly Role[] = ['admin', 'editor', 'executor', 'viewer'];
const RUN: readonly Role[] = ['admin', 'editor', 'executor'];
const EDIT: readonly Role[] = ['admin', 'editor'];
const ADMIN: readonly Role[] = ['admin'];

const TABLE: Readonly<Record<string, readonly Role[]>> = {
  'POST /auth/login': PUBLIC,
  'POST /auth/refresh': PUBLIC,
  'GET /auth/me': ANY,
  'POST /auth/logout': ANY,
  'POST /auth/password': ANY,
  'GET /api/v1/health': PUBLIC,
  'GET /api/v1/packs': READ,
  'GET /api/v1/packs/{ref}': READ,
  'POST /api/v1/packs/register': EDIT,
  'DELETE /api/v1/packs/{ref}': EDIT,
  'GET /api/v1/actions': READ,
  'GET /api/v1/actions/{ref}': READ,
  'POST /api/v1/executions': RUN,
  'GET /api/v1/executions': READ,
  'GET /api/v1/executions/{id}': READ,
  'POST /api/v1/executions/{id}/cancel': RUN,
  'POST /api/v1/executions/{id}/rerun': RUN,
  'GET /api/v1/triggers': READ,
  'GET /api/v1/triggers/{ref}': READ,
  'GET /api/v1/sensors': READ,
  'GET /api/v1/sensors/{ref}': READ,
  'GET /api/v1/sensors/{ref}/logs': READ,
  'GET /api/v1/rules': READ,
  'POST /api/v1/rules': EDIT,
  'GET /api/v1/rules/{ref}': READ,
  'PATCH /api/v1/rules/{ref}': EDIT,
  'DELETE /api/v1/rules/{ref}': EDIT,
  'POST /api/v1/rules/{ref}/enable': EDIT,
  'POST /api/v1/rules/{ref}/disable': EDIT,
  'GET /api/v1/events': READ,
  'GET /api/v1/events/{id}': READ,
  // Posting events is for sensors (their own set) and admins: an event can run any rule's action.
  'POST /api/v1/events': ADMIN,
  'GET /api/v1/enforcements': READ,
  'POST /api/v1/webhooks/{name}': PUBLIC,
  'GET /api/v1/identities': ADMIN,
  'POST /api/v1/identities': ADMIN,
  'GET /api/v1/identities/{login}': ADMIN,
  'PATCH /api/v1/identities/{login}': ADMIN,
  'DELETE /api/v1/identities/{login}': ADMIN,
  'POST /api/v1/identities/{login}/permission-sets': ADMIN,
  'DELETE /api/v1/identities/{login}/permission-sets/{name}': ADMIN,
  'GET /api/v1/permission-sets': ADMIN,
  'POST /api/v1/permission-sets': ADMIN,
  'GET /api/v1/permission-sets/{name}': ADMIN,
  'DELETE /api/v1/permission-sets/{name}': ADMIN,
  // Anyone logged in manages their own tokens; TokenAdmin keeps them to their own.
  'GET /api/v1/tokens': ANY,
  'POST /api/v1/tokens': ANY,
  'DELETE /api/v1/tokens/{id}': ANY,
  'GET /api/v1/audit': ADMIN,
  // Renewal is for sensor tokens only: every user's token is refused (403) by the route itself.
  'POST /auth/token/renew': [],
  // Anyone logged in may open the stream; it then carries only the types they may read.
  'GET /api/v1/stream': ANY,
  'GET /api/v1/keys': ['admin', 'editor', 'key_creator'],
  'GET /api/v1/keys/{name}': ['admin', 'editor', 'key_creator'],
  'PUT /api/v1/keys/{name}': ['admin', 'editor', 'key_creator'],
  'DELETE /api/v1/keys/{name}': EDIT,
  'GET /api/v1/workers': READ,
  'GET /api/v1/policies': READ,
  'GET /api/v1/inquiries': READ,
  'GET /api/v1/inquiries/{id}': READ,
  // Who may answer one inquiry is then decided by the inquiry (assignee, role, admin).
  'POST /api/v1/inquiries/{id}/respond': EDIT,
};

/**
 * Query strings for routes whose allowed answer would never end: the stream, asked for a type
 * that does not exist, answers 400 at once once the token passed (401 without one).
 */
const QUERIES: Readonly<Record<string, string>> = { 'GET /api/v1/stream': '?types=nothing' };

/** Placeholders that name nothing, so no request changes anything. */
const PLACEHOLDERS: Readonly<Record<string, string>> = { ref: 'rbac.none', id: '999999', name: 'rbacnone', login: 'nobody' };
const PASSWORD = 'rbac-password-1';

describe('RBAC: every route as every built-in role', () => {
  const attune = new AttuneProcess();
  const tokens = new Map<Role, string | undefined>();
  let routes: string[] = [];

  beforeAll(async () => {
    await attune.start();
    tokens.set('admin', attune.token).set('none', undefined);
    for (const role of ROLES.filter((r) => r !== 'admin' && r !== 'none')) {
      const login = `rbac_${role}`;
      const created = await attune.api('POST', '/api/v1/identities', { login, password: PASSWORD, permission_sets: [role] });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const session = await attune.apiAs<{ data: { access_token: string } }>(undefined, 'POST', '/auth/login', { login, password: PASSWORD });
      tokens.set(role, session.body.data.access_token);
    }
    const spec = await attune.api<{ paths: Record<string, Record<string, unknown>> }>('GET', '/api-spec/openapi.json');
    routes = Object.entries(spec.body.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
  });
  afterAll(() => attune.cleanup());

  it('has one row for each route of the OpenAPI document, and none for a route that is gone', () => {
    expect(routes.length).toBeGreaterThan(40);
    expect(routes.filter((route) => TABLE[route] === undefined), 'routes without a row in TABLE').toEqual([]);
    expect(Object.keys(TABLE).filter((route) => !routes.includes(route)), 'rows of TABLE for no route').toEqual([]);
  });

  it('answers each route as the table says, for admin, editor, executor, viewer, key_creator and no token', async () => {
    const wrong: string[] = [];
    for (const route of routes) {
      const [method, template] = route.split(' ') as [string, string];
      const url = template.replace(/\{(\w+)\}/g, (_, name: string) => PLACEHOLDERS[name] ?? 'x') + (QUERIES[route] ?? '');
      const hasBody = ['POST', 'PATCH', 'PUT'].includes(method);
      for (const role of ROLES) {
        const response = await attune.apiAs<{ error?: { code: string } }>(tokens.get(role), method, url, hasBody ? {} : undefined);
        const code = response.body?.error?.code;
        if (response.status >= 500) wrong.push(`${route} as ${role}: ${response.status} ${code}`);
        const allowed = (TABLE[route] ?? []).includes(role);
        const denial = role === 'none' ? { status: 401, code: 'ERR_UNAUTHENTICATED' } : { status: 403, code: 'ERR_FORBIDDEN' };
        const isDenied = response.status === denial.status && code === denial.code;
        if (allowed === isDenied) wrong.push(`${route} as ${role}: expected ${allowed ? 'allowed' : `${denial.status} ${denial.code}`}, got ${response.status} ${code ?? ''}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
