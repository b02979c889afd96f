import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { type Permission, requirePermissions } from './permissions.js';

describe('requirePermissions', () => {
  let app: FastifyInstance | undefined;
  afterEach(() => app?.close());

  const appWith = async (permission: Permission | undefined, prefix = '/api/v1/things') => {
    app = Fastify() as unknown as FastifyInstance;
    requirePermissions(app);
    await app.register(
      async (plugin) => {
        plugin.get('', permission === undefined ? {} : { config: { permission } }, () => ({ data: [] }));
      },
      { prefix },
    );
    return app;
  };

  it('refuses to start with an /api/ route in a plugin that declares no permission', async () => {
    await expect(appWith(undefined)).rejects.toThrow('route GET /api/v1/things declares no permission');
  });

  it('starts when every /api/ route declares one, and leaves other routes alone', async () => {
    const withPermission = await appWith('packs:read');
    expect((await withPermission.inject({ url: '/api/v1/things' })).statusCode).toBe(200);
    await withPermission.close();
    const outsideApi = await appWith(undefined, '/docs');
    expect((await outsideApi.inject({ url: '/docs' })).statusCode).toBe(200);
  });
});
