import { type Static, Type } from '@sinclair/typebox';
import { POLICY_KINDS, POLICY_ON_EXCEEDED } from '../domain/index.js';
import { ComponentFields, StringEnum, Timestamp } from './primitives.js';

/** `GET /api/v1/policies`: the policies packs installed (docs/policies.md). */
export const PolicyDto = Type.Object(
  {
    ...ComponentFields,
    kind: StringEnum(POLICY_KINDS),
    action: Type.String({ description: 'The action it limits.' }),
    max: Type.Integer({ description: 'concurrency: at most this many active at once; rate: at most this many started per window (per combination of `per` values).' }),
    on_exceeded: StringEnum(POLICY_ON_EXCEEDED, { description: 'enqueue: wait in `scheduling`, oldest first; cancel: end `cancelled`.' }),
    per: Type.Array(Type.String(), { description: 'Parameters whose values each get their own limit.' }),
    window: Type.Union([Type.Integer(), Type.Null()], { description: 'rate: the window, in seconds; null for concurrency.' }),
    created: Timestamp,
    updated: Timestamp,
  },
  { $id: 'Policy' },
);
export type PolicyJson = Static<typeof PolicyDto>;

export const PolicyListQuery = Type.Object({ action: Type.Optional(Type.String({ description: 'Only the policies of this action' })) });
