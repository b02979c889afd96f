import type { Static } from '@sinclair/typebox';
import { ErrorDto, IdParams, NewTokenDto, TokenCreateBody as CreateBody, TokenDto, type TokenJson, TokenListQuery as ListQuery, dataOf, pageOf } from '../../api-contract/index.js';
import { type ListedToken, decodeTokenSets } from '../../auth/index.js';
import { apiTokenId } from '../../domain/index.js';
import { actingOf } from '../acting.js';
import { principalOf } from '../permissions.js';
import type { ResourceRoutes } from '../resource-routes.js';

/** A token as listed: what it is and whose, never its value (which is not kept). */
function toTokenDto({ token, login }: ListedToken): TokenJson {
  const sets = decodeTokenSets(token.permissionSet);
  return {
    id: token.id,
    kind: token.kind,
    login,
    name: token.label,
    permission_sets: sets === null ? null : [...sets],
    expires_at: token.expiresAt,
    revoked_at: token.revokedAt,
    last_used_at: token.lastUsedAt,
    created: token.created,
  };
}

/**
 * `/api/v1/tokens`: integration tokens for scripts and CI. Any logged-in identity manages its
 * own (TokenAdmin decides what each caller may do), so the routes need only a valid token.
 */
export const tokenRoutes: ResourceRoutes<'tokens'> = async (app, { ctx }) => {
  const tags = ['tokens'];
  const own = { permission: 'authenticated' } as const;

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '',
    { config: own, schema: { tags, summary: 'List your API tokens (every identity’s with tokens:read)', querystring: ListQuery, response: { 200: pageOf(TokenDto), 403: ErrorDto, 404: ErrorDto } } },
    async (request) => {
      const { limit, offset, kind, login, include_inactive } = request.query;
      const page = await ctx.tokens.list(principalOf(request), {
        limit,
        offset,
        ...(kind === undefined ? {} : { kind }),
        ...(login === undefined ? {} : { login }),
        ...(include_inactive === undefined ? {} : { includeInactive: include_inactive }),
      });
      return { data: page.items.map(toTokenDto), pagination: { limit, offset, total: page.total } };
    },
  );

  app.post<{ Body: Static<typeof CreateBody> }>(
    '',
    { config: own, schema: { tags, summary: 'Create an integration token (shown only in this answer)', body: CreateBody, response: { 201: dataOf(NewTokenDto), 400: ErrorDto, 403: ErrorDto, 404: ErrorDto } } },
    async (request, reply) => {
      const { name, permission_sets, expires_in, login } = request.body;
      const { token, listed } = await ctx.tokens.create(
        principalOf(request),
        { name, ...(permission_sets === undefined ? {} : { permissionSets: permission_sets }), ...(expires_in === undefined ? {} : { expiresInSeconds: expires_in }), ...(login === undefined ? {} : { login }) },
        request.ip,
      );
      return reply.status(201).send({ data: { ...toTokenDto(listed), token } });
    },
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/:id',
    { config: own, schema: { tags, summary: 'Revoke a token at once', params: IdParams, response: { 404: ErrorDto } } },
    async (request, reply) => {
      await ctx.tokens.revoke(principalOf(request), apiTokenId(request.params.id), actingOf(request));
      return reply.status(204).send();
    },
  );
};
