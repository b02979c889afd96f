import { type Static, Type } from '@sinclair/typebox';
import { FreeObject, PageQuery, Timestamp } from './primitives.js';

export const PackDto = Type.Object(
  {
    id: Type.Integer(),
    ref: Type.String(),
    label: Type.String(),
    description: Type.String(),
    version: Type.String(),
    author: Type.String(),
    path: Type.String(),
    conf_schema: FreeObject,
    config: FreeObject,
    created: Timestamp,
    updated: Timestamp,
  },
  { $id: 'Pack' },
);
export type PackJson = Static<typeof PackDto>;

export const PackListQuery = Type.Object(PageQuery);
export const PackRegisterBody = Type.Object(
  { path: Type.String({ minLength: 1, description: 'Directory holding pack.yaml, on the API host.' }) },
  { additionalProperties: false },
);
