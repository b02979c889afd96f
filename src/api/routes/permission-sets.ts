import { type Static, Type } from '@sinclair/typebox';
import { ErrorDto, PermissionSetCreateBody as CreateBody, PermissionSetDto, type PermissionSetJson, SetNameParams, dataOf } from '../../api-contract/index.js';
import type { PermissionSet } from '../../domain/index.js';
import { actingOf } from '../acting.js';
import type { ResourceRoutes } from '../resource-routes.js';

function toPermissionSetDto(set: PermissionSet): PermissionSetJson {
  return {
    name: set.ref,
    description: set.description,
    grants: set.grants.map((grant) => ({ resource: grant.resource, actions: [...grant.actions] })),
    builtin: set.builtin,
    created: set.created,
    updated: set.updated,
  };
}

/** `/api/v1/permission-sets`: the built-in sets (read-only) and custom ones. */
export const permissionSetRoutes: ResourceRoutes<'permissionSets'> = async (app, { ctx }) => {
  const tags = ['permission-sets'];

  app.get(
    '',
    { config: { permission: 'permission_sets:read' }, schema: { tags, summary: 'List permission sets', response: { 200: dataOf(Type.Array(PermissionSetDto)) } } },
    async () => ({ data: (await ctx.permissionSets.list()).map(toPermissionSetDto) }),
  );

  app.post<{ Body: Static<typeof CreateBody> }>(
    '',
    { config: { permission: 'permission_sets:create' }, schema: { tags, summary: 'Create a custom permission set', body: CreateBody, response: { 201: dataOf(PermissionSetDto), 400: ErrorDto, 409: ErrorDto } } },
    async (request, reply) => {
      const { name, description, grants } = request.body;
      const created = await ctx.permissionSets.create({ name, grants, ...(description === undefined ? {} : { description }) }, actingOf(request));
      return reply.status(201).send({ data: toPermissionSetDto(created) });
    },
  );

  app.get<{ Params: Static<typeof SetNameParams> }>(
    '/:name',
    { config: { permission: 'permission_sets:read' }, schema: { tags, summary: 'Show a permission set and its grants', params: SetNameParams, response: { 200: dataOf(PermissionSetDto), 404: ErrorDto } } },
    async (request) => ({ data: toPermissionSetDto(await ctx.permissionSets.get(request.params.name)) }),
  );

  app.delete<{ Params: Static<typeof SetNameParams> }>(
    '/:name',
    { config: { permission: 'permission_sets:delete' }, schema: { tags, summary: 'Delete a custom permission set (every identity loses it)', params: SetNameParams, response: { 404: ErrorDto, 409: ErrorDto } } },
    async (request, reply) => {
      await ctx.permissionSets.delete(request.params.name, actingOf(request));
      return reply.status(204).send();
    },
  );
};
