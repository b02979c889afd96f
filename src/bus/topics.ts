import type { ExecutionStatus, InquiryStatus, RunnerType, TerminalStatus } from '../domain/index.js';

/** Every routing key, the same on both buses (DESIGN §2). */
export const TOPICS = [
  'event.created',
  'event.processed',
  'enforcement.created',
  'execution.requested',
  'execution.dispatch',
  'execution.status.changed',
  'execution.completed',
  'execution.cancel',
  'rule.created',
  'rule.updated',
  'rule.enabled',
  'rule.disabled',
  'rule.deleted',
  'pack.registered',
  'pack.deleted',
  'sensor.status.changed',
  'inquiry.changed',
] as const;
export type Topic = (typeof TOPICS)[number];

interface RuleChanged {
  readonly ruleRef: string;
}
interface PackChanged {
  readonly packRef: string;
}

/**
 * Message bodies carry ids and a small summary; the database is authoritative, so a handler
 * reloads the row and must be idempotent (a message may arrive more than once).
 */
export interface TopicMessages {
  'event.created': { readonly eventId: number; readonly triggerRef: string };
  /** The rule engine has written every enforcement (and execution) the event will ever get. */
  'event.processed': { readonly eventId: number };
  'enforcement.created': { readonly enforcementId: number };
  /** `actionRef` lets the executor tell a workflow from a plain action without reading the row (optional: older senders). */
  'execution.requested': { readonly executionId: number; readonly actionRef?: string };
  /**
   * Routed by `runtime` (see ROUTES): only workers that offer the action's runtime receive it.
   * `actionRef` (optional: older senders) lets a worker see a pure builtin without reading the row first.
   */
  'execution.dispatch': { readonly executionId: number; readonly runtime: RunnerType; readonly actionRef?: string };
  'execution.status.changed': { readonly executionId: number; readonly status: ExecutionStatus; readonly actionRef: string };
  /**
   * `parentId` (optional: older senders) lets the workflow engine skip reading the row of an
   * execution that is no workflow task (`null`); when absent it reads the row.
   */
  'execution.completed': { readonly executionId: number; readonly status: TerminalStatus; readonly actionRef: string; readonly parentId?: number | null };
  'execution.cancel': { readonly executionId: number };
  'rule.created': RuleChanged;
  'rule.updated': RuleChanged;
  'rule.enabled': RuleChanged;
  'rule.disabled': RuleChanged;
  'rule.deleted': RuleChanged;
  'pack.registered': PackChanged;
  'pack.deleted': PackChanged;
  /** A sensor process started (`running`) or ended (`stopped`); for the live stream. */
  'sensor.status.changed': { readonly sensorRef: string; readonly state: 'running' | 'stopped' };
  /** An inquiry was created (`pending`) or ended; for the live stream. */
  'inquiry.changed': { readonly inquiryId: number; readonly status: InquiryStatus; readonly executionId: number };
}

export type Message<T extends Topic = Topic> = {
  [K in T]: { readonly topic: K; readonly body: TopicMessages[K] };
}[T];

/** A message as a consumer receives it: which delivery attempt this is (1 = first). */
export type Delivery<T extends Topic = Topic> = Message<T> & { readonly attempt: number };

/**
 * Topics whose messages are routed by a word of their body (DESIGN §2: `execution.dispatch` per
 * runtime). Such a message travels with the routing key `<topic>.<route>`; a queue bound to the
 * topic takes every route unless its consumer names the routes it wants (ConsumeOptions.routes).
 */
const ROUTES: { readonly [T in Topic]?: (body: TopicMessages[T]) => string } = {
  'execution.dispatch': (body) => body.runtime,
};

/** The route of a message of a routed topic; undefined for every other topic. */
export function routeOf<T extends Topic>(topic: T, body: TopicMessages[T]): string | undefined {
  const route = ROUTES[topic] as ((body: TopicMessages[T]) => string) | undefined;
  return route?.(body);
}

/** Whether messages of `topic` carry a route (a consumer may then take only some routes). */
export function isRouted(topic: Topic): boolean {
  return ROUTES[topic] !== undefined;
}
