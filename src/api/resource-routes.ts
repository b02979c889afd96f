import type { FastifyPluginAsync } from 'fastify';
import type { ApiContext } from './context.js';

/** What a resource plugin is given: the part of the context its routes use, and no more. */
export interface RoutesOptions<K extends keyof ApiContext> {
  readonly ctx: Pick<ApiContext, K>;
}

/**
 * One resource's routes (`routes/<resource>.ts`): an encapsulated Fastify plugin registered under
 * `/api/v1/<resource>` (see buildApi). Its route paths are relative to that prefix: `''` for the
 * collection, `'/:ref'` for one member. Each route names its tag and its permission.
 */
export type ResourceRoutes<K extends keyof ApiContext> = FastifyPluginAsync<RoutesOptions<K>>;
