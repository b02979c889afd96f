import { type Static, Type } from '@sinclair/typebox';
import { ComponentFields, FreeObject, PageQuery, Timestamp } from './primitives.js';

/** `origin` is `pack` (from a pack's rules/*.yaml) or `api` (created through the API or `attune rule create`). */
export const RuleDto = Type.Object(
  {
    ...ComponentFields,
    trigger_ref: Type.String(),
    trigger_params: FreeObject,
    conditions: Type.Array(Type.String()),
    action_ref: Type.String(),
    action_params: FreeObject,
    enabled: Type.Boolean(),
    origin: Type.String(),
    permission_set: Type.Union([Type.String(), Type.Null()], { description: "The permission set its executions run with (null: the action's)." }),
    created: Timestamp,
    updated: Timestamp,
  },
  { $id: 'Rule' },
);
export type RuleJson = Static<typeof RuleDto>;

export const RuleListQuery = Type.Object({
  ...PageQuery,
  pack: Type.Optional(Type.String()),
  trigger_ref: Type.Optional(Type.String()),
  action_ref: Type.Optional(Type.String()),
  enabled: Type.Optional(Type.Boolean()),
});

const Conditions = Type.Union([Type.String(), Type.Array(Type.String())], { description: 'A CEL expression, or a list that must all hold.' });
/** The keys of rules/*.yaml a client may send. */
const RuleFields = {
  label: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  trigger_ref: Type.String({ minLength: 1 }),
  trigger_params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  conditions: Type.Optional(Conditions),
  action_ref: Type.String({ minLength: 1 }),
  action_params: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Values may hold {{ CEL }} templates.' })),
  enabled: Type.Optional(Type.Boolean()),
  permission_set: Type.Optional(
    Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()], { description: "The permission set its executions run with; null: the action's." }),
  ),
};
export const RuleCreateBody = Type.Object({ ref: Type.String({ minLength: 3, maxLength: 255, description: '<pack>.<name>' }), ...RuleFields }, { additionalProperties: false });
export const RulePatchBody = Type.Partial(Type.Object(RuleFields), { additionalProperties: false });
