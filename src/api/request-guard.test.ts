import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installErrorHandlers } from './error-handler.js';
import { installRequestGuard, type RequestGuardOptions } from './request-guard.js';

async function guardedApp(options: Partial<RequestGuardOptions> = {}): Promise<FastifyInstance> {
  const app = Fastify() as unknown as FastifyInstance;
  installErrorHandlers(app);
  installRequestGuard(app, { listenHost: '127.0.0.1', allowedHosts: [], corsOrigins: [], ...options });
  app.get('/thing', () => ({ data: 'read' }));
  app.post('/thing', () => ({ data: 'changed' }));
  await app.ready();
  return app;
}

const errorCode = (body: string): string | undefined => (JSON.parse(body) as { error?: { code: string } }).error?.code;

describe('request guard with the default configuration', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await guardedApp();
  });
  afterAll(() => app.close());

  it.each(['127.0.0.1:8080', 'localhost:8080', 'LOCALHOST', 'ui.localhost:8080', '127.1.2.3', '[::1]:8080', 'localhost.'])('accepts the loopback Host %s', async (host) => {
    const response = await app.inject({ method: 'GET', url: '/thing', headers: { host } });
    expect(response.statusCode).toBe(200);
  });

  it.each(['rebind.attacker.example', 'rebind.attacker.example:8080', '192.168.1.20', 'localhost.attacker.example', 'evil@127.0.0.1', '127.0.0.1/x', '127.0.0.1.nip.io'])(
    'refuses the Host %s on every method, with 403 ERR_HOST_NOT_ALLOWED',
    async (host) => {
      for (const method of ['GET', 'POST'] as const) {
        const response = await app.inject({ method, url: '/thing', headers: { host } });
        expect(response.statusCode).toBe(403);
        expect(errorCode(response.body)).toBe('ERR_HOST_NOT_ALLOWED');
      }
    },
  );

  it('refuses a state-changing request from a foreign or opaque Origin with 403 ERR_ORIGIN_NOT_ALLOWED', async () => {
    for (const origin of ['http://evil.example', 'null', 'http://127.0.0.1:9999', 'http://localhost:8080']) {
      const response = await app.inject({ method: 'POST', url: '/thing', headers: { host: '127.0.0.1:8080', origin } });
      expect(response.statusCode, origin).toBe(403);
      expect(errorCode(response.body)).toBe('ERR_ORIGIN_NOT_ALLOWED');
    }
  });

  it('refuses a foreign Origin on a route that does not exist, too', async () => {
    const response = await app.inject({ method: 'POST', url: '/nothing', headers: { host: '127.0.0.1:8080', origin: 'http://evil.example' } });
    expect(errorCode(response.body)).toBe('ERR_ORIGIN_NOT_ALLOWED');
  });

  it('accepts state-changing requests from its own origin and without an Origin', async () => {
    const own = await app.inject({ method: 'POST', url: '/thing', headers: { host: '127.0.0.1:8080', origin: 'http://127.0.0.1:8080' } });
    expect(own.statusCode).toBe(200);
    const cli = await app.inject({ method: 'POST', url: '/thing', headers: { host: '127.0.0.1:8080' } });
    expect(cli.statusCode).toBe(200);
  });

  it('lets a foreign page read nothing: no CORS headers, and its preflight is refused', async () => {
    const read = await app.inject({ method: 'GET', url: '/thing', headers: { host: '127.0.0.1:8080', origin: 'http://evil.example' } });
    expect(read.statusCode).toBe(200);
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/thing',
      headers: { host: '127.0.0.1:8080', origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.statusCode).toBe(403);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('request guard with configured hosts and origins', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await guardedApp({ listenHost: '10.0.0.5', allowedHosts: ['Attune.Internal'], corsOrigins: ['https://ops.example.com'] });
  });
  afterAll(() => app.close());

  it('accepts the listen address and the allowed names', async () => {
    for (const host of ['10.0.0.5:8080', 'attune.internal', 'attune.internal:443', '127.0.0.1']) {
      const response = await app.inject({ method: 'GET', url: '/thing', headers: { host } });
      expect(response.statusCode, host).toBe(200);
    }
    const other = await app.inject({ method: 'GET', url: '/thing', headers: { host: 'other.internal' } });
    expect(other.statusCode).toBe(403);
  });

  it('answers a listed origin with CORS headers and lets it change state', async () => {
    const headers = { host: 'attune.internal', origin: 'https://ops.example.com' };
    const preflight = await app.inject({ method: 'OPTIONS', url: '/thing', headers: { ...headers, 'access-control-request-method': 'POST' } });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers).toMatchObject({ 'access-control-allow-origin': 'https://ops.example.com', 'access-control-allow-methods': expect.stringContaining('POST') });
    const post = await app.inject({ method: 'POST', url: '/thing', headers });
    expect(post.statusCode).toBe(200);
    expect(post.headers['access-control-allow-origin']).toBe('https://ops.example.com');
    const unlisted = await app.inject({ method: 'POST', url: '/thing', headers: { ...headers, origin: 'https://ops.example.com.evil.example' } });
    expect(unlisted.statusCode).toBe(403);
  });

  it('treats a TLS proxy in front of the API as its own origin', async () => {
    const response = await app.inject({ method: 'POST', url: '/thing', headers: { host: 'attune.internal', origin: 'https://attune.internal' } });
    expect(response.statusCode).toBe(200);
  });

  it('accepts any Host when allowed_hosts holds "*"', async () => {
    const open = await guardedApp({ allowedHosts: ['*'] });
    const response = await open.inject({ method: 'GET', url: '/thing', headers: { host: 'anything.example' } });
    expect(response.statusCode).toBe(200);
    await open.close();
  });
});
