import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { ErrorDto, PageQuery, dataOf, pageOf } from '../dto.js';
import { SensorDto, SensorLogDto, TriggerDto, toSensorDto, toSensorLogDto, toTriggerDto } from '../dto-pipeline.js';

const RefParams = Type.Object({ ref: Type.String({ minLength: 1, maxLength: 255 }) });
const ListQuery = Type.Object({ ...PageQuery, pack: Type.Optional(Type.String()) });
const LogsQuery = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }) });

/** Triggers and the sensors that emit them. */
export function registerTriggerRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/api/v1/triggers',
    { schema: { tags: ['triggers'], summary: 'List triggers', querystring: ListQuery, response: { 200: pageOf(TriggerDto) } } },
    async (request) => {
      const { limit, offset, pack } = request.query;
      const page = await ctx.packQueries.listTriggers({ limit, offset, ...(pack === undefined ? {} : { packRef: pack }) });
      return { data: page.items.map(toTriggerDto), pagination: { limit, offset, total: page.total } };
    },
  );

  app.get<{ Params: Static<typeof RefParams> }>(
    '/api/v1/triggers/:ref',
    { schema: { tags: ['triggers'], summary: 'Show a trigger', params: RefParams, response: { 200: dataOf(TriggerDto), 404: ErrorDto } } },
    async (request) => {
      return { data: toTriggerDto(await ctx.packQueries.getTrigger(request.params.ref)) };
    },
  );

  app.get(
    '/api/v1/sensors',
    { schema: { tags: ['sensors'], summary: 'List sensors with their process status', response: { 200: dataOf(Type.Array(SensorDto)) } } },
    async () => {
      const sensors = await ctx.packQueries.listSensors();
      return { data: sensors.map((s) => toSensorDto(s, ctx.sensors.statusOf(s.ref))) };
    },
  );

  app.get<{ Params: Static<typeof RefParams> }>(
    '/api/v1/sensors/:ref',
    { schema: { tags: ['sensors'], summary: 'Show a sensor and its process status', params: RefParams, response: { 200: dataOf(SensorDto), 404: ErrorDto } } },
    async (request) => {
      const sensor = await ctx.packQueries.getSensor(request.params.ref);
      return { data: toSensorDto(sensor, ctx.sensors.statusOf(sensor.ref)) };
    },
  );

  app.get<{ Params: Static<typeof RefParams>; Querystring: Static<typeof LogsQuery> }>(
    '/api/v1/sensors/:ref/logs',
    {
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
}
