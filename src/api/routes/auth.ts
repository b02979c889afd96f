import type { Static } from '@sinclair/typebox';
import { ErrorDto, type IdentityJson, LoginBody, MeDto, PasswordChangeBody, RefreshBody, SessionDto, dataOf } from '../../api-contract/index.js';
import type { LoginResult } from '../../auth/index.js';
import { AppError, type Identity } from '../../domain/index.js';
import { principalOf } from '../permissions.js';
import type { ResourceRoutes } from '../resource-routes.js';

export function toIdentityDto(identity: Identity): IdentityJson {
  return {
    id: identity.id,
    login: identity.login,
    display_name: identity.displayName,
    kind: identity.kind,
    disabled: identity.disabled,
    permission_sets: [...identity.permissionSets],
    created: identity.created,
    updated: identity.updated,
  };
}

function toSessionDto(session: LoginResult) {
  return {
    access_token: session.accessToken,
    refresh_token: session.refreshToken,
    token_type: session.tokenType,
    expires_in: session.expiresIn,
    user: toIdentityDto(session.identity),
  };
}

/** `/auth`: logins. Login and refresh are public (rate-limited); me and logout need a token. */
export const authRoutes: ResourceRoutes<'auth' | 'identities'> = async (app, { ctx }) => {
  const session = { 200: dataOf(SessionDto), 400: ErrorDto, 401: ErrorDto, 429: ErrorDto };

  app.post<{ Body: Static<typeof LoginBody> }>(
    '/login',
    { config: { permission: 'public' }, schema: { tags: ['auth'], summary: 'Log in with a login and a password', body: LoginBody, response: session } },
    async (request) => ({ data: toSessionDto(await ctx.auth.login(request.body.login, request.body.password, request.ip)) }),
  );

  app.post<{ Body: Static<typeof RefreshBody> }>(
    '/refresh',
    { config: { permission: 'public' }, schema: { tags: ['auth'], summary: 'Trade a refresh token for a new access and refresh token', body: RefreshBody, response: session } },
    async (request) => ({ data: toSessionDto(await ctx.auth.refresh(request.body.refresh_token, request.ip)) }),
  );

  app.get(
    '/me',
    { config: { permission: 'authenticated' }, schema: { tags: ['auth'], summary: 'Who the token stands for, and what it may do', response: { 200: dataOf(MeDto), 401: ErrorDto } } },
    (request) => {
      const principal = principalOf(request);
      const permissions = principal.grants.map((grant) => ({ resource: grant.resource, actions: [...grant.actions] }));
      return { data: { user: toIdentityDto(principal.identity), via: principal.via, permissions } };
    },
  );

  app.post<{ Body: Static<typeof RefreshBody> }>(
    '/logout',
    { config: { permission: 'authenticated' }, schema: { tags: ['auth'], summary: 'Revoke a refresh token', body: RefreshBody, response: { 401: ErrorDto } } },
    async (request, reply) => {
      await ctx.auth.logout(request.body.refresh_token, request.ip);
      return reply.status(204).send();
    },
  );

  app.post<{ Body: Static<typeof PasswordChangeBody> }>(
    '/password',
    {
      config: { permission: 'authenticated' },
      schema: { tags: ['auth'], summary: 'Change your own password (logged in, with the current one); your other logins end', body: PasswordChangeBody, response: { 400: ErrorDto, 401: ErrorDto, 403: ErrorDto } },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.via !== 'access') throw new AppError('ERR_FORBIDDEN', 'a password is changed from a login (attune auth login), not with an API token', { details: { permission: 'authenticated' } });
      await ctx.identities.changeOwnPassword(principal.identity, request.body.old_password, request.body.new_password, request.ip);
      return reply.status(204).send();
    },
  );
};
