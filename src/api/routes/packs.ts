import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { ErrorDto, PackDto, PageQuery, dataOf, pageOf, toPackDto } from '../dto.js';

const RefParams = Type.Object({ ref: Type.String({ minLength: 1, maxLength: 255 }) });
const RegisterBody = Type.Object({ path: Type.String({ minLength: 1, description: 'Directory holding pack.yaml, on the API host.' }) }, { additionalProperties: false });
const ListQuery = Type.Object(PageQuery);

export function registerPackRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/api/v1/packs',
    { schema: { tags: ['packs'], summary: 'List packs', querystring: ListQuery, response: { 200: pageOf(PackDto) } } },
    async (request) => {
      const { limit, offset } = request.query;
      const page = await ctx.packQueries.listPacks({ limit, offset });
      return { data: page.items.map(toPackDto), pagination: { limit, offset, total: page.total } };
    },
  );

  app.get<{ Params: Static<typeof RefParams> }>(
    '/api/v1/packs/:ref',
    { schema: { tags: ['packs'], summary: 'Show a pack', params: RefParams, response: { 200: dataOf(PackDto), 404: ErrorDto } } },
    async (request) => {
      return { data: toPackDto(await ctx.packQueries.getPack(request.params.ref)) };
    },
  );

  app.post<{ Body: Static<typeof RegisterBody> }>(
    '/api/v1/packs/register',
    {
      schema: {
        tags: ['packs'],
        summary: 'Register (or re-register) the pack in a directory',
        body: RegisterBody,
        response: { 200: dataOf(PackDto), 400: ErrorDto },
      },
    },
    async (request) => ({ data: toPackDto(await ctx.packs.register(request.body.path)) }),
  );

  app.delete<{ Params: Static<typeof RefParams> }>(
    '/api/v1/packs/:ref',
    { schema: { tags: ['packs'], summary: 'Remove a pack and its components', params: RefParams, response: { 404: ErrorDto, 409: ErrorDto } } },
    async (request, reply) => {
      await ctx.packs.remove(request.params.ref);
      return reply.status(204).send();
    },
  );
}
