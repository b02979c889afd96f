import { type Static, Type } from '@sinclair/typebox';
import { KEY_NAME_PATTERN, KEY_SCOPES, MAX_KEY_VALUE_BYTES } from '../domain/index.js';
import { NullableString, PageQuery, StringEnum, Timestamp } from './primitives.js';

/** A key as the API shows it: `value` only when the caller may read it in clear (docs/keys.md). */
export const KeyDto = Type.Object(
  {
    name: Type.String(),
    scope: StringEnum(KEY_SCOPES),
    owner: Type.String({ description: "'' for system keys, the pack ref for pack keys, the login for user keys." }),
    secret: Type.Boolean(),
    value: Type.Optional(Type.String({ description: 'Present for a non-secret key, and for a secret one read with ?decrypt=true by who may.' })),
    created_by: NullableString,
    created: Timestamp,
    updated: Timestamp,
  },
  { $id: 'Key' },
);
export type KeyJson = Static<typeof KeyDto>;

/** `/{name}` */
export const KeyParams = Type.Object({ name: Type.String({ pattern: KEY_NAME_PATTERN, description: 'Lower-case letters, digits, _ . and -.' }) });

const Scope = {
  scope: Type.Optional(StringEnum(KEY_SCOPES, { description: 'system (default), pack or user.' })),
  owner: Type.Optional(Type.String({ maxLength: 255, description: 'The pack ref of a pack key; the login of a user key (default: yours).' })),
};
export const KeyScopeQuery = Type.Object(Scope);
export const KeyGetQuery = Type.Object({ ...Scope, decrypt: Type.Optional(Type.Boolean({ description: 'Show a secret value in clear (needs keys:decrypt, or owning the user key).' })) });
export const KeyListQuery = Type.Object({ ...PageQuery, ...Scope });

export const KeyPutBody = Type.Object(
  {
    value: Type.String({ maxLength: MAX_KEY_VALUE_BYTES }),
    secret: Type.Optional(Type.Boolean({ default: true, description: 'A secret value is shown only with ?decrypt=true to who may (default true).' })),
  },
  { additionalProperties: false },
);
