import type { Static } from '@sinclair/typebox';
import { ErrorDto, PackDto, type PackJson, PackListQuery as ListQuery, PackRegisterBody as RegisterBody, RefParams, dataOf, pageOf } from '../../api-contract/index.js';
import type { Pack } from '../../domain/index.js';
import { redactSchemaDefaults, redactSecrets } from '../../secrets/index.js';
import { actingOf } from '../acting.js';
import type { ResourceRoutes } from '../resource-routes.js';

/** A pack as the API shows it: secret config values and secret defaults masked. */
function toPackDto(pack: Pack): PackJson {
  return {
    id: pack.id,
    ref: pack.ref,
    label: pack.label,
    description: pack.description,
    version: pack.version,
    author: pack.author,
    path: pack.path,
    conf_schema: redactSchemaDefaults(pack.confSchema),
    config: redactSecrets(pack.confSchema, pack.config),
    created: pack.created,
    updated: pack.updated,
  };
}

/** `/api/v1/packs`. */
export const packRoutes: ResourceRoutes<'audit' | 'packQueries' | 'packs'> = async (app, { ctx }) => {
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
      config: { permission: 'packs:create' },
      schema: {
        tags: ['packs'],
        summary: 'Register (or re-register) the pack in a directory',
        body: RegisterBody,
        response: { 200: dataOf(PackDto), 400: ErrorDto },
      },
    },
    async (request) => {
      const pack = await ctx.packs.register(request.body.path);
      await ctx.audit.change(actingOf(request), 'pack.registered', pack.ref, { path: pack.path, version: pack.version });
      return { data: toPackDto(pack) };
    },
  );

  app.delete<{ Params: Static<typeof RefParams> }>(
    '/:ref',
    {
      config: { permission: 'packs:delete' },
      schema: { tags: ['packs'], summary: 'Remove a pack and its components', params: RefParams, response: { 404: ErrorDto, 409: ErrorDto } },
    },
    async (request, reply) => {
      await ctx.packs.remove(request.params.ref);
      await ctx.audit.change(actingOf(request), 'pack.deleted', request.params.ref);
      return reply.status(204).send();
    },
  );
};
