import Fastify from 'fastify';
import type { Readiness } from '../api/index.js';
import { listen, listenUrl } from './api-service.js';
import { type RunningService, type SharedParts, VERSION } from './service-kit.js';

export interface HealthListener extends RunningService {
  readonly url: string;
}

/**
 * A process without the API still answers its own health check: `GET /api/v1/health` on
 * server.host:server.port, the same body (and 503 ERR_NOT_READY while starting) as the API's.
 * Nothing else is served there.
 */
export async function startHealthListener(shared: SharedParts, services: readonly string[], readiness: Readiness): Promise<HealthListener> {
  const { config } = shared;
  const server = Fastify({ logger: false });
  server.get('/api/v1/health', async (_request, reply) => {
    if (readiness.isReady) return { data: { status: 'ok', version: VERSION, services } };
    return reply.code(503).send({ error: { code: 'ERR_NOT_READY', message: 'Attune is starting: not every service runs yet', details: { status: 'starting', services } } });
  });
  await listen(server, config);
  return { name: 'health', url: listenUrl(server, config, false), stop: () => server.close() };
}
