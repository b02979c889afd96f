export { EventIngest, ONE_SHOT_TRIGGERS, type EventIngestOptions } from './event-ingest.js';
export { SensorProcess } from './sensor-process.js';
export { type SensorCredentials, SensorService, type SensorServiceOptions, type SensorTokenGrant } from './sensor-service.js';
export type { SensorLogEntry, SensorStatus, TriggerInstance } from './sensor-types.js';
export { EventQueries } from './event-queries.js';
export { type LeaderWork, SENSOR_LEASE, SensorLeadership, type SensorLeadershipOptions } from './sensor-leadership.js';
export { localSensorStatus, type SensorStatusSource, type SensorStatusView, StoredSensorStatus } from './sensor-status-source.js';
