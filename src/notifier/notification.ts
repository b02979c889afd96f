import type { Resource } from '../domain/index.js';

/** The entity types the live stream carries (issue 7 §5, inquiries issue 9 §4). */
export const STREAM_ENTITY_TYPES = ['execution', 'event', 'enforcement', 'rule', 'sensor', 'inquiry'] as const;
export type StreamEntityType = (typeof STREAM_ENTITY_TYPES)[number];

/** The resource a subscriber must be able to `read` to receive each type. */
export const STREAM_TYPE_RESOURCES = {
  execution: 'executions',
  event: 'events',
  enforcement: 'enforcements',
  rule: 'rules',
  sensor: 'sensors',
  inquiry: 'inquiries',
} as const satisfies Record<StreamEntityType, Resource>;

export function isStreamEntityType(value: string): value is StreamEntityType {
  return (STREAM_ENTITY_TYPES as readonly string[]).includes(value);
}

/**
 * One entity change as the stream sends it: which entity (`type`, and `id`: a number, or the ref
 * of a rule or sensor), what happened (`change`: a status, `created`, `enabled`, …) and a small
 * summary. Like bus messages it never holds parameters, payloads or results: a client that wants
 * them reads the entity, with its own permissions.
 */
export interface Notification {
  readonly type: StreamEntityType;
  readonly id: number | string;
  readonly change: string;
  readonly summary: Readonly<Record<string, string | number | null>>;
  /** ISO time the notifier saw it. */
  readonly at: string;
}
