import type { Logger } from 'pino';
import type { Bus, Consumer, Delivery } from '../bus/index.js';
import type { ExecutorConfig } from '../config/index.js';
import {
  AppError,
  type Execution,
  type ExecutionId,
  type TerminalStatus,
  type WorkflowSpec,
  executionId,
  isTerminal,
} from '../domain/index.js';
import type { PackCatalog } from '../packs/index.js';
import type { Repositories, Store, WorkflowStateRow } from '../store/index.js';
import { PeriodicTask } from '../supervisor/index.js';
import type { ExecutionRequests } from './execution-requests.js';
import { ASK_ACTION } from './inquiry-service.js';
import { STARTABLE, isStartable } from './startable.js';
import { dueAtOf, type Launch, newWorkflowDoc, type WorkflowDoc, type WorkflowOutcome } from './workflow-doc.js';
import { WorkflowStep } from './workflow-state.js';

export interface WorkflowEngineOptions {
  readonly store: Store;
  readonly bus: Bus;
  readonly log: Logger;
  readonly catalog: PackCatalog;
  readonly requests: ExecutionRequests;
  readonly config: Pick<ExecutorConfig, 'redrive_after_ms' | 'workflow_tick_ms'>;
}

/** Tries of one step before giving up on a workflow that keeps changing under it. */
const CAS_ATTEMPTS = 50;
const BATCH = 100;

/** A step lost its compare-and-set: another handler advanced the workflow first. */
class LostRace extends Error {}

/** A step's children, as created in its transaction. */
interface Created {
  readonly requested: { readonly id: ExecutionId; readonly actionRef: string }[];
}

/**
 * Runs workflow actions (issue 9) with all of their state in the database. A workflow is a
 * parent execution whose tasks are ordinary child executions; its state row is advanced by
 * idempotent steps — a child's `execution.completed`, a cancel, a delayed start coming due —
 * each applied to the row's current version and written back by compare-and-set together with
 * the children it creates, in one transaction. A redelivered completion finds its child no
 * longer running and changes nothing; a lost message is found by the periodic pass.
 */
export class WorkflowEngine {
  readonly #store: Store;
  readonly #bus: Bus;
  readonly #log: Logger;
  readonly #catalog: PackCatalog;
  readonly #requests: ExecutionRequests;
  readonly #config: WorkflowEngineOptions['config'];
  readonly #consumers: Consumer[] = [];
  readonly #ticker: PeriodicTask;
  #lastSweep = 0;

  constructor(options: WorkflowEngineOptions) {
    this.#store = options.store;
    this.#bus = options.bus;
    this.#log = options.log.child({ svc: 'workflows' });
    this.#catalog = options.catalog;
    this.#requests = options.requests;
    this.#config = options.config;
    this.#ticker = new PeriodicTask('workflows.tick', this.#config.workflow_tick_ms, () => this.tick(), this.#log);
  }

  async start(): Promise<void> {
    this.#consumers.push(
      await this.#bus.consume('workflows.completed', ['execution.completed'], (d) => this.#onCompleted(d), { prefetch: 64 }),
      await this.#bus.consume('workflows.cancel', ['execution.cancel'], (d) => this.#onCancel(d), { prefetch: 16 }),
    );
    // Whatever finished while no engine listened (a crash, a restart) is applied now.
    await this.sweep(0);
    this.#ticker.start();
  }

  async stop(): Promise<void> {
    await this.#ticker.stop();
    for (const consumer of this.#consumers.splice(0)) await consumer.cancel();
  }

  /** True when `actionRef` is a workflow action: the executor hands such executions here. */
  async isWorkflow(actionRef: string): Promise<boolean> {
    return (await this.#catalog.action(actionRef))?.runnerType === 'workflow';
  }

  /**
   * Starts a requested workflow execution: it moves to `running` and gets its state row in one
   * transaction, so a second request message finds it started and does nothing. A rerun has its
   * (inactive) state row already, written with the execution: it resumes from it.
   */
  async begin(id: ExecutionId): Promise<void> {
    const execution = await this.#store.executions.get(id);
    const spec = execution && (await this.#spec(execution.actionRef));
    if (!execution || !isStartable(execution.status) || !spec) return;
    const rerun = await this.#store.workflows.get(id);
    if (rerun?.active) return; // started already
    const doc = rerun ? (structuredClone(rerun.state) as WorkflowDoc) : newWorkflowDoc({ ...execution.parameters });
    const step = new WorkflowStep(spec, doc, new Date(), this.#system(execution));
    if (rerun) step.resume();
    else step.begin();
    const launches = await this.#prepare(step, execution);
    const done = await this.#store.transaction(async (tx) => {
      const started = await tx.executions.transition(id, STARTABLE, 'running', { started: true });
      if (!started) return undefined;
      const created = await this.#createChildren(tx, started, step, launches);
      const outcome = step.outcome();
      const finished = outcome ? await this.#finishParent(tx, id, outcome) : undefined;
      const state = { state: step.doc, active: !finished, dueAt: finished ? null : dueAtOf(step.doc) };
      if (rerun) {
        if (!(await tx.workflows.update(id, rerun.version, state))) throw new AppError('ERR_INTERNAL', `the rerun state of workflow ${id} changed while it started`);
      } else {
        await tx.workflows.create({ executionId: id, actionRef: execution.actionRef, state: step.doc, dueAt: dueAtOf(step.doc) });
        if (finished) await tx.workflows.update(id, 1, state);
      }
      return { created, finished, started };
    });
    if (!done) return;
    this.#log.info({ executionId: id, actionRef: execution.actionRef }, 'workflow started');
    await this.#bus.publish('execution.status.changed', { executionId: id, status: 'running', actionRef: execution.actionRef });
    await this.#announce(done.created, done.finished);
  }

  /** One pass: delayed starts now due, and (every redrive_after_ms) completions a lost message left unapplied. */
  async tick(): Promise<void> {
    for (const row of await this.#store.workflows.findDue(new Date().toISOString(), BATCH)) {
      await this.#advance(row.executionId, (step) => step.wake());
    }
    if (Date.now() - this.#lastSweep >= this.#config.redrive_after_ms) await this.sweep(this.#config.redrive_after_ms);
  }

  /** Applies the completion of every finished child that active workflows not updated for `olderThanMs` still count as running. */
  async sweep(olderThanMs: number): Promise<void> {
    this.#lastSweep = Date.now();
    const before = new Date(Date.now() - olderThanMs).toISOString();
    let afterId = 0;
    for (;;) {
      const rows = await this.#store.workflows.findStale(before, BATCH, afterId);
      for (const row of rows) {
        afterId = row.executionId;
        await this.#reconcile(row);
      }
      if (rows.length < BATCH) return;
    }
  }

  async #reconcile(row: WorkflowStateRow): Promise<void> {
    const doc = row.state as WorkflowDoc;
    const runs = Object.values(doc.tasks).flatMap((state) => state.runs);
    for (const run of runs) {
      const child = await this.#store.executions.get(executionId(run.executionId));
      if (child && isTerminal(child.status)) await this.#childEnded(row.executionId, child);
    }
    const parent = await this.#store.executions.get(row.executionId);
    if (parent?.status === 'canceling' && !doc.canceling) await this.#cancelWorkflow(row.executionId);
  }

  async #onCompleted(delivery: Delivery<'execution.completed'>): Promise<void> {
    if (delivery.body.parentId === null) return; // no workflow's task: nothing to read
    const child = await this.#store.executions.get(executionId(delivery.body.executionId));
    if (!child || child.parentId === null || !isTerminal(child.status)) return;
    await this.#childEnded(child.parentId, child);
  }

  #childEnded(parent: ExecutionId, child: Execution): Promise<void> {
    return this.#advance(parent, (step) => step.complete(child.id, child.status as TerminalStatus, child.result));
  }

  async #onCancel(delivery: Delivery<'execution.cancel'>): Promise<void> {
    const id = executionId(delivery.body.executionId);
    if ((await this.#store.workflows.get(id))?.active) await this.#cancelWorkflow(id);
  }

  /** Stops starting tasks and cancels every child still running; the last one's end finishes the workflow. */
  async #cancelWorkflow(id: ExecutionId): Promise<void> {
    let running: number[] = [];
    await this.#advance(id, (step) => {
      running = step.cancel().map((run) => run.executionId);
      return true;
    });
    for (const child of running) {
      await this.#requests.cancel(executionId(child)).catch((error: unknown) => {
        // A child that ended meanwhile cannot be cancelled: its completion finishes the step.
        if (!(error instanceof AppError && error.code === 'ERR_EXECUTION_NOT_CANCELABLE')) throw error;
      });
    }
  }

  /**
   * Applies `change` to the workflow's current state and writes it back with the children it
   * starts, by compare-and-set; on a lost race it reads the state again and re-applies.
   */
  async #advance(id: ExecutionId, change: (step: WorkflowStep) => boolean): Promise<void> {
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const row = await this.#store.workflows.get(id);
      const parent = row?.active ? await this.#store.executions.get(id) : undefined;
      const spec = parent && (await this.#spec(row?.actionRef ?? ''));
      if (!row || !parent || !spec) return;
      const step = new WorkflowStep(spec, structuredClone(row.state) as WorkflowDoc, new Date(), this.#system(parent));
      if (!change(step)) return;
      const launches = await this.#prepare(step, parent);
      try {
        const done = await this.#store.transaction(async (tx) => {
          const created = await this.#createChildren(tx, parent, step, launches);
          const outcome = step.outcome();
          const finished = outcome ? await this.#finishParent(tx, id, outcome) : undefined;
          const active = outcome === undefined;
          if (!(await tx.workflows.update(id, row.version, { state: step.doc, active, dueAt: dueAtOf(step.doc) }))) throw new LostRace();
          return { created, finished };
        });
        await this.#announce(done.created, done.finished);
        return;
      } catch (error) {
        if (!(error instanceof LostRace)) throw error;
      }
    }
    throw new AppError('ERR_INTERNAL', `workflow ${id} kept changing while being advanced`);
  }

  /**
   * Renders and checks each launch's parameters. One that cannot start fails at once (its task
   * may retry or take its failed() branch), which may launch others: repeated until all can start.
   * A with_items task whose items all ended gets their results read from its children here.
   */
  async #prepare(step: WorkflowStep, parent: Execution): Promise<{ launch: Launch; parameters: Record<string, unknown> }[]> {
    const ready: { launch: Launch; parameters: Record<string, unknown> }[] = [];
    for (;;) {
      const launch = step.launches.shift();
      if (launch === undefined) {
        const collection = step.collections.shift();
        if (collection === undefined) return ready;
        step.collect(collection, await this.#itemResults(parent.id, collection.task, step.doc.tasks[collection.task]?.firstChild));
        continue;
      }
      const task = step.doc.tasks[launch.task];
      const spec = await this.#spec(parent.actionRef);
      const action = launch.gate ? ASK_ACTION : (spec?.tasks.find((t) => t.name === launch?.task)?.action ?? '');
      const rendered = step.input(launch);
      let problem = typeof rendered === 'string' ? rendered : undefined;
      let parameters: Record<string, unknown> = {};
      if (typeof rendered !== 'string') {
        parameters = await this.#requests.validateParameters(action, rendered).catch((error: unknown) => {
          problem = error instanceof Error ? error.message : String(error);
          return {};
        });
      }
      if (problem === undefined) ready.push({ launch, parameters });
      else if (task) step.settle(launch.task, { executionId: 0, index: launch.index, attempt: launch.attempt, gate: launch.gate }, 'failed', { error: problem });
    }
  }

  /** The result of each item of one run of a with_items task (its last attempt), by index. */
  async #itemResults(parent: ExecutionId, task: string, firstChild: number | null | undefined): Promise<Map<number, unknown>> {
    const results = new Map<number, unknown>();
    if (firstChild === null || firstChild === undefined) return results; // no item got a child
    for (const child of await this.#store.executions.listTaskItems(parent, task, firstChild)) {
      if (child.taskIndex !== null) results.set(child.taskIndex, child.result);
    }
    return results;
  }

  async #createChildren(
    tx: Repositories,
    parent: Execution,
    step: WorkflowStep,
    launches: readonly { launch: Launch; parameters: Record<string, unknown> }[],
  ): Promise<Created> {
    const created: Created = { requested: [] };
    const spec = await this.#spec(parent.actionRef);
    for (const { launch, parameters } of launches) {
      const task = spec?.tasks.find((t) => t.name === launch.task);
      const state = step.doc.tasks[launch.task];
      if (!task || !state) continue;
      const child = await tx.executions.create({
        actionRef: launch.gate ? ASK_ACTION : task.action,
        parameters,
        // A wait_for inquiry waits its own `timeout` (core.ask's default when none); the task's is its action's.
        timeoutSeconds: launch.gate ? null : task.timeout,
        parentId: parent.id,
        taskName: task.name,
        taskIndex: launch.index,
        ruleId: parent.ruleId,
        ruleRef: parent.ruleRef,
      });
      state.runs.push({ executionId: child.id, index: launch.index, attempt: launch.attempt, ...(launch.gate ? { gate: true } : {}) });
      if (launch.index !== null) state.firstChild ??= child.id;
      created.requested.push({ id: child.id, actionRef: child.actionRef });
    }
    return created;
  }

  async #finishParent(tx: Repositories, id: ExecutionId, outcome: WorkflowOutcome): Promise<Execution | undefined> {
    return tx.executions.transition(id, ['running', 'canceling'], outcome.status, { result: outcome.result, finished: true });
  }

  async #announce(created: Created, finished: Execution | undefined): Promise<void> {
    for (const child of created.requested) await this.#bus.publish('execution.requested', { executionId: child.id, actionRef: child.actionRef });
    if (!finished || !isTerminal(finished.status)) return;
    this.#log.info({ executionId: finished.id, status: finished.status }, 'workflow finished');
    const summary = { executionId: finished.id, actionRef: finished.actionRef };
    await this.#bus.publish('execution.status.changed', { ...summary, status: finished.status });
    await this.#bus.publish('execution.completed', { ...summary, status: finished.status });
  }

  async #spec(actionRef: string): Promise<WorkflowSpec | undefined> {
    return (await this.#catalog.action(actionRef))?.workflow ?? undefined;
  }

  #system(execution: Execution): Record<string, unknown> {
    return { execution_id: execution.id, action_ref: execution.actionRef };
  }
}
