import { type Static, Type } from '@sinclair/typebox';
import { POLICY_KINDS, POLICY_ON_EXCEEDED } from '../domain/index.js';
import { ComponentFields, StringEnum, Timestamp } from './primitives.js';

/** `GET /api/v1/policies`: the policies packs installed (docs/policies.md). */
export const PolicyDto = Type.Object(
  {
    ...ComponentFields,
    kind: StringEnum(POLICY_KINDS),
    action: Type.String({ description: 'The action it limits.' }),
    max: Type.Integer({ description: 'At most this many executions active at once (per combination of `per` values).' }),
    on_exceeded: StringEnum(POLICY_ON_EXCEEDED, { description: 'enqueue: wait in `scheduling`, oldest first; cancel: end `cancelled`.' }),
    per: Type.Array(Type.String(), { description: 'Parameters whose values each get their own limit.' }),
    created: Timestamp,
    updated: Timestamp,
  },
  { $id: 'Policy' },
);
export type PolicyJson = Static<typeof PolicyDto>;

export const PolicyListQuery = Type.Object({ action: Type.Optional(Type.String({ description: 'Only the policies of this action' })) });
