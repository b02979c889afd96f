import { type Static, Type } from '@sinclair/typebox';
import { Timestamp } from './primitives.js';

/** `GET /api/v1/stream`: server-sent events of entity changes. */
export const StreamQuery = Type.Object({
  types: Type.Optional(
    Type.String({ maxLength: 200, description: 'Comma-separated entity types: execution, event, enforcement, rule, sensor, inquiry. Default: every type the token may read.' }),
  ),
  id: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'Only this entity (an id, or the ref of a rule or sensor); needs exactly one type.' })),
});

/** The JSON of one `data:` line of the stream. */
export const StreamMessageDto = Type.Object(
  {
    type: Type.String({ description: 'execution, event, enforcement, rule, sensor or inquiry' }),
    id: Type.Union([Type.Integer(), Type.String()], { description: 'The entity id, or the ref of a rule or sensor.' }),
    change: Type.String({ description: 'An execution or inquiry status; created, updated, enabled, disabled or deleted; a sensor state.' }),
    summary: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Null()])),
    at: Timestamp,
  },
  { $id: 'StreamMessage' },
);
export type StreamMessageJson = Static<typeof StreamMessageDto>;

/** `POST /auth/token/renew`: a new sensor token for the holder of a valid one. */
export const RenewedTokenDto = Type.Object(
  {
    token: Type.String({ description: 'The new sensor token (attune_st_…): shown once.' }),
    expires_at: Timestamp,
  },
  { $id: 'RenewedToken' },
);
export type RenewedTokenJson = Static<typeof RenewedTokenDto>;
