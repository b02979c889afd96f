import { type Static, Type } from '@sinclair/typebox';
import type { ParameterSpec } from '../domain/index.js';
import { ComponentFields, FreeObject, PageQuery, Timestamp } from './primitives.js';

export const ActionDto = Type.Object(
  {
    ...ComponentFields,
    runner_type: Type.String(),
    entry_point: Type.String(),
    parameters: FreeObject,
    output: FreeObject,
    parameter_delivery: Type.String(),
    parameter_format: Type.String(),
    output_format: Type.String(),
    timeout_seconds: Type.Integer(),
    max_retries: Type.Integer(),
    api_access: Type.Boolean({ description: 'Its executions get an execution token as ATTUNE_API_TOKEN.' }),
    permission_set: Type.Union([Type.String(), Type.Null()], { description: 'The permission set its executions run with, unless their rule names one.' }),
    created: Timestamp,
    updated: Timestamp,
  },
  { $id: 'Action' },
);
export type ActionJson = Static<typeof ActionDto>;

/**
 * What a client reads from one entry of an action's `parameters` map: the flat parameter spec.
 * The schema types those maps as free objects, so callers narrow each entry.
 */
export type ParameterSpecJson = Partial<ParameterSpec>;

export const ActionListQuery = Type.Object({ ...PageQuery, pack: Type.Optional(Type.String({ description: 'Only this pack’s actions' })) });
