import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthService, Principal } from '../auth/index.js';
import { AppError, type PermissionAction, type Resource, allows, isPermissionAction, isResource } from '../domain/index.js';

/**
 * What each route needs, declared in its config: `config: { permission: 'executions:read' }`.
 * - `<resource>:<action>`: a token whose permission sets grant that action on that resource;
 * - `authenticated`: any valid token (`/auth/me`, `/auth/logout`);
 * - `public`: no token (health, login and refresh, webhooks with their own checks).
 * Every /api/ and /auth/ route must declare one (see requirePermissions), so the hook below never
 * meets a route it knows nothing about.
 */
export type Permission = `${Resource}:${PermissionAction}` | 'authenticated' | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the route needs; see permissions.ts. */
    readonly permission?: Permission;
  }
  interface FastifyRequest {
    /** Who is calling: set by the authentication hook on every route that is not public. */
    principal?: Principal;
  }
}

/** Refuses, at start, any /api/ or /auth/ route that declares no permission: a bug, so the API does not start. */
export function requirePermissions(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    // The OpenAPI document says which routes need no token (its default: a bearer token).
    if (route.config?.permission === 'public' && route.schema) route.schema = { ...route.schema, security: [] };
    if (!/^\/(api|auth)\//.test(route.url) || route.config?.permission !== undefined) return;
    throw new AppError('ERR_INTERNAL', `route ${String(route.method)} ${route.url} declares no permission (config.permission, see src/api/permissions.ts)`);
  });
}

/**
 * One hook for every route: a route that is not public needs `Authorization: Bearer <token>`
 * naming a principal (401 ERR_UNAUTHENTICATED otherwise) whose grants allow the route's permission
 * (403 ERR_FORBIDDEN otherwise). Runs before the body is read, so an anonymous caller cannot make
 * the API parse anything.
 */
export function installAuthentication(app: FastifyInstance, auth: Pick<AuthService, 'authenticate'>): void {
  app.addHook('onRequest', async (request) => {
    const permission = request.routeOptions.config?.permission;
    if (permission === undefined || permission === 'public') return; // the docs, unknown routes (404), public routes
    const token = bearerToken(request);
    const principal = token === undefined ? undefined : await auth.authenticate(token);
    if (!principal) {
      throw new AppError('ERR_UNAUTHENTICATED', token === undefined ? 'this request needs a token: Authorization: Bearer <token>' : 'the token is not valid (expired, revoked or unknown)');
    }
    request.principal = principal;
    if (permission === 'authenticated') return;
    const [resource, action] = permission.split(':');
    if (!isResource(resource) || !isPermissionAction(action)) throw new AppError('ERR_INTERNAL', `route declares an unknown permission "${permission}"`);
    if (!allows(principal.grants, { resource, action })) {
      throw new AppError('ERR_FORBIDDEN', `${principal.identity.login} may not ${action} ${resource} (needs ${permission})`, { details: { permission } });
    }
  });
}

/** The principal of a route that is not public (set by installAuthentication). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('ERR_UNAUTHENTICATED', 'this request needs a token');
  return request.principal;
}

/** The token of `Authorization: Bearer <token>`, if the request has one. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
