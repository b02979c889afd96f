import { type Static, Type } from '@sinclair/typebox';
import { ErrorDto, dataOf } from '../dto.js';
import { SensorDto, SensorLogDto, toSensorDto, toSensorLogDto } from '../dto-pipeline.js';
import type { ResourceRoutes } from '../resource-routes.js';

const RefParams = Type.Object({ ref: Type.String({ minLength: 1, maxLength: 255 }) });
const LogsQuery = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }) });

/** `/api/v1/sensors`: each sensor as installed, with the status of its process. */
export const sensorRoutes: ResourceRoutes<'packQueries' | 'sensors'> = async (app, { ctx }) => {
  app.get(
    '',
    {
      config: { permission: 'sensors:read' },
      schema: { tags: ['sensors'], summary: 'List sensors with their process status', response: { 200: dataOf(Type.Array(SensorDto)) } },
    },
    async () => {
      const sensors = await ctx.packQueries.listSensors();
      return { data: sensors.map((s) => toSensorDto(s, ctx.sensors.statusOf(s.ref))) };
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
      return { data: toSensorDto(sensor, ctx.sensors.statusOf(sensor.ref)) };
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
      return { data: (ctx.sensors.logs(sensor.ref, request.query.limit) ?? []).map(toSensorLogDto) };
    },
  );
};
