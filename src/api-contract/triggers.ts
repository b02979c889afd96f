import { type Static, Type } from '@sinclair/typebox';
import { ComponentFields, FreeObject, PageQuery, Timestamp } from './primitives.js';

export const TriggerDto = Type.Object(
  {
    ...ComponentFields,
    type: Type.String(),
    parameters: FreeObject,
    output: FreeObject,
    created: Timestamp,
    updated: Timestamp,
  },
  { $id: 'Trigger' },
);
export type TriggerJson = Static<typeof TriggerDto>;

export const TriggerListQuery = Type.Object({ ...PageQuery, pack: Type.Optional(Type.String()) });
