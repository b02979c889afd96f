import type {
  Action,
  ApiToken,
  ApiTokenKind,
  AuditEntry,
  Enforcement,
  EnforcementId,
  EnforcementStatus,
  Event,
  EventId,
  Execution,
  ExecutionId,
  ExecutionResult,
  ExecutionStatus,
  Grant,
  Inquiry,
  InquiryStatus,
  Identity,
  IdentityId,
  Key,
  KeyAddress,
  KeyScope,
  IdentityKind,
  Pack,
  PermissionSet,
  Rule,
  Policy,
  RuleId,
  Sensor,
  Trigger,
} from '../domain/index.js';

/** What the store port takes and gives besides the domain entities: inputs, filters, pages. */

export interface PageRequest {
  readonly limit: number;
  readonly offset: number;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** How many rows the filter matches in all, for the page's `pagination.total`. */
  readonly total: number;
}

/** A page of one pack's components, or of every pack's. */
export interface ComponentFilter extends PageRequest {
  readonly packRef?: string;
}

/** An action as registration writes it: everything but the generated columns. */
export type ActionInput = Omit<Action, 'id' | 'created' | 'updated'>;
export type TriggerInput = Omit<Trigger, 'id' | 'created' | 'updated'>;
export type SensorInput = Omit<Sensor, 'id' | 'created' | 'updated'>;
export type RuleInput = Omit<Rule, 'id' | 'created' | 'updated'>;
export type PolicyInput = Omit<Policy, 'id' | 'created' | 'updated'>;

export interface RuleFilter extends ComponentFilter {
  readonly triggerRef?: string;
  readonly actionRef?: string;
  readonly enabled?: boolean;
}

export interface NewEvent {
  readonly triggerRef: string;
  readonly payload: unknown;
  readonly source: string;
  readonly ruleRef?: string | null;
}

export interface EventFilter extends PageRequest {
  readonly triggerRef?: string;
  readonly ruleRef?: string;
}

export interface NewEnforcement {
  readonly ruleId: RuleId;
  readonly ruleRef: string;
  readonly eventId: EventId;
  readonly status: EnforcementStatus;
  readonly failure?: string | null;
}

/** What one event caused, as a waiting webhook sender reads it (EventRepository.outcome). */
export interface StoredEventOutcome {
  /** False while the rule engine has not handled the event. */
  readonly processed: boolean;
  /** The executions its enforcements started, newest enforcement first. */
  readonly executions: readonly { readonly id: ExecutionId; readonly status: ExecutionStatus; readonly result: ExecutionResult | null }[];
}

export interface EnforcementFilter extends PageRequest {
  readonly ruleRef?: string;
  readonly eventId?: EventId;
}

export interface NewExecution {
  readonly actionRef: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly timeoutSeconds?: number | null;
  readonly ruleId?: RuleId | null;
  readonly ruleRef?: string | null;
  readonly enforcementId?: EnforcementId | null;
  readonly eventId?: EventId | null;
  readonly parentId?: ExecutionId | null;
  /** The login of the identity that asked for it through the API. */
  readonly requestedBy?: string | null;
  /** Parameters sealed beyond the action's schema (a rule template read a key). */
  readonly secretParameters?: readonly string[];
  /** The workflow task a child execution runs. */
  readonly taskName?: string | null;
  /** The with_items item a child execution runs. */
  readonly taskIndex?: number | null;
  /** The workflow execution this one re-runs. */
  readonly rerunOf?: ExecutionId | null;
}

export interface ExecutionFilter extends PageRequest {
  readonly status?: ExecutionStatus;
  readonly actionRef?: string;
  readonly ruleRef?: string;
  readonly parentId?: ExecutionId;
}

/** Columns a status transition may set along with the status. */
export interface TransitionPatch {
  readonly result?: ExecutionResult;
  readonly workerId?: string;
  /** Sets `startedAt` to now. */
  readonly started?: boolean;
  /** Sets `finishedAt` to now. */
  readonly finished?: boolean;
  /** Adds one to `attempt`, in the same write as the move (the attempt counts at claim time). */
  readonly countAttempt?: boolean;
  /**
   * Moves only while this worker holds the execution: a worker declared dead must not record
   * the outcome of a run that was since given to another worker.
   */
  readonly heldBy?: string;
}

export const ERROR_PREVIEW_CHARS = 1000;

/**
 * What a list shows of an execution's result: the verdict and its size, never the output.
 * A result may hold megabytes of stdout, stderr and data; a page of fifty must stay small.
 */
export interface ResultSummary {
  readonly exit_code: number | null;
  readonly signal: string | null;
  readonly duration_ms: number | null;
  /** `result.error`, cut to ERROR_PREVIEW_CHARS characters (with `…`). */
  readonly error: string | null;
  /** Some output was cut at the worker's cap (builtins record this; processes show a marker in stdout). */
  readonly truncated: boolean;
  /** The stored result's size as JSON, in bytes. */
  readonly size_bytes: number;
}

/** An execution as lists show it: everything but its result, which is summarised. */
export type ExecutionSummary = Omit<Execution, 'result' | 'process'> & { readonly resultSummary: ResultSummary | null };

/** An identity as created: a user has a password hash, a service account none. */
export interface NewIdentity {
  readonly login: string;
  readonly displayName: string;
  readonly kind: IdentityKind;
  readonly passwordHash: string | null;
}

export interface PermissionSetInput {
  readonly ref: string;
  readonly description: string;
  readonly grants: readonly Grant[];
}

export interface NewApiToken {
  readonly kind: ApiTokenKind;
  readonly hash: string;
  readonly identityId: IdentityId;
  readonly label: string;
  readonly permissionSet?: string | null;
  readonly executionId?: ExecutionId | null;
  readonly expiresAt?: string | null;
}

/** A token as stored: with its keyed hash, which only the data dir's key can check a token against. */
export interface StoredApiToken extends ApiToken {
  readonly hash: string;
}

export interface ApiTokenFilter extends PageRequest {
  readonly identityId?: IdentityId;
  readonly kind?: ApiTokenKind;
  /** Revoked and expired tokens too (default: only usable ones). */
  readonly includeInactive?: boolean;
}

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'at'> & { readonly at?: string };

export interface AuditFilter extends PageRequest {
  readonly actorLogin?: string;
  /** An exact action, or a prefix ending in `.` (`auth.`). */
  readonly action?: string;
  readonly since?: string;
}

/** A key to store: its value already sealed by the caller (the store never sees a clear value). */
export interface KeyInput extends KeyAddress {
  readonly value: unknown;
  readonly secret: boolean;
  readonly createdBy: string | null;
}

/** A key as stored, with its sealed value. */
export interface StoredKey extends Key {
  readonly value: unknown;
}

export interface KeyFilter extends PageRequest {
  readonly scope?: KeyScope;
  readonly owner?: string;
  /** Only user keys of this login (and every system and pack key): what a non-admin may see. */
  readonly visibleTo?: string;
}

/** The engine's row for one running (or finished) workflow execution. */
export interface WorkflowStateRow {
  readonly executionId: ExecutionId;
  readonly actionRef: string;
  /** The engine's own document (src/executor owns its shape). */
  readonly state: unknown;
  readonly version: number;
  readonly active: boolean;
  readonly dueAt: string | null;
  readonly created: string;
  readonly updated: string;
}

export interface NewWorkflowState {
  readonly executionId: ExecutionId;
  readonly actionRef: string;
  readonly state: unknown;
  readonly dueAt?: string | null;
  /** False: the row waits for its execution to start (a rerun); true when omitted. */
  readonly active?: boolean;
}

export interface WorkflowStatePatch {
  readonly state: unknown;
  readonly active: boolean;
  readonly dueAt: string | null;
}

/** An inquiry to open: what it asks, of whom, and when it times out. */
export type NewInquiry = Pick<Inquiry, 'executionId' | 'prompt' | 'schema' | 'assignee' | 'role' | 'forbidRequester' | 'requestedBy' | 'dueAt'>;

export interface InquiryFilter extends PageRequest {
  readonly status?: InquiryStatus;
  readonly executionId?: ExecutionId;
}

/** How a pending inquiry ends: its new status, and the answer with who gave it. */
export interface InquirySettlement {
  readonly status: Exclude<InquiryStatus, 'pending'>;
  readonly response?: Readonly<Record<string, unknown>>;
  readonly respondedBy?: string;
}

/** A lease as stored (see LeaseRepository). */
export interface Lease {
  readonly name: string;
  readonly holder: string;
  /** Raised each time the lease is taken by a new holding: two holdings never share a term. */
  readonly term: number;
  /** ISO time the holding ends unless renewed. */
  readonly expiresAt: string;
  /** ISO time this holding began. */
  readonly acquiredAt: string;
  /** ISO time it was last renewed. */
  readonly renewedAt: string;
}

/** Who asks for a lease, at what time (ISO, the caller's clock), for how long. */
export interface LeaseRequest {
  readonly name: string;
  readonly holder: string;
  readonly now: string;
  readonly expiresAt: string;
}

/** A sensor's process status as the sensor service that runs it reported it (see SensorReportRepository). */
export interface SensorReport {
  readonly ref: string;
  /** A SensorState of the sensors folder: `running`, `backoff`, `stopped`… */
  readonly state: string;
  readonly pid: number | null;
  readonly restarts: number;
  readonly consecutiveFailures: number;
  readonly lastExit: { readonly code: number | null; readonly signal: string | null; readonly at: string } | null;
  readonly nextRestartAt: string | null;
  readonly instances: number;
  readonly inProcess: boolean;
  /** The sensor service that runs it: its name as holder of the `sensors` lease. */
  readonly service: string;
  /** The lease term it ran in; a report of an older term never replaces a newer one. */
  readonly term: number;
  /** ISO time of the report. */
  readonly updatedAt: string;
}

/** One of a sensor's recent log lines, as reported (see SensorLogEntry in the sensors folder). */
export interface SensorReportLine {
  readonly at: string;
  readonly stream: string;
  readonly line: string;
}

/**
 * One record as another database held it, ids and timestamps included (`attune import`): what
 * RestoreRepository.insert writes back as it was.
 */
export type RestoredRecord =
  | { readonly kind: 'pack'; readonly data: Pack }
  | { readonly kind: 'permission_set'; readonly data: PermissionSet }
  | { readonly kind: 'identity'; readonly data: Identity & { readonly passwordHash: string | null } }
  | { readonly kind: 'rule'; readonly data: Rule }
  | { readonly kind: 'key'; readonly data: StoredKey }
  | { readonly kind: 'event'; readonly data: Event }
  | { readonly kind: 'enforcement'; readonly data: Enforcement }
  | { readonly kind: 'execution'; readonly data: Execution }
  | { readonly kind: 'workflow_state'; readonly data: WorkflowStateRow }
  | { readonly kind: 'api_token'; readonly data: StoredApiToken };
