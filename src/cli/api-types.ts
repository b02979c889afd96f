import type { EnforcementStatus, ExecutionStatus, ParameterType } from '../domain/index.js';

/**
 * The REST API's JSON shapes as the CLI sees them (snake_case, plain ids). These mirror the API
 * contract rather than the domain entities so the CLI never depends on server internals.
 */
export interface Pagination {
  readonly limit: number;
  readonly offset: number;
  readonly total: number;
}

export interface ListPage<T> {
  readonly data: readonly T[];
  readonly pagination?: Pagination;
}

export interface ParameterSpecJson {
  readonly type?: ParameterType;
  readonly description?: string;
  readonly default?: unknown;
  readonly enum?: readonly unknown[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly required?: boolean;
  readonly secret?: boolean;
}

export interface PackJson {
  readonly id: number;
  readonly ref: string;
  readonly label: string;
  readonly description: string;
  readonly version: string;
  readonly author: string;
  readonly path: string;
  readonly conf_schema: Readonly<Record<string, ParameterSpecJson>>;
  readonly config: Readonly<Record<string, unknown>>;
  readonly created: string;
  readonly updated: string;
}

export interface ActionJson {
  readonly id: number;
  readonly ref: string;
  readonly pack_ref: string;
  readonly label: string;
  readonly description: string;
  readonly runner_type: string;
  readonly entry_point: string;
  readonly parameters: Readonly<Record<string, ParameterSpecJson>>;
  readonly output: Readonly<Record<string, ParameterSpecJson>>;
  readonly timeout_seconds: number;
  readonly max_retries: number;
  readonly created: string;
  readonly updated: string;
}

export interface ExecutionResultJson {
  readonly exit_code?: number | null;
  readonly signal?: string | null;
  readonly stdout?: string;
  readonly stderr?: string;
  readonly data?: unknown;
  readonly duration_ms?: number;
  readonly error?: string;
}

export interface ExecutionJson {
  readonly id: number;
  readonly action_ref: string;
  readonly status: ExecutionStatus;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly timeout_seconds: number | null;
  readonly result: ExecutionResultJson | null;
  readonly rule_id: number | null;
  readonly rule_ref: string | null;
  readonly enforcement_id: number | null;
  readonly event_id: number | null;
  readonly parent_id: number | null;
  readonly worker_id: string | null;
  readonly attempt: number;
  readonly created: string;
  readonly updated: string;
  readonly started_at: string | null;
  readonly finished_at: string | null;
}

export interface HealthJson {
  readonly status: string;
  readonly services: readonly string[];
  readonly version: string;
}

export interface TriggerJson {
  readonly id: number;
  readonly ref: string;
  readonly pack_ref: string;
  readonly label: string;
  readonly description: string;
  readonly type: string;
  readonly parameters: Readonly<Record<string, ParameterSpecJson>>;
  readonly output: Readonly<Record<string, ParameterSpecJson>>;
  readonly created: string;
  readonly updated: string;
}

export interface SensorStatusJson {
  readonly state: string;
  readonly pid: number | null;
  readonly restarts: number;
  readonly consecutive_failures: number;
  readonly last_exit: { readonly code: number | null; readonly signal: string | null; readonly at: string } | null;
  readonly next_restart_at: string | null;
  readonly instances: number;
}

export interface SensorJson {
  readonly id: number;
  readonly ref: string;
  readonly pack_ref: string;
  readonly label: string;
  readonly description: string;
  readonly runner_type: string;
  readonly entry_point: string;
  readonly trigger_types: readonly string[];
  readonly enabled: boolean;
  readonly live_updates: boolean;
  readonly status: SensorStatusJson;
}

export interface SensorLogJson {
  readonly at: string;
  /** `stderr` (the sensor's own output) or `attune` (what the supervisor noticed). */
  readonly stream: string;
  readonly line: string;
}

export interface RuleJson {
  readonly id: number;
  readonly ref: string;
  readonly pack_ref: string;
  readonly label: string;
  readonly description: string;
  readonly trigger_ref: string;
  readonly trigger_params: Readonly<Record<string, unknown>>;
  readonly conditions: readonly string[];
  readonly action_ref: string;
  readonly action_params: Readonly<Record<string, unknown>>;
  readonly enabled: boolean;
  /** `pack` (from a pack's rules/*.yaml) or `api` (created through the API or `attune rule create`). */
  readonly origin: string;
  readonly created: string;
  readonly updated: string;
}

export interface EventJson {
  readonly id: number;
  readonly trigger_ref: string;
  readonly payload: unknown;
  readonly source: string;
  readonly rule_ref: string | null;
  readonly processed_at: string | null;
  readonly created: string;
}

export interface EnforcementJson {
  readonly id: number;
  readonly rule_id: number;
  readonly rule_ref: string;
  readonly event_id: number;
  readonly status: EnforcementStatus;
  readonly execution_id: number | null;
  readonly failure: string | null;
  readonly created: string;
  readonly updated: string;
}
