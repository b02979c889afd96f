import type { FlatSchema } from './flat-schema.js';
import type { ActionId, EnforcementId, EventId, ExecutionId, PackId, RuleId, SensorId, TriggerId } from './ids.js';
import type { ExecutionStatus } from './statuses.js';
import type { WorkflowSpec } from './workflow.js';

/**
 * How an action (or sensor) runs: a program of its pack (`entry_point`) started by bash, Node,
 * python3 or itself; a command line (its `cmd` parameter) run by /bin/sh (`shell-cmd`, actions
 * only); or an in-process function (`builtin`, actions only).
 */
export const RUNNER_TYPES = ['shell', 'shell-cmd', 'node', 'python', 'native', 'builtin'] as const;
export type RunnerType = (typeof RUNNER_TYPES)[number];

/** A sensor is a long-running program of its pack: never a function, never a command line. */
export const SENSOR_RUNNER_TYPES = RUNNER_TYPES.filter(
  (runner): runner is Exclude<RunnerType, 'builtin' | 'shell-cmd'> => runner !== 'builtin' && runner !== 'shell-cmd',
);

/** What an action may be: a program a runner starts, or a workflow the executor walks. */
export const ACTION_RUNNER_TYPES = [...RUNNER_TYPES, 'workflow'] as const;
export type ActionRunnerType = (typeof ACTION_RUNNER_TYPES)[number];

export const PARAMETER_DELIVERIES = ['stdin', 'file'] as const;
export type ParameterDelivery = (typeof PARAMETER_DELIVERIES)[number];

export const PARAMETER_FORMATS = ['json', 'yaml', 'dotenv'] as const;
export type ParameterFormat = (typeof PARAMETER_FORMATS)[number];

export const OUTPUT_FORMATS = ['text', 'json', 'yaml', 'jsonl'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface Pack {
  readonly id: PackId;
  readonly ref: string;
  readonly label: string;
  readonly description: string;
  readonly version: string;
  readonly author: string;
  /** Absolute directory the pack was registered from. */
  readonly path: string;
  readonly confSchema: FlatSchema;
  readonly config: Readonly<Record<string, unknown>>;
  readonly created: string;
  readonly updated: string;
}

/** What every component of a pack has: a ref, its pack, a label and a description. */
export interface PackComponent {
  readonly ref: string;
  readonly packRef: string;
  readonly label: string;
  readonly description: string;
  readonly created: string;
  readonly updated: string;
}

export interface Action extends PackComponent {
  readonly id: ActionId;
  readonly runnerType: ActionRunnerType;
  readonly entryPoint: string;
  readonly parameters: FlatSchema;
  readonly output: FlatSchema;
  readonly parameterDelivery: ParameterDelivery;
  readonly parameterFormat: ParameterFormat;
  readonly outputFormat: OutputFormat;
  readonly timeoutSeconds: number;
  readonly maxRetries: number;
  /** The action gets an execution token (ATTUNE_API_TOKEN) to call the API while it runs. */
  readonly apiAccess: boolean;
  /** The permission set its executions run with, unless their rule names one. */
  readonly permissionSet: string | null;
  /** The graph of a workflow action (runnerType `workflow`); null for every other action. */
  readonly workflow: WorkflowSpec | null;
}

/** What a finished (or abandoned) execution recorded. */
export interface ExecutionResult {
  readonly exit_code?: number | null;
  readonly signal?: string | null;
  readonly stdout?: string;
  readonly stderr?: string;
  readonly data?: unknown;
  readonly duration_ms?: number;
  readonly error?: string;
  /** Part of the output was cut at the worker's output cap (`worker.max_output_bytes`). */
  readonly truncated?: boolean;
  /** Earlier attempts of an action retried under its `max_retries`, oldest first. */
  readonly previous_attempts?: readonly AttemptSummary[];
  /** A workflow's `output_map`, rendered when it ended. */
  readonly output?: unknown;
  /** A `core.ask`'s answer, and who gave it. */
  readonly response?: Readonly<Record<string, unknown>>;
  readonly responded_by?: string;
}

/** What one failed attempt of a retried execution left behind (`abandoned`: its worker died during it). */
export interface AttemptSummary {
  readonly attempt: number;
  readonly status: 'failed' | 'timeout' | 'abandoned';
  readonly exit_code?: number | null;
  readonly error?: string;
  readonly duration_ms?: number;
}

/**
 * Who an action's process is, well enough to find it again after Attune itself was killed: its
 * pid (also its process group), its start time in clock ticks since boot, and the boot's id.
 */
export interface ProcessIdentity {
  readonly pid: number;
  readonly start: string;
  readonly boot: string;
  /** The cell holding the process and everything it started, where one was made (see src/process). */
  readonly cell?: ProcessCell;
}

/**
 * Where a process and all its descendants are kept so they can be ended together: a cgroup
 * directory (`cgroup2`, `cgroup1`), or a marker in their environment (`environ`).
 */
export interface ProcessCell {
  readonly kind: 'cgroup2' | 'cgroup1' | 'environ';
  /** The cgroup directory, or the marker's value. */
  readonly tag: string;
}

export interface Execution {
  readonly id: ExecutionId;
  readonly actionRef: string;
  readonly status: ExecutionStatus;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly timeoutSeconds: number | null;
  readonly result: ExecutionResult | null;
  readonly ruleId: RuleId | null;
  readonly ruleRef: string | null;
  readonly enforcementId: EnforcementId | null;
  readonly eventId: EventId | null;
  readonly parentId: ExecutionId | null;
  /** The workflow task this child execution runs (null: not a workflow's child). */
  readonly taskName: string | null;
  /** The with_items item this child execution runs (null: not an item). */
  readonly taskIndex: number | null;
  /** The workflow execution this one re-runs (`attune execution rerun`; null: none). */
  readonly rerunOf: ExecutionId | null;
  readonly workerId: string | null;
  /** The running action's process, while a worker runs it as one. */
  readonly process: ProcessIdentity | null;
  readonly attempt: number;
  readonly created: string;
  readonly updated: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  /** The login of the identity that asked for it through the API (null: a rule made it). */
  readonly requestedBy: string | null;
  /**
   * Parameters that are secret beyond what the action's schema marks: a rule template that read
   * a key made them (docs/keys.md). Stored sealed, opened only for the action, masked everywhere.
   */
  readonly secretParameters: readonly string[];
}

export type PackMeta = Pick<Pack, 'ref' | 'label' | 'description' | 'version' | 'author' | 'confSchema' | 'config'>;

export interface Trigger extends PackComponent {
  readonly id: TriggerId;
  readonly type: string;
  readonly parameters: FlatSchema;
  readonly output: FlatSchema;
}

export interface Sensor extends PackComponent {
  readonly id: SensorId;
  readonly runnerType: RunnerType;
  readonly entryPoint: string;
  readonly triggerTypes: readonly string[];
  readonly parameters: FlatSchema;
  readonly enabled: boolean;
  /** The sensor reads `{"type":"triggers",…}` lines on stdin instead of being restarted. */
  readonly liveUpdates: boolean;
}

export const RULE_ORIGINS = ['pack', 'api'] as const;
export type RuleOrigin = (typeof RULE_ORIGINS)[number];

export interface Rule extends PackComponent {
  readonly id: RuleId;
  readonly triggerRef: string;
  readonly triggerParams: Readonly<Record<string, unknown>>;
  readonly conditions: readonly string[];
  readonly actionRef: string;
  readonly actionParams: Readonly<Record<string, unknown>>;
  readonly enabled: boolean;
  readonly origin: RuleOrigin;
  /** The permission set its executions run with; overrides the action's. */
  readonly permissionSet: string | null;
}

export interface Event {
  readonly id: EventId;
  readonly triggerRef: string;
  readonly payload: unknown;
  /** Who emitted it: a sensor ref, `webhook:<name>`, `api`, or `attune` for core.alert. */
  readonly source: string;
  /** The one rule this event targets (a per-rule trigger instance), or null for every rule. */
  readonly ruleRef: string | null;
  readonly processedAt: string | null;
  readonly created: string;
}

export const ENFORCEMENT_STATUSES = ['scheduled', 'failed'] as const;
export type EnforcementStatus = (typeof ENFORCEMENT_STATUSES)[number];

export interface Enforcement {
  readonly id: EnforcementId;
  readonly ruleId: RuleId;
  readonly ruleRef: string;
  readonly eventId: EventId;
  readonly status: EnforcementStatus;
  readonly executionId: ExecutionId | null;
  /** Why no execution was made (a template or parameter error), when status is failed. */
  readonly failure: string | null;
  readonly created: string;
  readonly updated: string;
}

/** A worker's life in the workers table: `dead` once it stopped heart-beating (an executor decides). */
export const WORKER_STATUSES = ['live', 'stopped', 'dead'] as const;
export type WorkerStatus = (typeof WORKER_STATUSES)[number];

/** A worker process as registered in the database (distributed mode: any number, on any hosts). */
export interface WorkerRecord {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  readonly runtimes: readonly RunnerType[];
  readonly concurrency: number;
  readonly started: string;
  readonly heartbeatAt: string;
  readonly status: WorkerStatus;
}
