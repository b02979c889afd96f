import { type Static, Type } from '@sinclair/typebox';
import { AUDIT_OUTCOMES } from '../domain/index.js';
import { FreeObject, NullableString, PageQuery, StringEnum, Timestamp } from './primitives.js';

/** `/api/v1/audit`: who did what, when, from where. Admins only. */

export const AuditEntryDto = Type.Object(
  {
    id: Type.Integer(),
    at: Timestamp,
    actor: NullableString,
    action: Type.String(),
    target: Type.String(),
    source: Type.String({ description: "The client's address, or the service that acted." }),
    outcome: StringEnum(AUDIT_OUTCOMES),
    details: FreeObject,
  },
  { $id: 'AuditEntry' },
);
export type AuditEntryJson = Static<typeof AuditEntryDto>;

export const AuditListQuery = Type.Object({
  ...PageQuery,
  actor: Type.Optional(Type.String({ maxLength: 64, description: 'The login that acted.' })),
  action: Type.Optional(Type.String({ maxLength: 64, description: 'An action (auth.login), or a prefix ending in a dot (auth.).' })),
  since: Type.Optional(Type.String({ format: 'date-time', description: 'Only entries at or after this time.' })),
});
