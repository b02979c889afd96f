import type { Static } from '@sinclair/typebox';
import {
  ErrorDto,
  GrantBody,
  GrantParams,
  IdentityCreateBody as CreateBody,
  IdentityDto,
  IdentityListQuery as ListQuery,
  IdentityPatchBody as PatchBody,
  LoginParams,
  dataOf,
  pageOf,
} from '../../api-contract/index.js';
import { actingOf } from '../acting.js';
import type { ResourceRoutes } from '../resource-routes.js';
import { toIdentityDto } from './auth.js';

/** `/api/v1/identities`: users and service accounts, and the permission sets they hold. */
export const identityRoutes: ResourceRoutes<'identities'> = async (app, { ctx }) => {
  const tags = ['identities'];
  const one = { 200: dataOf(IdentityDto), 400: ErrorDto, 404: ErrorDto, 409: ErrorDto };

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '',
    { config: { permission: 'identities:read' }, schema: { tags, summary: 'List identities', querystring: ListQuery, response: { 200: pageOf(IdentityDto) } } },
    async (request) => {
      const { limit, offset } = request.query;
      const page = await ctx.identities.list({ limit, offset });
      return { data: page.items.map(toIdentityDto), pagination: { limit, offset, total: page.total } };
    },
  );

  app.post<{ Body: Static<typeof CreateBody> }>(
    '',
    {
      config: { permission: 'identities:create' },
      schema: { tags, summary: 'Create a user (with a password) or a service account (without)', body: CreateBody, response: { 201: dataOf(IdentityDto), 400: ErrorDto, 404: ErrorDto, 409: ErrorDto } },
    },
    async (request, reply) => {
      const { login, display_name, password, kind, permission_sets } = request.body;
      const created = await ctx.identities.create(
        { login, ...(display_name === undefined ? {} : { displayName: display_name }), ...(password === undefined ? {} : { password }), ...(kind === undefined ? {} : { kind }), ...(permission_sets === undefined ? {} : { permissionSets: permission_sets }) },
        actingOf(request),
      );
      return reply.status(201).send({ data: toIdentityDto(created) });
    },
  );

  app.get<{ Params: Static<typeof LoginParams> }>(
    '/:login',
    { config: { permission: 'identities:read' }, schema: { tags, summary: 'Show an identity', params: LoginParams, response: one } },
    async (request) => ({ data: toIdentityDto(await ctx.identities.get(request.params.login)) }),
  );

  app.patch<{ Params: Static<typeof LoginParams>; Body: Static<typeof PatchBody> }>(
    '/:login',
    { config: { permission: 'identities:update' }, schema: { tags, summary: "Set an identity's password, or disable or enable it", params: LoginParams, body: PatchBody, response: one } },
    async (request) => {
      const { password, disabled } = request.body;
      const change = { ...(password === undefined ? {} : { password }), ...(disabled === undefined ? {} : { disabled }) };
      return { data: toIdentityDto(await ctx.identities.update(request.params.login, change, actingOf(request))) };
    },
  );

  app.delete<{ Params: Static<typeof LoginParams> }>(
    '/:login',
    { config: { permission: 'identities:delete' }, schema: { tags, summary: 'Delete an identity and its tokens', params: LoginParams, response: { 404: ErrorDto, 409: ErrorDto } } },
    async (request, reply) => {
      await ctx.identities.delete(request.params.login, actingOf(request));
      return reply.status(204).send();
    },
  );

  app.post<{ Params: Static<typeof LoginParams>; Body: Static<typeof GrantBody> }>(
    '/:login/permission-sets',
    { config: { permission: 'identities:update' }, schema: { tags, summary: 'Grant a permission set', params: LoginParams, body: GrantBody, response: one } },
    async (request) => ({ data: toIdentityDto(await ctx.identities.grant(request.params.login, request.body.name, actingOf(request))) }),
  );

  app.delete<{ Params: Static<typeof GrantParams> }>(
    '/:login/permission-sets/:name',
    { config: { permission: 'identities:update' }, schema: { tags, summary: 'Revoke a permission set', params: GrantParams, response: one } },
    async (request) => ({ data: toIdentityDto(await ctx.identities.revoke(request.params.login, request.params.name, actingOf(request))) }),
  );
};
