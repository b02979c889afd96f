import type {
  Action,
  Enforcement,
  EnforcementId,
  Event,
  EventId,
  Execution,
  ExecutionId,
  ExecutionStatus,
  Inquiry,
  InquiryId,
  Pack,
  PackId,
  PackMeta,
  Policy,
  ProcessIdentity,
  WorkerRecord,
  Rule,
  Sensor,
  Trigger,
} from '../domain/index.js';
import type {
  ActionInput,
  ComponentFilter,
  EnforcementFilter,
  StoredEventOutcome,
  EventFilter,
  ExecutionFilter,
  ExecutionSummary,
  NewEnforcement,
  NewEvent,
  NewExecution,
  Lease,
  LeaseRequest,
  NewWorkflowState,
  NewInquiry,
  InquiryFilter,
  InquirySettlement,
  Page,
  PageRequest,
  RestoredRecord,
  PolicyInput,
  RuleFilter,
  RuleInput,
  SensorInput,
  SensorReport,
  SensorReportLine,
  TransitionPatch,
  TriggerInput,
  WorkflowStatePatch,
  WorkflowStateRow,
} from './store-types.js';
import type { ApiTokenRepository, AuditRepository, IdentityRepository, KeyRepository, PermissionSetRepository } from './access-repositories.js';

/**
 * The store port (DESIGN §2): the only door to the database. Services receive a `Store` and
 * never learn which database is behind it; `openStore` (kysely-store.ts) is the one adapter,
 * over every `StoreDialect`. Lists are pages ordered as documented per method; "not found" and
 * "lost a race" are `undefined` or `false`, never errors. Storage failures (a full disk) reject
 * with the codes of `isStorageError`.
 */
export interface Store extends Repositories {
  /** Runs `work` in one transaction: every write in it lands, or none does (it rejects with `work`'s error). */
  transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T>;
  /** Releases the database; every write that resolved before stays committed. */
  close(): Promise<void>;
}

/** The repositories, bound to the store or to one of its transactions. */
export interface Repositories {
  readonly packs: PackRepository;
  readonly actions: ActionRepository;
  readonly triggers: TriggerRepository;
  readonly rules: RuleRepository;
  readonly events: EventRepository;
  readonly executions: ExecutionRepository;
  readonly identities: IdentityRepository;
  readonly permissionSets: PermissionSetRepository;
  readonly apiTokens: ApiTokenRepository;
  readonly audit: AuditRepository;
  readonly keys: KeyRepository;
  readonly workflows: WorkflowRepository;
  readonly workers: WorkerRepository;
  readonly inquiries: InquiryRepository;
  readonly leases: LeaseRepository;
  readonly restore: RestoreRepository;
  readonly policies: PolicyRepository;
  readonly sensorReports: SensorReportRepository;
}

export interface PackRepository {
  findByRef(ref: string): Promise<Pack | undefined>;
  /** A page of packs by ref. */
  list(page: PageRequest): Promise<Page<Pack>>;
  /** Every pack by ref. */
  listAll(): Promise<readonly Pack[]>;
  /** Inserts the pack or updates it in place, keeping its id (components reference it). */
  upsert(meta: PackMeta, path: string): Promise<Pack>;
  /** Deletes the pack and, with it, every component it has; false when there was none. */
  deleteByRef(ref: string): Promise<boolean>;
}

/**
 * `replaceForPack` makes a pack's components of one kind exactly `inputs`: the ones no longer in
 * the pack are deleted, changed ones are updated in place (keeping their ids), new ones
 * inserted, and unchanged ones left alone, their `updated` time included (an interval rule's
 * timer counts from it).
 */
export interface ActionRepository {
  findByRef(ref: string): Promise<Action | undefined>;
  /** A page of actions by ref, of one pack or all. */
  list(filter: ComponentFilter): Promise<Page<Action>>;
  /** Every action ref with the ref of its pack. */
  listRefs(): Promise<readonly { ref: string; packRef: string }[]>;
  replaceForPack(pack: PackId, inputs: readonly ActionInput[]): Promise<void>;
}

/** Triggers and the sensors that emit them: both are read-mostly pack components. */
export interface TriggerRepository {
  findByRef(ref: string): Promise<Trigger | undefined>;
  /** A page of triggers by ref, of one pack or all. */
  list(filter: ComponentFilter): Promise<Page<Trigger>>;
  /** Every trigger by ref. */
  listAll(): Promise<readonly Trigger[]>;
  /** As ActionRepository.replaceForPack. */
  replaceForPack(pack: PackId, inputs: readonly TriggerInput[]): Promise<void>;
  findSensorByRef(ref: string): Promise<Sensor | undefined>;
  /** Every sensor by ref. */
  listSensors(): Promise<readonly Sensor[]>;
  /** As ActionRepository.replaceForPack, for the pack's sensors. */
  replaceSensorsForPack(pack: PackId, inputs: readonly SensorInput[]): Promise<void>;
}

export interface RuleRepository {
  findByRef(ref: string): Promise<Rule | undefined>;
  /** A page of rules by ref; every filter given must hold. */
  list(filter: RuleFilter): Promise<Page<Rule>>;
  /** Every enabled rule (on one of `triggerRefs` when given), oldest first. */
  listEnabled(triggerRefs?: readonly string[]): Promise<readonly Rule[]>;
  /** Inserts a rule; undefined when the ref is taken. */
  create(input: RuleInput, pack: PackId): Promise<Rule | undefined>;
  /** Rewrites the rule `ref`; undefined when there is none. */
  update(ref: string, input: RuleInput): Promise<Rule | undefined>;
  /** Enables or disables the rule `ref`; undefined when there is none. */
  setEnabled(ref: string, enabled: boolean): Promise<Rule | undefined>;
  /** False when there was no rule `ref`. */
  deleteByRef(ref: string): Promise<boolean>;
  /**
   * As ActionRepository.replaceForPack, for the rules of the pack's files: rules created through
   * the API stay, and an existing rule keeps its `enabled` (the operator's choice once it exists).
   */
  replaceForPack(pack: PackId, inputs: readonly RuleInput[]): Promise<void>;
}

/** Events (immutable once stored) and the enforcements rules write for them. */
export interface EventRepository {
  create(input: NewEvent): Promise<Event>;
  /** Stores several events with as few statements as the database allows; the events in the order given (ids ascending). */
  createMany(inputs: readonly NewEvent[]): Promise<readonly Event[]>;
  get(id: EventId): Promise<Event | undefined>;
  /** The events of `ids` that exist, by id. */
  getMany(ids: readonly EventId[]): Promise<readonly Event[]>;
  /** A page of events, newest first; every filter given must hold. */
  list(filter: EventFilter): Promise<Page<Event>>;
  /**
   * Whether an event of `triggerRef` targeted `ruleRef` since `since` (ISO time): a one-shot
   * timer that already fired for this rule, not for an earlier, deleted rule of the same ref.
   */
  existsFor(triggerRef: string, ruleRef: string, since?: string): Promise<boolean>;
  /** Marks an event handled by the rule engine; false when it already was. */
  markProcessed(id: EventId): Promise<boolean>;
  /** markProcessed for several events at once: the ids this call marked (not those already processed), ascending. */
  markProcessedMany(ids: readonly EventId[]): Promise<readonly EventId[]>;
  /**
   * Claims events the rule engine has not handled, created at or before `before` and not claimed
   * since then, by id after `afterId`, marking them claimed now: of several processes re-driving
   * at once each gets other events (a claim, not a lock: an event the re-drive lost is claimed
   * again once `before` passes its mark).
   */
  claimUnprocessed(before: string, limit: number, afterId?: number): Promise<readonly Event[]>;
  /**
   * Writes the enforcement of (rule, event) unless one exists, so a redelivered event cannot
   * enforce a rule twice; undefined when it already existed.
   */
  createEnforcement(input: NewEnforcement): Promise<Enforcement | undefined>;
  /** createEnforcement for several (rule, event) pairs at once: the enforcements written, by id; a pair that had one already is left out. */
  createEnforcements(inputs: readonly NewEnforcement[]): Promise<readonly Enforcement[]>;
  /** Records the execution an enforcement started. */
  linkExecution(enforcement: EnforcementId, execution: ExecutionId): Promise<void>;
  /** linkExecution for several enforcements at once, in one statement. */
  linkExecutions(links: readonly { readonly enforcementId: EnforcementId; readonly executionId: ExecutionId }[]): Promise<void>;
  /** A page of enforcements, newest first; every filter given must hold. */
  listEnforcements(filter: EnforcementFilter): Promise<Page<Enforcement>>;
  /**
   * Whether the rule engine has handled an event, and the executions its enforcements started (of
   * its newest `limit` enforcements), in one statement: a webhook's `?wait` reads this at every
   * wake-up. Undefined when the event does not exist.
   */
  outcome(id: EventId, limit: number): Promise<StoredEventOutcome | undefined>;
}

export interface ExecutionRepository {
  /** A new execution in `requested`, attempt 0. */
  create(input: NewExecution): Promise<Execution>;
  /** Creates several executions with as few statements as the database allows; the executions in the order given (ids ascending). */
  createMany(inputs: readonly NewExecution[]): Promise<readonly Execution[]>;
  get(id: ExecutionId): Promise<Execution | undefined>;
  /** The executions of `ids` that exist, by id. */
  getMany(ids: readonly ExecutionId[]): Promise<readonly Execution[]>;
  /** A page of executions, newest first; every filter given must hold. */
  list(filter: ExecutionFilter): Promise<Page<Execution>>;
  /** As `list`, but each result summarised inside the database, never read whole. */
  listSummaries(filter: ExecutionFilter): Promise<Page<ExecutionSummary>>;
  /**
   * Moves an execution to `to` only if it is in one of `from`: a compare-and-set, so of two
   * processes racing for the same row only one wins. The updated execution, or undefined when
   * it was not in an expected status (someone else moved it first).
   */
  transition(id: ExecutionId, from: readonly ExecutionStatus[], to: ExecutionStatus, patch?: TransitionPatch): Promise<Execution | undefined>;
  /** transition for several executions at once, in one statement: the executions it moved, by id (each a compare-and-set of its own). */
  transitionMany(ids: readonly ExecutionId[], from: readonly ExecutionStatus[], to: ExecutionStatus, patch?: TransitionPatch): Promise<readonly Execution[]>;
  /**
   * Records the process running an execution, so a restart can end it if Attune was killed;
   * only while the execution is `running` or `canceling` (a late write cannot mark a finished one).
   */
  recordProcess(id: ExecutionId, identity: ProcessIdentity): Promise<void>;
  /**
   * Claims executions in `statuses` not updated, nor claimed, since `updatedBefore` (ISO time),
   * by id after `afterId`, marking them claimed now, as EventRepository.claimUnprocessed.
   */
  claimStale(statuses: readonly ExecutionStatus[], updatedBefore: string, limit: number, afterId?: number): Promise<readonly Execution[]>;
  /**
   * The with_items children of one task of workflow `parentId` with an id of at least `fromId`
   * (one run of the task), by item index then id: the last of an index is its final attempt.
   */
  listTaskItems(parentId: ExecutionId, taskName: string, fromId: number): Promise<readonly Execution[]>;
  /** Executions in `statuses`, oldest first, by id after `afterId` (what a crash left behind, found at start). */
  findByStatus(statuses: readonly ExecutionStatus[], limit: number, afterId?: number): Promise<readonly Execution[]>;
  /** Executions in `statuses` held by a worker that is not `live` (or was never registered), by id after `afterId`. */
  findOfGoneWorkers(statuses: readonly ExecutionStatus[], limit: number, afterId?: number): Promise<readonly Execution[]>;
}

/** What a worker says of itself when it registers. */
export type NewWorker = Omit<WorkerRecord, 'started' | 'heartbeatAt' | 'status'>;

/**
 * The workers table (DESIGN §2): registration, heart-beats, and the compare-and-set by which one
 * executor declares silent workers dead.
 */
export interface WorkerRepository {
  /** Records the worker as `live`, started and heart-beating now (a restart under the same id starts afresh). */
  register(worker: NewWorker): Promise<WorkerRecord>;
  /**
   * Records a heart-beat of a `live` worker; false when it is not registered or not live — declared
   * dead by an executor, which abandoned or re-dispatched what it ran: the worker then stops those
   * runs and registers again.
   */
  heartbeat(id: string): Promise<boolean>;
  /** The worker stopped on purpose: it runs nothing any more. */
  markStopped(id: string): Promise<void>;
  /** Marks `live` workers silent since before `heartbeatBefore` as `dead`; returns those this call marked (no other caller gets them). */
  markDead(heartbeatBefore: string): Promise<readonly WorkerRecord[]>;
  /** Every registered worker, live ones first, then by id. */
  list(): Promise<readonly WorkerRecord[]>;
  /** Removes `dead` and `stopped` workers whose last heart-beat was before `heartbeatBefore`; how many. */
  purge(heartbeatBefore: string): Promise<number>;
}

/**
 * The state rows of workflow executions (issue 9). Each row changes only by compare-and-set on
 * its version, so two handlers advancing the same workflow never both win, and a delayed start
 * waits in `dueAt`, not in a process's timer.
 */
export interface WorkflowRepository {
  /** Inserts the state of a workflow that starts (version 1); false when it exists already. */
  create(input: NewWorkflowState): Promise<boolean>;
  get(id: ExecutionId): Promise<WorkflowStateRow | undefined>;
  /** Writes `patch` only while the row is still at `version` (it becomes version + 1); false when another writer won. */
  update(id: ExecutionId, version: number, patch: WorkflowStatePatch): Promise<boolean>;
  /** Active workflows with a delayed start due at or before `now` (ISO time), earliest first. */
  findDue(now: string, limit: number): Promise<readonly WorkflowStateRow[]>;
  /** Active workflows not updated since `updatedBefore`, by execution id after `afterId`. */
  findStale(updatedBefore: string, limit: number, afterId?: number): Promise<readonly WorkflowStateRow[]>;
}

/** Inquiries (issue 9 §4); a pending one is changed only by `settle`, a compare-and-set on its status. */
export interface InquiryRepository {
  /** Inserts the inquiry of an execution; undefined when that execution has one already. */
  create(input: NewInquiry): Promise<Inquiry | undefined>;
  get(id: InquiryId): Promise<Inquiry | undefined>;
  findByExecution(id: ExecutionId): Promise<Inquiry | undefined>;
  /** A page of inquiries, newest first; every filter given must hold. */
  list(filter: InquiryFilter): Promise<Page<Inquiry>>;
  /** Ends a `pending` inquiry; undefined when it was no longer pending (someone else settled it). */
  settle(id: InquiryId, settlement: InquirySettlement): Promise<Inquiry | undefined>;
  /** Pending inquiries due at or before `now` (ISO time), earliest first. */
  findDue(now: string, limit: number): Promise<readonly Inquiry[]>;
}

/**
 * Named leases: work only one process may do at a time (the sensor leader, DESIGN §2). A holding
 * is taken, renewed and released by compare-and-set, so two processes never both hold a live
 * lease; each new holding gets a higher `term` (a fencing token: a holder that lost its lease
 * can tell, and a reader can tell two holdings apart). Times are the callers' clocks, which
 * must agree to well within a lease's lifetime (NTP).
 */
export interface LeaseRepository {
  /**
   * Takes the lease for `holder` until `expiresAt` when no one holds it, its holding expired at
   * `now`, or `holder` holds it already (then it is renewed, same term); undefined when another
   * holder's holding is live.
   */
  acquire(request: LeaseRequest): Promise<Lease | undefined>;
  /** Extends the holding `term` of `holder` to `expiresAt`; undefined when it is no longer live (lost or expired). */
  renew(request: LeaseRequest & { readonly term: number }): Promise<Lease | undefined>;
  /** Ends the live holding `term` of `holder` now, so a standby need not wait for it to expire; false when it was not live. */
  release(name: string, holder: string, term: number, now: string): Promise<boolean>;
  get(name: string): Promise<Lease | undefined>;
}

/**
 * What the sensor services report of the sensors they run (issue 8): the database is where an
 * API of any process reads a sensor's status and recent log lines. Writes are fenced by the
 * lease term: a report of an older term than the stored one changes nothing.
 */
export interface SensorReportRepository {
  /** Stores the status (its log lines stay); false when a report of a newer term is stored. */
  saveStatus(report: SensorReport): Promise<boolean>;
  /** Replaces the sensor's kept log lines (oldest first); false when it has no report of `term` or older. */
  saveLogs(ref: string, term: number, lines: readonly SensorReportLine[]): Promise<boolean>;
  get(ref: string): Promise<SensorReport | undefined>;
  /** Every report, by ref. */
  list(): Promise<readonly SensorReport[]>;
  /** The kept log lines, oldest first; undefined when the sensor has no report. */
  logsOf(ref: string): Promise<readonly SensorReportLine[] | undefined>;
}

/**
 * Writing back records another database held, ids and timestamps kept (`attune import`): rows
 * refer to one another by id (an execution to its rule, event and enforcement), and an interval
 * rule's timer counts from its `updated`. Only into an empty database, in one transaction.
 */
export interface RestoreRepository {
  /** Whether the database holds no packs, permission sets, identities, tokens, rules, keys or history. */
  isEmpty(): Promise<boolean>;
  /** Inserts the record as it was; records another refers to must come first (a rule after its pack). */
  insert(record: RestoredRecord): Promise<void>;
  /** Moves every id generator past the largest id inserted, so new rows get new ids. */
  syncIdSequences(): Promise<void>;
}

/** Policies from packs (issue 9 item 5), and the reads of the executor's admit pass. */
export interface PolicyRepository {
  /** Every policy, by ref. */
  list(): Promise<readonly Policy[]>;
  /** The policies of one action; `lock` takes their rows for the transaction where the database locks rows. */
  forAction(actionRef: string, lock?: boolean): Promise<readonly Policy[]>;
  /** Each action some policy names, once. */
  listActionRefs(): Promise<readonly string[]>;
  /** Executions of `actionRef` in `statuses`, oldest (lowest id) first. */
  executionsOf(actionRef: string, statuses: readonly ExecutionStatus[], limit: number): Promise<readonly Execution[]>;
  /** Executions of `actionRef` that started at or after `since` (ISO time) or are `scheduled`, oldest first. */
  startedSince(actionRef: string, since: string, limit: number): Promise<readonly Execution[]>;
  replaceForPack(pack: PackId, inputs: readonly PolicyInput[]): Promise<void>;
}
