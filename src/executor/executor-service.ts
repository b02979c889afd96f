import type { Logger } from 'pino';
import { batchingHandler, type Bus, type Consumer, type Delivery } from '../bus/index.js';
import type { ExecutorConfig } from '../config/index.js';
import { ACTIVE_STATUSES, type AttemptSummary, type Execution, type ExecutionId, type ProcessIdentity, type RunnerType, executionId } from '../domain/index.js';
import type { PackCatalog } from '../packs/index.js';
import type { Store } from '../store/index.js';
import { PeriodicTask } from '../supervisor/index.js';
import { Dispatcher } from './dispatcher.js';
import { LiveWorkers } from './live-workers.js';
import { PolicyAdmission } from './policy-admission.js';

export interface ExecutorServiceOptions {
  readonly store: Store;
  readonly bus: Bus;
  readonly log: Logger;
  readonly config: ExecutorConfig;
  /** Actions and which of them policies name, kept in memory: scheduling and completions ask it for every execution. */
  readonly catalog: Pick<PackCatalog, 'governedActions' | 'action'>;
  /** Ends what is left of an orphan's process, if it still runs; true when it did. */
  readonly reapOrphan?: (process: ProcessIdentity) => boolean;
  /** Runs workflow actions: a requested workflow goes there instead of to a worker. */
  readonly workflows?: WorkflowStarter;
  /** A worker silent this long is dead (config worker.heartbeat_timeout_ms); default 30 s. */
  readonly heartbeatTimeoutMs?: number;
  /** How often workers heart-beat (config worker.heartbeat_ms): the view of live workers is read again as often. Default 5 s. */
  readonly heartbeatMs?: number;
  /** How long the row of a dead or stopped worker is kept (config worker.retention_ms); default 24 h. */
  readonly workerRetentionMs?: number;
  /** Opens inquiries: a requested `core.ask` goes there instead of to a worker. */
  readonly inquiries?: InquiryStarter;
}

/** The part of the inquiry service the executor hands requested `core.ask` executions to. */
export interface InquiryStarter {
  isInquiry(actionRef: string): Promise<boolean>;
  begin(id: ExecutionId): Promise<void>;
}

const DEAD_WORKER_REASON = 'abandoned: the worker running it stopped heart-beating';

/** The part of the workflow engine the executor hands requested workflow executions to. */
export interface WorkflowStarter {
  isWorkflow(actionRef: string): Promise<boolean>;
  begin(id: ExecutionId): Promise<void>;
}

/** Dead workers' rows are purged at most this often (a DELETE each supervisor pass would be waste). */
const PURGE_EVERY_MS = 60_000;

/** Rows re-driven per supervisor pass, so a backlog never floods the bus at once. */
const REDRIVE_BATCH = 200;
const SCHEDULE_PREFETCH = 64;

/**
 * Schedules requested executions and hands them to workers, and supervises what a crash or a
 * lost message left behind. It owns every status up to `scheduled`.
 *
 * `scheduling` is the status an execution holds while a concurrency policy delays it (see
 * PolicyAdmission); an action no policy names moves from `requested` to `scheduled` in one
 * compare-and-set.
 */
export class ExecutorService {
  readonly #store: Store;
  readonly #bus: Bus;
  readonly #log: Logger;
  readonly #config: ExecutorConfig;
  readonly #reapOrphan: ((process: ProcessIdentity) => boolean) | undefined;
  readonly #workflows: WorkflowStarter | undefined;
  readonly #inquiries: InquiryStarter | undefined;
  #consumer: Consumer | undefined;
  #completions: Consumer | undefined;
  readonly #admission: PolicyAdmission;
  readonly #supervisor: PeriodicTask;
  readonly #heartbeatTimeoutMs: number;
  readonly #workerRetentionMs: number;
  readonly #catalog: Pick<PackCatalog, 'governedActions' | 'action'>;
  readonly #workers: LiveWorkers;
  readonly #dispatcher: Dispatcher;
  #purgedAt = 0;
  /** Set once consuming: before that, the re-drive at start (services/executor-service.ts) dispatches what waits. */
  #isStarted = false;

  constructor(options: ExecutorServiceOptions) {
    this.#store = options.store;
    this.#bus = options.bus;
    this.#log = options.log.child({ svc: 'executor' });
    this.#config = options.config;
    this.#reapOrphan = options.reapOrphan;
    this.#workflows = options.workflows;
    this.#inquiries = options.inquiries;
    this.#heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 30_000;
    this.#workerRetentionMs = options.workerRetentionMs ?? 86_400_000;
    this.#catalog = options.catalog;
    this.#workers = new LiveWorkers({
      workers: this.#store.workers,
      log: this.#log,
      refreshMs: options.heartbeatMs ?? 5000,
      heartbeatTimeoutMs: this.#heartbeatTimeoutMs,
      onGained: (runtimes) => this.#onRuntimesGained(runtimes),
    });
    this.#dispatcher = new Dispatcher({ store: this.#store, bus: this.#bus, log: this.#log, catalog: options.catalog, workers: this.#workers });
    this.#admission = new PolicyAdmission(this.#store, this.#bus, this.#log, options.catalog, (id, actionRef) => this.#startOrDispatch(id, actionRef));
    this.#supervisor = new PeriodicTask('executor.redrive', this.#config.supervisor_interval_ms, () => this.#supervise(), this.#log);
  }

  async start(): Promise<void> {
    await this.#workers.start();
    // Requests that queue up are scheduled together: one compare-and-set for all of them.
    const schedule = batchingHandler<'execution.requested'>(
      (deliveries) => this.#scheduleMany(deliveries),
      (delivery) => this.#schedule(delivery),
    );
    this.#consumer = await this.#bus.consume('executor.requested', ['execution.requested'], schedule, { prefetch: SCHEDULE_PREFETCH });
    // A finished execution frees a place under its action's policies: admit the next waiting one.
    this.#completions = await this.#bus.consume('executor.completed', ['execution.completed'], (d) => this.#onCompleted(d), {
      prefetch: SCHEDULE_PREFETCH,
    });
    this.#supervisor.start();
    this.#isStarted = true;
  }

  async stop(): Promise<void> {
    this.#isStarted = false;
    await this.#supervisor.stop();
    await this.#workers.stop();
    await this.#consumer?.cancel();
    await this.#completions?.cancel();
  }

  /**
   * Marks executions a dead process left `running` or `canceling` as `abandoned`. In the
   * embedded mode every worker lives in this process, so at start all of them are orphans.
   */
  async abandonOrphans(reason: string): Promise<number> {
    return this.#abandonEach((limit, afterId) => this.#store.executions.findByStatus(ACTIVE_STATUSES, limit, afterId), reason);
  }

  /**
   * The distributed counterpart of abandonOrphans: declares workers silent for longer than the
   * heartbeat timeout dead (one executor wins each), then abandons the executions held by any
   * worker that is not live. The status compare-and-set makes a second executor's pass a no-op.
   */
  async abandonDeadWorkers(): Promise<number> {
    const dead = await this.#store.workers.markDead(new Date(Date.now() - this.#heartbeatTimeoutMs).toISOString());
    for (const worker of dead) this.#log.warn({ workerId: worker.id, host: worker.host, lastHeartbeat: worker.heartbeatAt }, 'worker stopped heart-beating: declared dead');
    return this.#abandonEach((limit, afterId) => this.#store.executions.findOfGoneWorkers(ACTIVE_STATUSES, limit, afterId), DEAD_WORKER_REASON);
  }

  async #supervise(): Promise<void> {
    await this.abandonDeadWorkers();
    if (Date.now() - this.#purgedAt >= PURGE_EVERY_MS) await this.purgeGoneWorkers();
    await this.redrive();
    await this.admitWaiting();
  }

  /** Removes the rows of workers dead or stopped for longer than the retention, so `attune worker list` stays short. */
  async purgeGoneWorkers(): Promise<number> {
    this.#purgedAt = Date.now();
    const purged = await this.#store.workers.purge(new Date(Date.now() - this.#workerRetentionMs).toISOString());
    if (purged > 0) this.#log.info({ count: purged, retentionMs: this.#workerRetentionMs }, 'rows of long-gone workers removed');
    return purged;
  }

  /** Live workers offer runtimes none offered before: what waited for them in `scheduled` goes now. */
  async #onRuntimesGained(runtimes: readonly RunnerType[]): Promise<void> {
    this.#dispatcher.served(runtimes);
    if (this.#isStarted) await this.redrive(0);
  }

  /** Runs an admit pass for every action a policy names: what a lost execution.completed left waiting goes on. */
  async admitWaiting(): Promise<void> {
    await this.#admission.admitAll();
  }

  async #onCompleted(delivery: Delivery<'execution.completed'>): Promise<void> {
    if (await this.#admission.governs(delivery.body.actionRef)) await this.#admission.admit(delivery.body.actionRef);
  }

  async #abandonEach(find: (limit: number, afterId: number) => Promise<readonly Execution[]>, reason: string): Promise<number> {
    let count = 0;
    let afterId = 0;
    for (;;) {
      const orphans = await find(REDRIVE_BATCH, afterId);
      if (orphans.length === 0) return count;
      for (const orphan of orphans) {
        afterId = orphan.id;
        // No worker holds a running workflow: its state is in the database and it goes on.
        if (orphan.workerId !== null && (await this.#abandon(orphan, reason))) count++;
      }
    }
  }

  async #abandon(orphan: Execution, reason: string): Promise<boolean> {
    const reaped = orphan.process !== null && (this.#reapOrphan?.(orphan.process) ?? false);
    const error = reaped ? `${reason}; its process was still running and has been killed` : reason;
    if (await this.#retryAbandoned(orphan, error)) return true;
    const moved = await this.#store.executions.transition(orphan.id, ACTIVE_STATUSES, 'abandoned', {
      finished: true,
      result: { ...orphan.result, error },
    });
    if (!moved) return false;
    this.#log.warn({ executionId: orphan.id, actionRef: orphan.actionRef, workerId: orphan.workerId }, 'execution abandoned');
    await this.#publishFinished(orphan.id, orphan.actionRef);
    return true;
  }

  /**
   * An execution whose worker died runs again, on whichever worker takes it, while its attempts
   * stay within the action's `max_retries` (as a failed run does): back to `scheduled` with a
   * summary of the lost attempt; the next claim counts the attempt. A `canceling` one is not:
   * it was meant to stop. The compare-and-set on `running` makes a second executor's try a no-op,
   * and a worker declared dead records nothing over it (its writes need it to hold the row).
   */
  async #retryAbandoned(orphan: Execution, error: string): Promise<boolean> {
    if (orphan.status !== 'running') return false;
    const action = await this.#catalog.action(orphan.actionRef);
    if (!action || orphan.attempt > action.maxRetries) return false;
    const summary: AttemptSummary = { attempt: orphan.attempt, status: 'abandoned', error };
    const previous = [...(orphan.result?.previous_attempts ?? []), summary];
    const again = await this.#store.executions.transition(orphan.id, ['running'], 'scheduled', { result: { previous_attempts: previous } });
    if (!again) return false;
    this.#log.warn({ executionId: orphan.id, actionRef: orphan.actionRef, workerId: orphan.workerId, attempt: orphan.attempt }, 'execution of a dead worker retried');
    await this.#bus.publish('execution.status.changed', { executionId: orphan.id, status: 'scheduled', actionRef: orphan.actionRef });
    await this.#dispatcher.dispatch(orphan.id, orphan.actionRef);
    return true;
  }

  /**
   * Moves every execution of the batch that no policy, workflow or inquiry concerns from
   * `requested` to `scheduled` in one statement (each row still its own compare-and-set); the
   * others go one by one through #schedule.
   */
  async #scheduleMany(deliveries: readonly Delivery<'execution.requested'>[]): Promise<void> {
    const plain = new Set<ExecutionId>();
    for (const delivery of deliveries) {
      if (await this.#isPlain(delivery.body.actionRef)) plain.add(executionId(delivery.body.executionId));
      else await this.#schedule(delivery);
    }
    if (plain.size === 0) return;
    // `scheduled` before the dispatch, as #schedule does, so every live stream sees it before
    // `running`; the bus sends in call order, so no broker confirm is waited for in between.
    const sent: Promise<unknown>[] = [];
    for (const scheduled of await this.#store.executions.transitionMany([...plain], ['requested'], 'scheduled')) {
      sent.push(this.#bus.publish('execution.status.changed', { executionId: scheduled.id, status: 'scheduled', actionRef: scheduled.actionRef }));
      sent.push(this.#dispatcher.dispatch(scheduled.id, scheduled.actionRef));
    }
    await Promise.all(sent);
  }

  /** Whether an action goes straight to a worker: no workflow, no inquiry, no policy. False when the message does not name it. */
  async #isPlain(actionRef: string | undefined): Promise<boolean> {
    if (actionRef === undefined) return false;
    if (await this.#workflows?.isWorkflow(actionRef)) return false;
    if (await this.#inquiries?.isInquiry(actionRef)) return false;
    return !(await this.#admission.governs(actionRef));
  }

  async #schedule(delivery: Delivery<'execution.requested'>): Promise<void> {
    const id = executionId(delivery.body.executionId);
    const actionRef = delivery.body.actionRef ?? (await this.#store.executions.get(id))?.actionRef;
    if (actionRef === undefined) return; // unknown execution
    // Policies first: a workflow or a core.ask a policy names waits its turn like any action.
    if (await this.#admission.governs(actionRef)) return this.#enqueue(id, actionRef);
    if (await this.#startHere(id, actionRef)) return;
    const scheduled = await this.#store.executions.transition(id, ['requested'], 'scheduled');
    if (!scheduled) return; // already scheduled, cancelled, or unknown: nothing to do
    // `scheduled` goes out before the dispatch: the worker's `running` then follows it on every
    // live stream, even with the worker in another process (its publish comes after ours).
    await this.#bus.publish('execution.status.changed', { executionId: id, status: 'scheduled', actionRef: scheduled.actionRef });
    await this.#dispatcher.dispatch(id, scheduled.actionRef);
  }

  /**
   * Starts a workflow or a `core.ask` here (they run in the executor, without a worker slot), from
   * `requested` or, once a policy admitted it, `scheduled`; false for any other action.
   */
  async #startHere(id: ExecutionId, actionRef: string): Promise<boolean> {
    if (this.#workflows && (await this.#workflows.isWorkflow(actionRef))) {
      await this.#workflows.begin(id);
      return true;
    }
    if (this.#inquiries && (await this.#inquiries.isInquiry(actionRef))) {
      await this.#inquiries.begin(id);
      return true;
    }
    return false;
  }

  /** An admitted execution: started here when it is a workflow or a `core.ask`, else dispatched to a worker. */
  async #startOrDispatch(id: ExecutionId, actionRef: string): Promise<void> {
    if (!(await this.#startHere(id, actionRef))) await this.#dispatcher.dispatch(id, actionRef);
  }

  /** An execution of an action under a policy waits in `scheduling` until an admit pass lets it go. */
  async #enqueue(id: ExecutionId, actionRef: string): Promise<void> {
    const waiting = await this.#store.executions.transition(id, ['requested'], 'scheduling');
    if (waiting) await this.#bus.publish('execution.status.changed', { executionId: id, status: 'scheduling', actionRef });
    await this.#admission.admit(actionRef);
  }

  /**
   * Re-publishes the message for executions that have waited too long in `requested` or
   * `scheduled` — a message lost with a crashed process or broker. Handlers are idempotent, so
   * a duplicate is harmless; rows are claimed, so several executors re-drive different ones.
   */
  async redrive(olderThanMs = this.#config.redrive_after_ms, maxRows = REDRIVE_BATCH): Promise<number> {
    const before = new Date(Date.now() - olderThanMs).toISOString();
    let count = 0;
    let afterId = 0;
    while (count < maxRows) {
      const stale = await this.#store.executions.claimStale(['requested', 'scheduled'], before, REDRIVE_BATCH, afterId);
      for (const execution of stale) {
        if (execution.status === 'requested') await this.#bus.publish('execution.requested', { executionId: execution.id, actionRef: execution.actionRef });
        else if (!(await this.#startHere(execution.id, execution.actionRef))) await this.#dispatcher.dispatch(execution.id, execution.actionRef);
        afterId = execution.id;
      }
      count += stale.length;
      if (stale.length < REDRIVE_BATCH) break;
    }
    if (count > 0) this.#log.info({ count }, 'executions re-driven');
    return count;
  }

  async #publishFinished(id: ExecutionId, actionRef: string): Promise<void> {
    await this.#bus.publish('execution.status.changed', { executionId: id, status: 'abandoned', actionRef });
    await this.#bus.publish('execution.completed', { executionId: id, status: 'abandoned', actionRef });
  }
}
