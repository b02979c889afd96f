import type { ColumnType, Generated } from 'kysely';

/** A column with a default: optional on insert and update, always there when read. */
type Defaulted<T> = ColumnType<T, T | undefined, T | undefined>;

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
  identities: IdentityTable;
  permission_sets: PermissionSetTable;
  identity_permission_sets: IdentityPermissionSetTable;
  api_tokens: ApiTokenTable;
  audit_log: AuditLogTable;
  workers: WorkerTable;
  keys: KeyTable;
  workflow_states: WorkflowStateTable;
  inquiries: InquiryTable;
  leases: LeaseTable;
  policies: PolicyTable;
  sensor_reports: SensorReportTable;
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
  /** The permission set an execution token of this action carries (null: the default). */
  permission_set: Defaulted<string | null>;
  /** 1 when the action gets an execution token (ATTUNE_API_TOKEN) to call the API. */
  api_access: Defaulted<number>;
  /** A workflow action's graph as JSON (null for every other action). */
  workflow: Defaulted<string | null>;
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
  /** The permission set its executions run with; overrides the action's (null: the action's). */
  permission_set: Defaulted<string | null>;
}

export interface EventTable {
  id: Generated<number>;
  trigger_ref: string;
  payload: string;
  source: string;
  rule_ref: string | null;
  /** Set once the rule engine has written every enforcement for this event. */
  processed_at: string | null;
  /** When a re-drive last claimed the event (migration 005). */
  redriven_at: string | null;
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
  /** When a re-drive last claimed the execution (migration 005). */
  redriven_at: string | null;
  /** The login of the identity that asked for it (null: a rule, or before logins existed). */
  requested_by: Defaulted<string | null>;
  /** JSON list of parameter names sealed beyond the action's schema (a template read a key). */
  secret_parameters: Defaulted<string>;
  /** The workflow task a child execution runs. */
  task_name: Defaulted<string | null>;
  /** The with_items item a child execution runs (migration 012). */
  task_index: Defaulted<number | null>;
  /** The workflow execution this one re-runs (migration 012). */
  rerun_of: Defaulted<number | null>;
}

export interface IdentityTable {
  id: Generated<number>;
  login: string;
  display_name: string;
  /** 'user' or 'service'. */
  kind: string;
  /** Argon2id; null for service accounts, which never log in with a password. */
  password_hash: string | null;
  disabled: number;
  created: string;
  updated: string;
}

export interface PermissionSetTable {
  id: Generated<number>;
  ref: string;
  description: string;
  /** JSON list of `{resource, actions}`. */
  grants: string;
  builtin: number;
  created: string;
  updated: string;
}

export interface IdentityPermissionSetTable {
  identity_id: number;
  permission_set_id: number;
}

export interface ApiTokenTable {
  id: Generated<number>;
  kind: string;
  /** A keyed hash of the token; the token itself is never stored. */
  hash: string;
  identity_id: number;
  label: string;
  permission_set: string | null;
  execution_id: number | null;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  created: string;
}

export interface WorkerTable {
  id: string;
  host: string;
  pid: number;
  /** JSON array of runner types. */
  runtimes: string;
  concurrency: number;
  started: string;
  heartbeat_at: string;
  status: string;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  actor_id: number | null;
  actor_login: string | null;
  action: string;
  target: string;
  source: string;
  outcome: string;
  details: string;
}

export interface KeyTable {
  id: Generated<number>;
  name: string;
  scope: string;
  /** '' for system keys, the pack ref for pack keys, the login for user keys. */
  owner: string;
  /** The sealed value (SecretBox), as JSON. */
  value: string;
  /** 1: the value is shown only to who may decrypt it (migration 005). */
  secret: Defaulted<number>;
  created_by: string | null;
  created: string;
  updated: string;
}

export interface WorkflowStateTable {
  /** The workflow's own execution. */
  execution_id: number;
  action_ref: string;
  /** The engine's state as JSON: vars, task states, join arrivals, delayed starts. */
  state: string;
  /** Bumped by every write: a writer that read an older version loses (compare-and-set). */
  version: number;
  /** 1 while the workflow runs. */
  active: number;
  /** The earliest delayed start it waits for. */
  due_at: string | null;
  created: string;
  updated: string;
}

export interface InquiryTable {
  id: Generated<number>;
  /** The `core.ask` execution waiting for the answer. */
  execution_id: number;
  prompt: string;
  /** The flat schema of the answer, as JSON. */
  schema: string;
  assignee: string | null;
  role: string | null;
  forbid_requester: number;
  requested_by: string | null;
  status: string;
  /** The answer, as JSON. */
  response: string | null;
  responded_by: string | null;
  /** When it times out. */
  due_at: string;
  created: string;
  updated: string;
}

/** A named lease (migration 010): who holds it, until when, and the term of its holding. */
export interface LeaseTable {
  name: string;
  holder: string;
  /** The fencing token: raised each time the lease passes to a new holding. */
  term: number;
  expires_at: string;
  acquired_at: string;
  renewed_at: string;
}

/** A sensor's status and recent log lines as its sensor service last reported them (migration 013). */
export interface SensorReportTable {
  ref: string;
  state: string;
  pid: number | null;
  restarts: number;
  consecutive_failures: number;
  /** JSON `{code, signal, at}`, or null. */
  last_exit: string | null;
  next_restart_at: string | null;
  instances: number;
  /** 1 or 0. */
  in_process: number;
  service: string;
  term: number;
  /** JSON array of `{at, stream, line}`, oldest first. */
  logs: string;
  updated_at: string;
}

export interface PolicyTable extends PackComponent {
  kind: string;
  action_ref: string;
  max: number;
  on_exceeded: string;
  /** JSON array of parameter names. */
  per: string;
  window_seconds: number | null;
}
