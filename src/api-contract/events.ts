import { type Static, Type } from '@sinclair/typebox';
import { NullableString, PageQuery, Timestamp } from './primitives.js';

export const EventDto = Type.Object(
  {
    id: Type.Integer(),
    trigger_ref: Type.String(),
    payload: Type.Unknown(),
    source: Type.String(),
    rule_ref: NullableString,
    processed_at: Type.Union([Timestamp, Type.Null()]),
    created: Timestamp,
  },
  { $id: 'Event' },
);
export type EventJson = Static<typeof EventDto>;

export const EventListQuery = Type.Object({ ...PageQuery, trigger_ref: Type.Optional(Type.String()), rule_ref: Type.Optional(Type.String()) });

export const EventCreateBody = Type.Object(
  {
    trigger_ref: Type.String({ minLength: 1, maxLength: 255 }),
    payload: Type.Optional(Type.Unknown()),
    rule_ref: Type.Optional(Type.String({ description: 'Target one rule (a per-rule trigger instance).' })),
  },
  { additionalProperties: false },
);
