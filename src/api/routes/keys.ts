import type { Static } from '@sinclair/typebox';
import {
  ErrorDto,
  KeyDto,
  KeyGetQuery as GetQuery,
  type KeyJson,
  KeyListQuery as ListQuery,
  KeyParams as NameParams,
  KeyPutBody as PutBody,
  KeyScopeQuery as ScopeQuery,
  dataOf,
  pageOf,
} from '../../api-contract/index.js';
import type { Key } from '../../domain/index.js';
import { principalOf } from '../permissions.js';
import type { ResourceRoutes } from '../resource-routes.js';

function toKeyDto(key: Key, value?: string): KeyJson {
  return {
    name: key.name,
    scope: key.scope,
    owner: key.owner,
    secret: key.secret,
    ...(value === undefined ? {} : { value }),
    created_by: key.createdBy,
    created: key.created,
    updated: key.updated,
  };
}

const ERRORS = { 400: ErrorDto, 403: ErrorDto, 404: ErrorDto };

/**
 * `/api/v1/keys`: the key datastore (docs/keys.md). Lists never carry values; a secret value is
 * shown only with ?decrypt=true to who may decrypt it. Who may see another user's keys is decided
 * by the key service, not here.
 */
export const keyRoutes: ResourceRoutes<'keys'> = async (app, { ctx }) => {
  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '',
    { config: { permission: 'keys:read' }, schema: { tags: ['keys'], summary: 'List keys (names and flags, never values)', querystring: ListQuery, response: { 200: pageOf(KeyDto), ...ERRORS } } },
    async (request) => {
      const { limit, offset, scope, owner } = request.query;
      const page = await ctx.keys.list(principalOf(request), { limit, offset, ...(scope === undefined ? {} : { scope }), ...(owner === undefined ? {} : { owner }) });
      return { data: page.items.map((key) => toKeyDto(key)), pagination: { limit, offset, total: page.total } };
    },
  );

  app.get<{ Params: Static<typeof NameParams>; Querystring: Static<typeof GetQuery> }>(
    '/:name',
    {
      config: { permission: 'keys:read' },
      schema: { tags: ['keys'], summary: 'Show a key; its value when it is not secret, or with ?decrypt=true', params: NameParams, querystring: GetQuery, response: { 200: dataOf(KeyDto), ...ERRORS } },
    },
    async (request) => {
      const actor = principalOf(request);
      const { scope, owner, decrypt } = request.query;
      const address = ctx.keys.address(actor, request.params.name, scope, owner);
      const view = await ctx.keys.get(actor, address, { decrypt: decrypt === true, source: request.ip });
      return { data: toKeyDto(view.key, view.value) };
    },
  );

  app.put<{ Params: Static<typeof NameParams>; Querystring: Static<typeof ScopeQuery>; Body: Static<typeof PutBody> }>(
    '/:name',
    {
      config: { permission: 'keys:create' },
      schema: {
        tags: ['keys'],
        summary: 'Set a key (creates it, or replaces its value: that needs keys:update too)',
        params: NameParams,
        querystring: ScopeQuery,
        body: PutBody,
        response: { 200: dataOf(KeyDto), ...ERRORS },
      },
    },
    async (request) => {
      const actor = principalOf(request);
      const address = ctx.keys.address(actor, request.params.name, request.query.scope, request.query.owner);
      const key = await ctx.keys.set(actor, address, request.body.value, { secret: request.body.secret ?? true, source: request.ip });
      return { data: toKeyDto(key) };
    },
  );

  app.delete<{ Params: Static<typeof NameParams>; Querystring: Static<typeof ScopeQuery> }>(
    '/:name',
    { config: { permission: 'keys:delete' }, schema: { tags: ['keys'], summary: 'Delete a key', params: NameParams, querystring: ScopeQuery, response: ERRORS } },
    async (request, reply) => {
      const actor = principalOf(request);
      await ctx.keys.delete(actor, ctx.keys.address(actor, request.params.name, request.query.scope, request.query.owner), request.ip);
      return reply.status(204).send();
    },
  );
};
