import { type Static, Type } from '@sinclair/typebox';
import { IDENTITY_KINDS } from '../domain/index.js';
import { StringEnum, Timestamp } from './primitives.js';

/** `/auth`: logins, refresh and logout, and who the caller is. */

export const IdentityDto = Type.Object(
  {
    id: Type.Integer(),
    login: Type.String(),
    display_name: Type.String(),
    kind: StringEnum(IDENTITY_KINDS),
    disabled: Type.Boolean(),
    permission_sets: Type.Array(Type.String()),
    created: Timestamp,
    updated: Timestamp,
  },
  { $id: 'Identity' },
);
export type IdentityJson = Static<typeof IdentityDto>;

export const LoginBody = Type.Object(
  { login: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 1024 }) },
  { additionalProperties: false },
);
export const RefreshBody = Type.Object({ refresh_token: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false });

export const SessionDto = Type.Object(
  {
    access_token: Type.String(),
    refresh_token: Type.String(),
    token_type: Type.Literal('Bearer'),
    expires_in: Type.Integer({ description: 'Seconds the access token is valid for.' }),
    user: IdentityDto,
  },
  { $id: 'Session' },
);
export type SessionJson = Static<typeof SessionDto>;

export const MeDto = Type.Object(
  {
    user: IdentityDto,
    via: Type.String({ description: '"access" for a login, else the kind of API token' }),
    permissions: Type.Array(Type.Object({ resource: Type.String(), actions: Type.Array(Type.String()) })),
  },
  { $id: 'Me' },
);
export type MeJson = Static<typeof MeDto>;
