import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { batchingHandler, type Bus, type Consumer, type Delivery } from '../bus/index.js';
import type { WorkerConfig } from '../config/index.js';
import { type Action, type AttemptSummary, RUNNER_TYPES, type Execution, type ExecutionId, type ProcessCell, type RunnerType, type TerminalStatus, executionId, withSecrets } from '../domain/index.js';
import type { PackCatalog } from '../packs/index.js';
import type { SecretBox } from '../secrets/index.js';
import { isStorageError, type Store } from '../store/index.js';
import type { ActionRunner } from './action-runner.js';
import { identifyProcess } from '../process/index.js';
import { PeriodicTask } from '../supervisor/index.js';
import { hostname } from 'node:os';
import type { RunningAction, RunOutcome } from './run-request.js';
import { type ExecutionCredentials, executionPermissionSet } from './execution-credentials.js';
import { Slots } from './slots.js';

/** Pauses between tries to record an outcome the database refused (a full disk): doubling, capped. */
const RECORD_RETRY_FIRST_MS = 500;
const RECORD_RETRY_MAX_MS = 30_000;

export interface WorkerServiceOptions {
  readonly store: Store;
  readonly bus: Bus;
  readonly log: Logger;
  readonly config: WorkerConfig;
  readonly runner: ActionRunner;
  readonly catalog: PackCatalog;
  /** Opens sealed secret parameters for the action, and for nothing else. */
  readonly secrets: SecretBox;
  readonly workerId: string;
  /** Passed to actions as ATTUNE_API_URL. */
  readonly apiUrl: string;
  /** Issues the ATTUNE_API_TOKEN of actions with `api_access`; without it they get none. */
  readonly credentials?: ExecutionCredentials;
  /** The runtimes this worker offers (see offeredRuntimes); default every one. */
  readonly runtimes?: readonly RunnerType[];
}

/** Why a run stopped by the worker itself ends `abandoned` rather than `cancelled`. */
const SHUTDOWN_REASON = 'stopped: Attune shut down while the action ran';
const DISOWNED_REASON = 'abandoned: its worker was declared dead (no heart-beat within the timeout) while it ran';

/**
 * Runs dispatched executions, up to `concurrency` at once. A worker claims an execution with a
 * compare-and-set from `scheduled` to `running`, so a duplicate dispatch message can never run
 * an action twice; it owns `running` and every terminal status.
 */
export class WorkerService {
  readonly #options: WorkerServiceOptions;
  readonly #log: Logger;
  readonly #running = new Map<ExecutionId, RunningAction>();
  /** Executions claimed here whose handler has not finished yet, each with its claim's token. */
  readonly #inHand = new Map<ExecutionId, symbol>();
  /** Cancels that arrived between the claim and the process start. */
  readonly #pendingCancels = new Set<ExecutionId>();
  readonly #consumers: Consumer[] = [];
  /** Aborted by stop(): a write still being retried then gives up (the next start abandons its row). */
  readonly #stopSignal = new AbortController();
  #stopping = false;
  readonly #heartbeat: PeriodicTask;
  readonly #runtimes: readonly RunnerType[];
  /** Bounds the runs of every runtime's queue together to `concurrency`. */
  readonly #slots: Slots;
  /** Runs stopped because an executor declared this worker dead: they end `abandoned`. */
  readonly #disowned = new Set<ExecutionId>();

  constructor(options: WorkerServiceOptions) {
    this.#options = options;
    this.#runtimes = options.runtimes ?? RUNNER_TYPES;
    this.#slots = new Slots(options.config.concurrency);
    this.#log = options.log.child({ svc: 'worker', workerId: options.workerId });
    this.#heartbeat = new PeriodicTask('worker.heartbeat', options.config.heartbeat_ms, () => this.#beat(), this.#log);
  }

  get runningCount(): number {
    return this.#running.size;
  }

  /**
   * Registers in the workers table with the runtimes it offers, heart-beats from then on, and
   * takes the dispatches of those runtimes: one queue per runtime, shared by every worker that
   * offers it (DESIGN §2), so an action only ever reaches a worker that can run it.
   */
  async start(): Promise<void> {
    const { bus, config, workerId } = this.#options;
    await this.#register();
    this.#heartbeat.start();
    this.#log.info({ runtimes: this.#runtimes, concurrency: config.concurrency }, 'worker registered');
    for (const runtime of this.#runtimes) {
      const consumer = await bus.consume(`worker.dispatch.${runtime}`, ['execution.dispatch'], (d) => this.#dispatch(d), {
        prefetch: config.concurrency,
        routes: [runtime],
      });
      this.#consumers.push(consumer);
    }
    this.#consumers.push(
      // Every worker gets every cancel on its own queue; only the one running the execution acts.
      await bus.consume(`worker.${workerId}.cancel`, ['execution.cancel'], (d) => this.#cancel(d), { prefetch: 16, isPrivate: true }),
    );
  }

  /**
   * Stops taking work, stops every running action, and records each as `abandoned` so none is
   * left `running`. Resolves when every execution in hand has a terminal status.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#stopSignal.abort();
    const consumers = this.#consumers.splice(0);
    const draining = Promise.all(consumers.map((c) => c.cancel()));
    for (const running of this.#running.values()) running.cancel();
    await draining;
    await this.#heartbeat.stop();
    await this.#options.store.workers.markStopped(this.#options.workerId);
  }

  async #register(): Promise<void> {
    const { store, workerId, config } = this.#options;
    await store.workers.register({ id: workerId, host: hostname(), pid: process.pid, runtimes: this.#runtimes, concurrency: config.concurrency });
  }

  async #beat(): Promise<void> {
    if (await this.#options.store.workers.heartbeat(this.#options.workerId)) return;
    // Declared dead (we were cut off or stalled past the timeout), or our row was purged. What we
    // run has been abandoned or handed to another worker: stop it, so nothing runs twice at once.
    if (this.#running.size > 0) this.#log.warn({ executions: [...this.#running.keys()] }, 'worker was declared dead: stopping what it ran');
    for (const [id, running] of this.#running) {
      this.#disowned.add(id);
      running.cancel();
    }
    // A live worker is always listed: it registers again and takes new work.
    await this.#register();
  }

  /**
   * Dispatches of pure builtins that arrive together are run and recorded as one batch, in
   * process, outside the slots; any other takes one of the worker's slots and goes alone, so a
   * long action never holds back the acks of quick ones.
   */
  async #dispatch(delivery: Delivery<'execution.dispatch'>): Promise<void> {
    const { actionRef } = delivery.body;
    const action = actionRef === undefined ? undefined : await this.#options.catalog.action(actionRef);
    if (action && this.#options.runner.isPure(action)) return this.#pureBatch(delivery);
    return this.#slots.run(() => this.#claimAndRun(executionId(delivery.body.executionId)));
  }

  readonly #pureBatch = batchingHandler<'execution.dispatch'>(
    async (deliveries) => {
      const ids = [...new Set(deliveries.map((delivery) => executionId(delivery.body.executionId)))];
      const left = await this.#runPure(ids);
      await Promise.all(left.map((id) => this.#slots.run(() => this.#claimAndRun(id))));
    },
    (delivery) => this.#slots.run(() => this.#run(delivery)),
  );

  async #run(delivery: Delivery<'execution.dispatch'>): Promise<void> {
    const id = executionId(delivery.body.executionId);
    if (delivery.body.actionRef !== undefined) {
      const action = await this.#options.catalog.action(delivery.body.actionRef);
      if (action && this.#options.runner.isPure(action) && (await this.#runPure([id])).length === 0) return;
    }
    await this.#claimAndRun(id);
  }

  async #claimAndRun(id: ExecutionId): Promise<void> {
    const { store, workerId } = this.#options;
    if (this.#stopping) return; // the row stays `scheduled`; the next start re-drives it
    const claimed = await store.executions.transition(id, ['scheduled'], 'running', {
      workerId,
      started: true,
      countAttempt: true,
    });
    if (!claimed) {
      await this.#failLeftBehind(id);
      return;
    }
    // A retry's new claim may start before this handler's `finally` runs: only drop our own token.
    const claim = Symbol('claim');
    this.#inHand.set(id, claim);
    try {
      await this.#publishStatus(claimed, 'running');
      const outcome = await this.#execute(claimed);
      if (await this.#retry(claimed, outcome)) return;
      await this.#finish(claimed, withHistory(claimed, outcome));
    } catch (error) {
      // Whatever broke after the claim, the row must not stay `running` (no other worker may
      // claim it) or `canceling` (no process is left to stop): it fails with the reason.
      await this.#failAfterClaim(claimed, error);
    } finally {
      if (this.#inHand.get(id) === claim) this.#inHand.delete(id);
    }
  }

  /**
   * Pure builtins (core.noop) run before any claim, and each outcome is recorded with one write,
   * `scheduled → completed`, instead of a claim and a finish: running one again after a crash or
   * a lost race changes nothing, so the claim would guard nothing. Executions whose outcomes are
   * alike (the same result) are recorded by one statement. The stream still hears `running` then
   * `completed`. Returns the executions that must take the usual path: not `scheduled`, not a
   * pure builtin, or not completed (they run again there, harmlessly).
   */
  async #runPure(ids: readonly ExecutionId[]): Promise<ExecutionId[]> {
    const { store, workerId } = this.#options;
    if (this.#stopping) return [];
    const rows = await store.executions.getMany(ids);
    const found = new Set(rows.map((row) => row.id));
    const left = ids.filter((id) => !found.has(id));
    const alike = new Map<string, { readonly ids: ExecutionId[]; readonly result: Execution['result'] & object }>();
    for (const execution of rows) {
      const outcome = await this.#runPureOne(execution);
      if (outcome?.status !== 'completed' || this.#stopping) {
        left.push(execution.id);
        continue;
      }
      const { result } = withHistory(execution, outcome);
      const key = JSON.stringify(result);
      const group = alike.get(key);
      if (group) group.ids.push(execution.id);
      else alike.set(key, { ids: [execution.id], result });
    }
    for (const { ids: same, result } of alike.values()) {
      const finished = await this.#record(same[0] as ExecutionId, () =>
        store.executions.transitionMany(same, ['scheduled'], 'completed', { workerId, started: true, countAttempt: true, finished: true, result }),
      );
      // One cancelled or claimed elsewhere meanwhile is absent: its run leaves no trace.
      for (const execution of finished) {
        this.#log.debug({ executionId: execution.id, status: 'completed', durationMs: result.duration_ms }, 'execution finished');
        await this.#publishStatus(execution, 'running');
        await this.#publishFinished(execution, 'completed');
      }
    }
    return left;
  }

  /** Runs one pure builtin in hand; undefined when it cannot run here (then the usual path takes it). */
  async #runPureOne(execution: Execution): Promise<RunOutcome | undefined> {
    const { runner, catalog, secrets } = this.#options;
    if (execution.status !== 'scheduled') return undefined;
    const action = await catalog.action(execution.actionRef);
    const pack = action && (await catalog.pack(action.packRef));
    if (!action || !pack || !runner.isPure(action)) return undefined;
    let parameters: Record<string, unknown>;
    try {
      parameters = secrets.openParameters(withSecrets(action.parameters, execution.secretParameters), execution.parameters);
    } catch {
      return undefined; // the usual path claims it, then records why it failed
    }
    const timeoutSeconds = execution.timeoutSeconds ?? action.timeoutSeconds;
    return runner.start({ executionId: execution.id, action, packPath: pack.path, parameters, timeoutSeconds, env: {} }).done;
  }

  async #failAfterClaim(execution: Execution, error: unknown): Promise<void> {
    const reason = error instanceof Error ? error.message : String(error);
    this.#pendingCancels.delete(execution.id);
    this.#log.error({ err: error, executionId: execution.id }, 'execution failed after its claim');
    await this.#finish(execution, withHistory(execution, { status: 'failed', result: { error: reason } }));
  }

  /**
   * A dispatch for a row this worker claimed but no longer has in hand: the handler that claimed
   * it threw even while recording the failure (the store was unreachable), and the bus
   * delivered the message again. Finishes what that handler could not.
   */
  async #failLeftBehind(id: ExecutionId): Promise<void> {
    if (this.#inHand.has(id)) return; // still running here: a duplicate message
    const row = await this.#options.store.executions.get(id);
    if (!row || row.workerId !== this.#options.workerId || (row.status !== 'running' && row.status !== 'canceling')) return;
    await this.#failAfterClaim(row, new Error('the worker lost this execution to an error after claiming it'));
  }

  /**
   * Runs a failed or timed-out action again while its attempts stay within `max_retries`: the
   * execution goes back to `scheduled` (the next claim counts the attempt) and keeps a summary
   * of this attempt. A cancelled run, or one stopped by a shutdown, is never retried.
   */
  async #retry(execution: Execution, outcome: RunOutcome): Promise<boolean> {
    if (this.#stopping || this.#disowned.has(execution.id) || (outcome.status !== 'failed' && outcome.status !== 'timeout')) return false;
    const action = await this.#options.catalog.action(execution.actionRef);
    if (!action || execution.attempt > action.maxRetries) return false;
    const { exit_code, error, duration_ms } = outcome.result;
    const summary: AttemptSummary = { attempt: execution.attempt, status: outcome.status, exit_code, error, duration_ms };
    const previous = [...(execution.result?.previous_attempts ?? []), summary];
    if (action.runnerType === 'workflow') return false; // a workflow is the executor's, never a worker's
    const again = await this.#record(execution.id, () =>
      this.#options.store.executions.transition(execution.id, ['running'], 'scheduled', {
        result: { previous_attempts: previous },
        heldBy: this.#options.workerId,
      }),
    );
    if (!again) return false; // a cancel arrived meanwhile: finish it instead
    this.#log.info({ executionId: execution.id, attempt: execution.attempt, status: outcome.status }, 'execution retried');
    await this.#publishStatus(again, 'scheduled');
    await this.#options.bus.publish('execution.dispatch', { executionId: execution.id, runtime: action.runnerType, actionRef: execution.actionRef });
    return true;
  }

  async #execute(execution: Execution): Promise<RunOutcome> {
    const { store, runner, apiUrl, catalog } = this.#options;
    const action = await catalog.action(execution.actionRef);
    const pack = action && (await catalog.pack(action.packRef));
    if (!action || !pack) {
      return { status: 'failed', result: { error: `action "${execution.actionRef}" is no longer registered` } };
    }
    const env: Record<string, string> = {
      ATTUNE_ACTION: action.ref,
      ATTUNE_PACK_REF: action.packRef,
      ATTUNE_EXEC_ID: String(execution.id),
      ATTUNE_API_URL: apiUrl,
    };
    if (execution.ruleRef) env.ATTUNE_RULE = execution.ruleRef;
    // Builtins run in-process and get no environment: spare them the event lookup.
    const event = execution.eventId === null || action.runnerType === 'builtin' ? undefined : await store.events.get(execution.eventId);
    if (event) env.ATTUNE_TRIGGER = event.triggerRef;
    if (action.apiAccess) env.ATTUNE_API_TOKEN = await this.#issueToken(execution, action);
    const running = runner.start({
      executionId: execution.id,
      action,
      packPath: pack.path,
      parameters: this.#options.secrets.openParameters(withSecrets(action.parameters, execution.secretParameters), execution.parameters),
      timeoutSeconds: execution.timeoutSeconds ?? action.timeoutSeconds,
      env,
      onSpawn: (pid, cell) => this.#recordProcess(execution.id, pid, cell),
    });
    this.#running.set(execution.id, running);
    if (this.#pendingCancels.delete(execution.id) || this.#stopping) running.cancel();
    try {
      return await running.done;
    } finally {
      this.#running.delete(execution.id);
    }
  }

  /** The action's execution token: kept in its environment only, never in argv or a log line. */
  async #issueToken(execution: Execution, action: Action): Promise<string> {
    const { credentials, store } = this.#options;
    if (!credentials) throw new Error(`action "${action.ref}" asks for API access, but this worker cannot issue tokens`);
    const rule = execution.ruleRef === null ? undefined : await store.rules.findByRef(execution.ruleRef);
    return credentials.issue(execution, executionPermissionSet(rule, action));
  }

  /** Remembers the action's process so a restart after a crash can end it (see killOrphanedProcess). */
  #recordProcess(id: ExecutionId, pid: number, cell: ProcessCell | undefined): void {
    const identity = identifyProcess(pid);
    if (!identity) return;
    this.#options.store.executions.recordProcess(id, cell ? { ...identity, cell } : identity).catch((error: unknown) => {
      // Only the clean-up after a crash needs this; the run itself goes on.
      this.#log.warn({ err: error, executionId: id }, 'could not record the action process');
    });
  }

  async #finish(execution: Execution, outcome: RunOutcome): Promise<void> {
    const { store } = this.#options;
    // A run stopped because Attune is shutting down, or because this worker was declared dead,
    // did not fail on its own: it was abandoned.
    const disowned = this.#disowned.delete(execution.id);
    const stoppedHere = (this.#stopping || disowned) && outcome.status === 'cancelled';
    const status: TerminalStatus = stoppedHere ? 'abandoned' : outcome.status;
    const result = stoppedHere ? { ...outcome.result, error: disowned ? DISOWNED_REASON : SHUTDOWN_REASON } : outcome.result;
    // Held by this worker only: once declared dead, the row may belong to another worker's run.
    const finished = await this.#record(execution.id, () =>
      store.executions.transition(execution.id, ['running', 'canceling'], status, { result, finished: true, heldBy: this.#options.workerId }),
    );
    if (!finished) {
      this.#log.warn({ executionId: execution.id }, 'execution was finished by someone else');
      return;
    }
    // Debug, not info: one line per execution cost ~4 % of a burst, and the row already records the outcome.
    this.#log.debug({ executionId: execution.id, status, durationMs: result.duration_ms }, 'execution finished');
    await this.#revokeTokens(execution);
    await this.#publishFinished(finished, status);
  }

  async #publishFinished(execution: Execution, status: TerminalStatus): Promise<void> {
    await this.#publishStatus(execution, status);
    await this.#options.bus.publish('execution.completed', { executionId: execution.id, status, actionRef: execution.actionRef, parentId: execution.parentId });
  }

  /**
   * Writes what became of a run, retrying while the database refuses for lack of space or an
   * I/O error. The action has run and its outcome exists only here: failing the message would
   * leave the row `running` for good (a redelivered dispatch finds it claimed). Other errors
   * are thrown at once; so is a storage error once the worker stops.
   */
  async #record<T>(id: ExecutionId, write: () => Promise<T>): Promise<T> {
    for (let delayMs = RECORD_RETRY_FIRST_MS; ; delayMs = Math.min(delayMs * 2, RECORD_RETRY_MAX_MS)) {
      try {
        return await write();
      } catch (error) {
        if (!isStorageError(error) || this.#stopSignal.signal.aborted) throw error;
        this.#log.warn({ err: error, executionId: id, retryInMs: delayMs }, 'could not record the execution outcome; will retry');
        await sleep(delayMs, undefined, { signal: this.#stopSignal.signal }).catch(() => undefined); // aborted: one last try
      }
    }
  }

  /**
   * An execution token stops working once its execution has ended anyway (AuthService checks the
   * status); revoking it too keeps it dead whatever happens to the row later.
   */
  async #revokeTokens(execution: Execution): Promise<void> {
    const { credentials, catalog } = this.#options;
    if (!credentials || !(await catalog.action(execution.actionRef))?.apiAccess) return;
    await credentials.revoke(execution.id).catch((error: unknown) => {
      // Safe to go on: the token is refused anyway now that the execution has a terminal status.
      this.#log.warn({ err: error, executionId: execution.id }, 'could not revoke the execution token');
    });
  }

  async #cancel(delivery: Delivery<'execution.cancel'>): Promise<void> {
    const id = executionId(delivery.body.executionId);
    const running = this.#running.get(id);
    if (running) {
      running.cancel();
      return;
    }
    const execution = await this.#options.store.executions.get(id);
    if (execution?.status === 'canceling' && execution.workerId === this.#options.workerId) {
      this.#pendingCancels.add(id);
      // The run may have registered while we read the row; cancel it now if so.
      const started = this.#running.get(id);
      if (started && this.#pendingCancels.delete(id)) started.cancel();
    }
  }

  #publishStatus(execution: Execution, status: Execution['status']): Promise<void> {
    return this.#options.bus.publish('execution.status.changed', {
      executionId: execution.id,
      status,
      actionRef: execution.actionRef,
    });
  }
}

/** The final result, carrying the summaries of earlier attempts when the action was retried. */
function withHistory(execution: Execution, outcome: RunOutcome): RunOutcome {
  const previous = execution.result?.previous_attempts;
  return previous ? { ...outcome, result: { ...outcome.result, previous_attempts: previous } } : outcome;
}
