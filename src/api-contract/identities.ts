import { type Static, Type } from '@sinclair/typebox';
import { IDENTITY_KINDS, LOGIN_PATTERN, PERMISSION_ACTIONS, RESOURCES } from '../domain/index.js';
import { PageQuery, StringEnum, Timestamp } from './primitives.js';

/** `/api/v1/identities` and `/api/v1/permission-sets`: who may use Attune, and what they may do. */

const Login = Type.String({ pattern: LOGIN_PATTERN.source, description: 'Lower case, starting with a letter: letters, digits, _ . -; at most 64 characters.' });
/** Permission set names: like a login, but no dots (a set is named in `<resource>:<action>` messages). */
export const PERMISSION_SET_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,63}$/;
const SetName = Type.String({ pattern: PERMISSION_SET_NAME_PATTERN.source });
const Password = Type.String({ minLength: 8, maxLength: 1024, description: 'At least 8 characters.' });

export const LoginParams = Type.Object({ login: Login });
export const SetNameParams = Type.Object({ name: SetName });
export const GrantParams = Type.Object({ login: Login, name: SetName });

export const IdentityListQuery = Type.Object(PageQuery);

export const IdentityCreateBody = Type.Object(
  {
    login: Login,
    display_name: Type.Optional(Type.String({ maxLength: 200 })),
    password: Type.Optional(Password),
    kind: Type.Optional(StringEnum(IDENTITY_KINDS, { description: 'Default: user with a password, service without.' })),
    permission_sets: Type.Optional(Type.Array(SetName, { maxItems: 32, uniqueItems: true })),
  },
  { additionalProperties: false },
);

export const IdentityPatchBody = Type.Object(
  {
    password: Type.Optional(Password),
    disabled: Type.Optional(Type.Boolean({ description: 'A disabled identity can neither log in nor use its tokens.' })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const GrantBody = Type.Object({ name: SetName }, { additionalProperties: false });

export const PasswordChangeBody = Type.Object({ old_password: Type.String({ minLength: 1, maxLength: 1024 }), new_password: Password }, { additionalProperties: false });

export const GrantDto = Type.Object({
  resource: StringEnum([...RESOURCES, '*'] as const),
  actions: Type.Array(StringEnum([...PERMISSION_ACTIONS, '*'] as const), { minItems: 1, maxItems: PERMISSION_ACTIONS.length + 1, uniqueItems: true }),
});

export const PermissionSetDto = Type.Object(
  { name: Type.String(), description: Type.String(), grants: Type.Array(GrantDto), builtin: Type.Boolean(), created: Timestamp, updated: Timestamp },
  { $id: 'PermissionSet' },
);
export type PermissionSetJson = Static<typeof PermissionSetDto>;

export const PermissionSetCreateBody = Type.Object(
  {
    name: SetName,
    description: Type.Optional(Type.String({ maxLength: 500 })),
    grants: Type.Array(Type.Object(GrantDto.properties, { additionalProperties: false }), { minItems: 1, maxItems: 64 }),
  },
  { additionalProperties: false },
);
