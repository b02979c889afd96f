import { Type } from '@sinclair/typebox';
import { ENFORCEMENT_STATUSES, type Enforcement, type Event, type FlatSchema, type Rule, type Sensor, type Trigger } from '../domain/index.js';
import { isTemplateReference } from '../rules/index.js';
import type { SensorLogEntry, SensorStatus } from '../sensors/index.js';

import { ComponentFields, FreeObject, NullableInt, NullableString, Timestamp, redactStored } from './dto.js';

/** JSON shapes of the event pipeline: triggers, sensors, rules, events, enforcements. */

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

const SensorStatusDto = Type.Object({
  state: Type.String(),
  pid: NullableInt,
  restarts: Type.Integer(),
  consecutive_failures: Type.Integer(),
  last_exit: Type.Union([Type.Object({ code: NullableInt, signal: NullableString, at: Timestamp }), Type.Null()]),
  next_restart_at: NullableString,
  instances: Type.Integer(),
});

export const SensorDto = Type.Object(
  {
    ...ComponentFields,
    runner_type: Type.String(),
    entry_point: Type.String(),
    trigger_types: Type.Array(Type.String()),
    enabled: Type.Boolean(),
    live_updates: Type.Boolean(),
    status: SensorStatusDto,
  },
  { $id: 'Sensor' },
);

export const SensorLogDto = Type.Object({ at: Timestamp, stream: Type.String(), line: Type.String() });

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
    created: Timestamp,
    updated: Timestamp,
  },
  { $id: 'Rule' },
);

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

export function toTriggerDto(t: Trigger) {
  const { packRef, ...rest } = t;
  return { ...rest, pack_ref: packRef };
}

const IDLE: SensorStatus = { ref: '', state: 'stopped', pid: null, restarts: 0, consecutiveFailures: 0, lastExit: null, nextRestartAt: null, instances: 0 };

export function toSensorDto(s: Sensor, status: SensorStatus | undefined) {
  const current = status ?? IDLE;
  return {
    id: s.id,
    ref: s.ref,
    pack_ref: s.packRef,
    label: s.label,
    description: s.description,
    runner_type: s.runnerType,
    entry_point: s.entryPoint,
    trigger_types: [...s.triggerTypes],
    enabled: s.enabled,
    live_updates: s.liveUpdates,
    status: {
      state: current.state,
      pid: current.pid,
      restarts: current.restarts,
      consecutive_failures: current.consecutiveFailures,
      last_exit: current.lastExit,
      next_restart_at: current.nextRestartAt,
      instances: current.instances,
    },
  };
}

export function toSensorLogDto(entry: SensorLogEntry) {
  return { at: entry.at, stream: entry.stream, line: entry.line };
}

/**
 * `actionSchema`: the parameters of the rule's action (undefined when it is not installed); its
 * secret parameters are masked, except references such as `{{ pack.config.token }}`.
 */
export function toRuleDto(r: Rule, actionSchema: FlatSchema | undefined) {
  return {
    id: r.id,
    ref: r.ref,
    pack_ref: r.packRef,
    label: r.label,
    description: r.description,
    trigger_ref: r.triggerRef,
    trigger_params: r.triggerParams,
    conditions: [...r.conditions],
    action_ref: r.actionRef,
    action_params: redactStored(actionSchema, r.actionParams, isTemplateReference),
    enabled: r.enabled,
    origin: r.origin,
    created: r.created,
    updated: r.updated,
  };
}

export function toEventDto(e: Event) {
  return {
    id: e.id,
    trigger_ref: e.triggerRef,
    payload: e.payload,
    source: e.source,
    rule_ref: e.ruleRef,
    processed_at: e.processedAt,
    created: e.created,
  };
}

export function toEnforcementDto(e: Enforcement) {
  return {
    id: e.id,
    rule_id: e.ruleId,
    rule_ref: e.ruleRef,
    event_id: e.eventId,
    status: e.status,
    execution_id: e.executionId,
    failure: e.failure,
    created: e.created,
    updated: e.updated,
  };
}
