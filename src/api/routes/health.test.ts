import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { installErrorHandlers } from '../error-handler.js';
import { Readiness } from '../readiness.js';
import { healthRoutes } from './health.js';

describe('GET /api/v1/health', () => {
  let app: FastifyInstance | undefined;
  afterEach(() => app?.close());

  it('answers 503 ERR_NOT_READY while services are starting, and 200 once all run', async () => {
    const readiness = new Readiness();
    app = Fastify() as unknown as FastifyInstance;
    installErrorHandlers(app);
    await app.register(healthRoutes, { prefix: '/api/v1/health', ctx: { version: '1.2.3', services: ['api', 'worker'], readiness } });
    const starting = await app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(starting.statusCode).toBe(503);
    expect(starting.json()).toEqual({
      error: { code: 'ERR_NOT_READY', message: 'Attune is starting: not every service runs yet', details: { status: 'starting', services: ['api', 'worker'] } },
    });
    readiness.markReady();
    const ready = await app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ data: { status: 'ok', version: '1.2.3', services: ['api', 'worker'] } });
  });
});
