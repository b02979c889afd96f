import { type Static, Type } from '@sinclair/typebox';
import { ComponentFields, NullableInt, NullableString, Timestamp } from './primitives.js';

const SensorStatusDto = Type.Object({
  state: Type.String(),
  pid: NullableInt,
  restarts: Type.Integer(),
  consecutive_failures: Type.Integer(),
  last_exit: Type.Union([Type.Object({ code: NullableInt, signal: NullableString, at: Timestamp }), Type.Null()]),
  next_restart_at: NullableString,
  instances: Type.Integer(),
  /** Runs inside Attune (pid null) rather than as a process of its own: the core timer sensor by default. */
  in_process: Type.Boolean(),
  /** The sensor service that reported this status (distributed mode); null when the API's own process runs the sensors. */
  service: NullableString,
  /** When that service was last known alive; a sensor whose service is gone shows `stopped` since then. Null as `service`. */
  seen_at: NullableString,
});
export type SensorStatusJson = Static<typeof SensorStatusDto>;

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
export type SensorJson = Static<typeof SensorDto>;

/** `stream` is `stderr` (the sensor's own output) or `attune` (what the supervisor noticed). */
export const SensorLogDto = Type.Object({ at: Timestamp, stream: Type.String(), line: Type.String() });
export type SensorLogJson = Static<typeof SensorLogDto>;

export const SensorLogsQuery = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }) });
