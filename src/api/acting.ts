import type { FastifyRequest } from 'fastify';
import type { Acting } from '../auth/index.js';
import { principalOf } from './permissions.js';

/**
 * Who makes the change a request asks for, and from where: what the audit log records. A route
 * that changes something records it with `ctx.audit.change(actingOf(request), 'rule.updated', ref)`.
 */
export function actingOf(request: FastifyRequest): Acting {
  return { actor: principalOf(request).identity, source: request.ip };
}
