import { type Static, Type } from '@sinclair/typebox';
import { RUNNER_TYPES, WORKER_STATUSES } from '../domain/index.js';
import { StringEnum, Timestamp } from './primitives.js';

/** `GET /api/v1/workers`: the registered worker processes (distributed mode: any number, on any hosts). */
export const WorkerDto = Type.Object(
  {
    id: Type.String(),
    host: Type.String(),
    pid: Type.Integer(),
    runtimes: Type.Array(StringEnum(RUNNER_TYPES)),
    concurrency: Type.Integer(),
    started: Timestamp,
    heartbeat_at: Timestamp,
    status: StringEnum(WORKER_STATUSES, { description: 'live; stopped (shut down); dead (stopped heart-beating: its executions were abandoned).' }),
  },
  { $id: 'Worker' },
);
export type WorkerJson = Static<typeof WorkerDto>;
