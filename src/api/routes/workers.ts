import { WorkerDto, type WorkerJson, dataOf } from '../../api-contract/index.js';
import type { WorkerRecord } from '../../domain/index.js';
import type { ResourceRoutes } from '../resource-routes.js';
import { Type } from '@sinclair/typebox';

function toWorkerDto(worker: WorkerRecord): WorkerJson {
  const { id, host, pid, concurrency, started, status } = worker;
  return { id, host, pid, runtimes: [...worker.runtimes], concurrency, started, heartbeat_at: worker.heartbeatAt, status };
}

/** `/api/v1/workers`: the registered workers, live ones first. */
export const workerRoutes: ResourceRoutes<'workerQueries'> = async (app, { ctx }) => {
  app.get(
    '',
    {
      config: { permission: 'workers:read' },
      schema: { tags: ['workers'], summary: 'List registered workers, live ones first', response: { 200: dataOf(Type.Array(WorkerDto)) } },
    },
    async () => ({ data: (await ctx.workerQueries.list()).map(toWorkerDto) }),
  );
};
