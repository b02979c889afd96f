import type { Generated } from 'kysely';

/**
 * The database as Kysely sees it. JSON values are stored as text in both dialects and
 * (de)serialised by the repositories; timestamps are ISO-8601 UTC strings, which sort correctly.
 */
export interface Database {
  packs: PackTable;
  actions: ActionTable;
  triggers: TriggerTable;
  sensors: SensorTable;
  rules: RuleTable;
  events: EventTable;
  enforcements: EnforcementTable;
  executions: ExecutionTable;
}

interface Timestamps {
  created: string;
  updated: string;
}

export interface PackTable extends Timestamps {
  id: Generated<number>;
  ref: string;
  label: string;
  description: string;
  version: string;
  author: string;
  path: string;
  conf_schema: string;
  config: string;
}

interface PackComponent extends Timestamps {
  id: Generated<number>;
  ref: string;
  pack_id: number;
  pack_ref: string;
  label: string;
  description: string;
}

export interface ActionTable extends PackComponent {
  runner_type: string;
  entry_point: string;
  parameters: string;
  output: string;
  parameter_delivery: string;
  parameter_format: string;
  output_format: string;
  timeout_seconds: number;
  max_retries: number;
}

export interface TriggerTable extends PackComponent {
  type: string;
  parameters: string;
  output: string;
}

export interface SensorTable extends PackComponent {
  runner_type: string;
  entry_point: string;
  trigger_types: string;
  parameters: string;
  enabled: number;
  live_updates: Generated<number>;
}

export interface RuleTable extends PackComponent {
  trigger_ref: string;
  trigger_params: string;
  conditions: string;
  action_ref: string;
  action_params: string;
  enabled: number;
  /** 'pack' for rules loaded from rules/*.yaml, 'api' for rules created through the API. */
  origin: string;
}

export interface EventTable {
  id: Generated<number>;
  trigger_ref: string;
  payload: string;
  source: string;
  rule_ref: string | null;
  /** Set once the rule engine has written every enforcement for this event. */
  processed_at: string | null;
  created: string;
}

export interface EnforcementTable {
  id: Generated<number>;
  rule_id: number;
  rule_ref: string;
  event_id: number;
  status: string;
  execution_id: number | null;
  failure: string | null;
  created: string;
  updated: string;
}

export interface ExecutionTable {
  id: Generated<number>;
  action_ref: string;
  status: string;
  parameters: string;
  timeout_seconds: number | null;
  result: string | null;
  rule_id: number | null;
  rule_ref: string | null;
  enforcement_id: number | null;
  event_id: number | null;
  parent_id: number | null;
  worker_id: string | null;
  process: string | null;
  attempt: number;
  created: string;
  updated: string;
  started_at: string | null;
  finished_at: string | null;
}
