import { type Static, Type } from '@sinclair/typebox';
import { ENFORCEMENT_STATUSES } from '../domain/index.js';
import { MAX_ID, NullableInt, NullableString, PageQuery, Timestamp } from './primitives.js';

export const EnforcementDto = Type.Object(
  {
    id: Type.Integer(),
    rule_id: Type.Integer(),
    rule_ref: Type.String(),
    event_id: Type.Integer(),
    status: Type.Union(ENFORCEMENT_STATUSES.map((s) => Type.Literal(s))),
    execution_id: NullableInt,
    failure: NullableString,
    created: Timestamp,
    updated: Timestamp,
  },
  { $id: 'Enforcement' },
);
export type EnforcementJson = Static<typeof EnforcementDto>;

export const EnforcementListQuery = Type.Object({
  ...PageQuery,
  rule_ref: Type.Optional(Type.String()),
  event: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ID })),
});
