import { type Static, Type } from '@sinclair/typebox';
import {
  ErrorDto,
  RefParams,
  SensorDto,
  type SensorJson,
  SensorLogDto,
  type SensorLogJson,
  SensorLogsQuery as LogsQuery,
  dataOf,
} from '../../api-contract/index.js';
import type { Sensor } from '../../domain/index.js';
import type { SensorLogEntry, SensorStatusView } from '../../sensors/index.js';
import type { ResourceRoutes } from '../resource-routes.js';

/** The status of a sensor that has no process (no enabled rule uses it, or no sensor service ever ran it). */
const IDLE: SensorStatusView = {
  ref: '',
  state: 'stopped',
  pid: null,
  restarts: 0,
  consecutiveFailures: 0,
  lastExit: null,
  nextRestartAt: null,
  instances: 0,
  inProcess: false,
  service: null,
  seenAt: null,
};

function toSensorDto(sensor: Sensor, status: SensorStatusView | undefined): SensorJson {
  const current = status ?? IDLE;
  return {
    id: sensor.id,
    ref: sensor.ref,
    pack_ref: sensor.packRef,
    label: sensor.label,
    description: sensor.description,
    runner_type: sensor.runnerType,
    entry_point: sensor.entryPoint,
    trigger_types: [...sensor.triggerTypes],
    enabled: sensor.enabled,
    live_updates: sensor.liveUpdates,
    status: {
      state: current.state,
      pid: current.pid,
      restarts: current.restarts,
      consecutive_failures: current.consecutiveFailures,
      last_exit: current.lastExit,
      next_restart_at: current.nextRestartAt,
      instances: current.instances,
      in_process: current.inProcess,
      service: current.service,
      seen_at: current.seenAt,
    },
  };
}

function toSensorLogDto(entry: SensorLogEntry): SensorLogJson {
  return { at: entry.at, stream: entry.stream, line: entry.line };
}

/** `/api/v1/sensors`: each sensor as installed, with the status of its process. */
export const sensorRoutes: ResourceRoutes<'packQueries' | 'sensors'> = async (app, { ctx }) => {
  app.get(
    '',
    {
      config: { permission: 'sensors:read' },
      schema: { tags: ['sensors'], summary: 'List sensors with their process status', response: { 200: dataOf(Type.Array(SensorDto)) } },
    },
    async () => {
      const [sensors, statuses] = await Promise.all([ctx.packQueries.listSensors(), ctx.sensors.statuses()]);
      return { data: sensors.map((s) => toSensorDto(s, statuses.get(s.ref))) };
    },
  );

  app.get<{ Params: Static<typeof RefParams> }>(
    '/:ref',
    {
      config: { permission: 'sensors:read' },
      schema: { tags: ['sensors'], summary: 'Show a sensor and its process status', params: RefParams, response: { 200: dataOf(SensorDto), 404: ErrorDto } },
    },
    async (request) => {
      const sensor = await ctx.packQueries.getSensor(request.params.ref);
      return { data: toSensorDto(sensor, await ctx.sensors.statusOf(sensor.ref)) };
    },
  );

  app.get<{ Params: Static<typeof RefParams>; Querystring: Static<typeof LogsQuery> }>(
    '/:ref/logs',
    {
      config: { permission: 'sensors:read' },
      schema: {
        tags: ['sensors'],
        summary: "A sensor's recent log lines: its stderr and what Attune noticed (skipped lines, exits)",
        params: RefParams,
        querystring: LogsQuery,
        response: { 200: dataOf(Type.Array(SensorLogDto)), 404: ErrorDto },
      },
    },
    async (request) => {
      const sensor = await ctx.packQueries.getSensor(request.params.ref);
      return { data: ((await ctx.sensors.logs(sensor.ref, request.query.limit)) ?? []).map(toSensorLogDto) };
    },
  );
};
