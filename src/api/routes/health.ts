import { AppError } from '../../domain/index.js';
import { ErrorDto, HealthDto, dataOf } from '../../api-contract/index.js';
import type { ResourceRoutes } from '../resource-routes.js';

/** `/api/v1/health`. */
export const healthRoutes: ResourceRoutes<'version' | 'services' | 'readiness'> = async (app, { ctx }) => {
  app.get(
    '',
    {
      config: { permission: 'public' },
      schema: {
        tags: ['health'],
        summary: 'Readiness and the services this process runs',
        description: 'Answers 200 once every service of the process runs; 503 ERR_NOT_READY while it is still starting.',
        response: { 200: dataOf(HealthDto), 503: ErrorDto },
      },
    },
    () => {
      const services = [...ctx.services];
      if (!ctx.readiness.isReady) {
        throw new AppError('ERR_NOT_READY', 'Attune is starting: not every service runs yet', { details: { status: 'starting', services } });
      }
      return { data: { status: 'ok' as const, version: ctx.version, services } };
    },
  );
};
