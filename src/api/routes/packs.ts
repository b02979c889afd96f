import { type Static, Type } from '@sinclair/typebox';
import { ErrorDto, PackDto, PageQuery, dataOf, pageOf, toPackDto } from '../dto.js';
import type { ResourceRoutes } from '../resource-routes.js';

const RefParams = Type.Object({ ref: Type.String({ minLength: 1, maxLength: 255 }) });
const RegisterBody = Type.Object({ path: Type.String({ minLength: 1, description: 'Directory holding pack.yaml, on the API host.' }) }, { additionalProperties: false });
const ListQuery = Type.Object(PageQuery);

/** `/api/v1/packs`. */
export const packRoutes: ResourceRoutes<'packQueries' | 'packs'> = async (app, { ctx }) => {
  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '',
    { config: { permission: 'packs:read' }, schema: { tags: ['packs'], summary: 'List packs', querystring: ListQuery, response: { 200: pageOf(PackDto) } } },
    async (request) => {
      const { limit, offset } = request.query;
      const page = await ctx.packQueries.listPacks({ limit, offset });
      return { data: page.items.map(toPackDto), pagination: { limit, offset, total: page.total } };
    },
  );

  app.get<{ Params: Static<typeof RefParams> }>(
    '/:ref',
    { config: { permission: 'packs:read' }, schema: { tags: ['packs'], summary: 'Show a pack', params: RefParams, response: { 200: dataOf(PackDto), 404: ErrorDto } } },
    async (request) => ({ data: toPackDto(await ctx.packQueries.getPack(request.params.ref)) }),
  );

  app.post<{ Body: Static<typeof RegisterBody> }>(
    '/register',
    {
      config: { permission: 'packs:write' },
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
    '/:ref',
    {
      config: { permission: 'packs:write' },
      schema: { tags: ['packs'], summary: 'Remove a pack and its components', params: RefParams, response: { 404: ErrorDto, 409: ErrorDto } },
    },
    async (request, reply) => {
      await ctx.packs.remove(request.params.ref);
      return reply.status(204).send();
    },
  );
};
