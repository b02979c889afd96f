import { type Static, Type } from '@sinclair/typebox';
import { API_TOKEN_KINDS, LOGIN_PATTERN } from '../domain/index.js';
import { NullableString, PageQuery, StringEnum, Timestamp } from './primitives.js';

/** `/api/v1/tokens`: API tokens for scripts and CI. The token itself is shown once, at creation. */

const LISTED_KINDS = API_TOKEN_KINDS.filter((kind) => kind !== 'refresh');
/** Ten years: a token that should never expire is better revoked by hand than set to expire in 2100. */
const MAX_EXPIRY_SECONDS = 315_360_000;

export const TokenDto = Type.Object(
  {
    id: Type.Integer(),
    kind: Type.String(),
    login: Type.String({ description: 'The identity the token acts as.' }),
    name: Type.String(),
    permission_sets: Type.Union([Type.Array(Type.String()), Type.Null()], { description: "null: the identity's own sets, as they are at each request." }),
    expires_at: NullableString,
    revoked_at: NullableString,
    last_used_at: NullableString,
    created: Timestamp,
  },
  { $id: 'Token' },
);
export type TokenJson = Static<typeof TokenDto>;

export const NewTokenDto = Type.Object({ ...TokenDto.properties, token: Type.String({ description: 'The token: shown only now, stored only as a hash.' }) }, { $id: 'NewToken' });
export type NewTokenJson = Static<typeof NewTokenDto>;

export const TokenListQuery = Type.Object({
  ...PageQuery,
  kind: Type.Optional(StringEnum(LISTED_KINDS)),
  login: Type.Optional(Type.String({ pattern: LOGIN_PATTERN.source, description: "Another identity's tokens (needs tokens:read)." })),
  include_inactive: Type.Optional(Type.Boolean({ description: 'Also revoked and expired tokens.' })),
});

export const TokenCreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    permission_sets: Type.Optional(
      Type.Array(Type.String({ pattern: '^[a-z][a-z0-9_-]{0,63}$' }), { minItems: 1, maxItems: 8, uniqueItems: true, description: "A subset of the caller's sets (any sets for an admin); default: the identity's own." }),
    ),
    expires_in: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_EXPIRY_SECONDS, description: 'Seconds until it expires; default: never.' })),
    login: Type.Optional(Type.String({ pattern: LOGIN_PATTERN.source, description: 'Make the token for another identity, e.g. a service account (needs tokens:create).' })),
  },
  { additionalProperties: false },
);
