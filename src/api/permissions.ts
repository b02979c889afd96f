import type { FastifyInstance } from 'fastify';
import { AppError } from '../domain/index.js';

/**
 * What each route needs, declared in its config: `config: { permission: 'executions:read' }`.
 * Nothing checks it yet. Authorization (the auth issue) is then one `onRequest` hook comparing
 * `request.routeOptions.config.permission` with the caller's permissions: on the root for every
 * route, or inside one resource plugin for its routes alone. Every /api/ route must declare a
 * permission (see requirePermissions), so that hook never meets a route it knows nothing about.
 */
export const API_RESOURCES = ['packs', 'actions', 'executions', 'triggers', 'sensors', 'rules', 'events', 'enforcements', 'webhooks'] as const;
export type ApiResource = (typeof API_RESOURCES)[number];

/** `read` changes nothing; `write` creates, changes, deletes or runs something. */
export const ACCESS_LEVELS = ['read', 'write'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

/** `public`: answered without credentials (only /health, which a load balancer probes). */
export type Permission = `${ApiResource}:${AccessLevel}` | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the route needs; see permissions.ts. */
    readonly permission?: Permission;
  }
}

/** Refuses, at start, any /api/ route that declares no permission: a bug, so the API does not start. */
export function requirePermissions(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/') || route.config?.permission !== undefined) return;
    throw new AppError('ERR_INTERNAL', `route ${String(route.method)} ${route.url} declares no permission (config.permission, see src/api/permissions.ts)`);
  });
}
