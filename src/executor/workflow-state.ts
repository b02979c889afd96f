import {
  type TerminalStatus,
  type WorkflowSpec,
  type WorkflowTask,
  assertNever,
  inboundTasks,
  retryDelaySeconds,
  startTasks,
} from '../domain/index.js';
import { compileWorkflowCondition, compileWorkflowValue, type WorkflowContext, type WorkflowTaskView } from '../rules/index.js';
import type { Collection, Launch, Run, TaskState, TaskStatus, WorkflowDoc, WorkflowOutcome } from './workflow-doc.js';

/**
 * The pure steps that advance a workflow's state document (workflow-doc.ts). The engine loads the
 * document from its database row, applies one step to a copy, and writes it back by
 * compare-and-set; nothing here does I/O or keeps anything between calls.
 */
export class WorkflowStep {
  readonly launches: Launch[] = [];
  readonly collections: Collection[] = [];
  readonly #spec: WorkflowSpec;
  readonly #doc: WorkflowDoc;
  readonly #now: Date;
  readonly #system: Record<string, unknown>;

  constructor(spec: WorkflowSpec, doc: WorkflowDoc, now: Date, system: Record<string, unknown> = {}) {
    this.#spec = spec;
    this.#doc = doc;
    this.#now = now;
    this.#system = system;
  }

  get doc(): WorkflowDoc {
    return this.#doc;
  }

  /** The start: vars rendered from the parameters, and every start task entered. */
  begin(): void {
    const vars = this.#render('vars', this.#spec.vars, {});
    if (vars !== undefined) this.#doc.vars = vars as Record<string, unknown>;
    this.#doc.initialVars = { ...this.#doc.vars };
    this.#doc.published = [];
    for (const name of startTasks(this.#spec)) this.#enter(name, null);
  }

  /** The start of a rerun: the rewound document's tasks start again (a task's `delay` is waited again). */
  resume(): void {
    const rerun = this.#doc.rerun;
    this.#doc.rerun = null;
    if (!rerun) return;
    for (const { from, to } of rerun.reenter) this.#enter(to, from);
    for (const name of rerun.tasks) this.#enter(name, null);
  }

  /** A child ended; false when this completion was applied already (a redelivery) or is unknown. */
  complete(executionId: number, status: TerminalStatus, result: unknown): boolean {
    for (const [name, state] of Object.entries(this.#doc.tasks)) {
      const run = state.runs.find((r) => r.executionId === executionId);
      if (!run) continue;
      state.runs = state.runs.filter((r) => r !== run);
      this.settle(name, run, taskStatusOf(status), result);
      return true;
    }
    return false;
  }

  /** Starts what waited and is due now. */
  wake(): boolean {
    const now = this.#now.toISOString();
    const due = this.#doc.waiting.filter((w) => w.dueAt <= now);
    if (due.length === 0) return false;
    this.#doc.waiting = this.#doc.waiting.filter((w) => w.dueAt > now);
    for (const entry of due) {
      if (entry.kind === 'delay') this.#start(entry.task);
      else this.#launch(entry.task, entry.index, entry.attempt);
    }
    return true;
  }

  /** Stops starting anything; the runs in flight are the engine's to cancel. */
  cancel(): Run[] {
    this.#doc.canceling = true;
    this.#doc.waiting = [];
    return Object.values(this.#doc.tasks).flatMap((state) => state.runs);
  }

  /** A run ended (or could not start): retry it, record it, start the next item, or finish the task. */
  settle(name: string, run: Run, status: TaskStatus, result: unknown): void {
    const task = this.#task(name);
    const state = this.#doc.tasks[name];
    if (!task || !state) return;
    if (run.gate) return this.#gateEnded(task, state, status, result);
    if ((status === 'failed' || status === 'timed_out') && this.#retries(task, state, run, status, result)) return;
    state.done += 1;
    if (status !== 'succeeded') state.failedItems += 1;
    if (state.items === null) {
      state.results[0] = result;
      return this.#finish(task, state, status);
    }
    // An item's result stays in its child execution; only one that has none is kept here.
    if (run.executionId === 0) state.itemErrors = { ...state.itemErrors, [String(run.index ?? 0)]: result };
    this.#launchItems(task, state);
    if (state.runs.length > 0 || this.#doc.waiting.some((w) => w.task === name)) return;
    if (state.done < state.items.length && state.failedItems === 0 && !this.#doc.canceling) return;
    this.collections.push({ task: name, status: state.failedItems > 0 ? 'failed' : this.#doc.canceling ? 'cancelled' : 'succeeded' });
  }

  /**
   * A with_items task's items all ended: `childResults` are its children's results by item index
   * (the final attempt of each), and the task finishes with them, in item order.
   */
  collect(collection: Collection, childResults: ReadonlyMap<number, unknown>): void {
    const task = this.#task(collection.task);
    const state = this.#doc.tasks[collection.task];
    if (!task || !state) return;
    const results: unknown[] = [];
    for (const [index, result] of childResults) results[index] = result;
    for (const [index, result] of Object.entries(state.itemErrors ?? {})) results[Number(index)] = result;
    state.results = Array.from(results, (r) => r ?? null);
    this.#finish(task, state, collection.status);
  }

  /** Set when nothing runs or waits any more. */
  outcome(): WorkflowOutcome | undefined {
    const busy = this.#doc.waiting.length > 0 || Object.values(this.#doc.tasks).some((s) => s.runs.length > 0);
    if (busy || this.launches.length > 0 || this.collections.length > 0) return undefined;
    if (this.#doc.canceling) return { status: 'cancelled', result: { error: 'the workflow was cancelled' } };
    if (this.#doc.failure !== null) return { status: 'failed', result: { error: this.#doc.failure } };
    const output = this.#render('output_map', this.#spec.outputMap, {});
    if (output === undefined) return { status: 'failed', result: { error: this.#doc.failure ?? 'output_map failed' } };
    return { status: 'completed', result: { output } };
  }

  /** What expressions see, for one task (and item) in hand. */
  context(extra: Partial<Pick<WorkflowContext, 'task' | 'item' | 'index'>>): WorkflowContext {
    const tasks = Object.fromEntries(Object.entries(this.#doc.tasks).map(([name, state]) => [name, viewOf(name, state)]));
    return { parameters: this.#doc.parameters, workflow: this.#doc.vars, tasks, keystore: {}, system: this.#system, ...extra };
  }

  /** The input of one run, rendered; a string is the error when it cannot be. */
  input(launch: Launch): Record<string, unknown> | string {
    const task = this.#task(launch.task);
    const state = this.#doc.tasks[launch.task];
    if (!task || !state) return `no task "${launch.task}"`;
    const item = launch.index === null ? {} : { item: state.items?.[launch.index], index: launch.index };
    const [field, input] = launch.gate ? ['wait_for', task.waitFor ?? {}] : ['input', task.input];
    const compiled = compileWorkflowValue(`${task.name}.${field}`, input);
    if (!compiled.ok) return compiled.issues.map((i) => i.message).join('; ');
    try {
      return compiled.compiled.render(this.context({ task: viewOf(task.name, state), ...item })) as Record<string, unknown>;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }

  #task(name: string): WorkflowTask | undefined {
    return this.#spec.tasks.find((task) => task.name === name);
  }

  #retries(task: WorkflowTask, state: TaskState, run: Run, status: TaskStatus, result: unknown): boolean {
    const retry = task.retry;
    if (!retry || this.#doc.canceling || run.attempt > retry.count) return false;
    if (retry.when !== null) {
      const view = { name: task.name, status, result };
      if (!this.#holds(`${task.name}.retry.when`, retry.when, this.context({ task: view }))) return false;
    }
    const dueAt = new Date(this.#now.getTime() + retryDelaySeconds(retry, run.attempt) * 1000).toISOString();
    this.#doc.waiting.push({ kind: 'retry', task: task.name, index: run.index, attempt: run.attempt + 1, dueAt });
    state.status = 'running';
    return true;
  }

  /** A transition (or the start) reached `name`: a join counts the arrival, a delay waits. */
  #enter(name: string, from: string | null): void {
    const task = this.#task(name);
    if (!task || this.#doc.failure !== null || this.#doc.canceling) return;
    if (task.join !== null && from !== null) {
      const arrived = new Set([...(this.#doc.arrivals[name] ?? []), from]);
      this.#doc.arrivals[name] = [...arrived];
      const needed = task.join === 'all' ? (inboundTasks(this.#spec).get(name)?.length ?? 0) : task.join;
      if (arrived.size !== needed) return; // waiting for more, or already run when it was reached
    }
    if (task.delay !== null && task.delay > 0) {
      const dueAt = new Date(this.#now.getTime() + task.delay * 1000).toISOString();
      this.#doc.waiting.push({ kind: 'delay', task: name, index: null, attempt: 1, dueAt });
      return;
    }
    this.#start(name);
  }

  #start(name: string): void {
    const task = this.#task(name);
    if (!task) return;
    const state: TaskState = {
      status: 'running',
      items: null,
      results: [],
      nextItem: 0,
      done: 0,
      failedItems: 0,
      runs: [],
      firstChild: null,
      runCount: 0,
      transitions: [],
      startedAt: this.#now.toISOString(),
      finishedAt: null,
    };
    this.#doc.tasks[name] = state;
    if (task.waitFor) {
      state.runCount += 1;
      this.launches.push({ task: name, index: null, attempt: 1, gate: true });
      return;
    }
    this.#run(task, state);
  }

  /**
   * The `wait_for` inquiry ended. Answered: the action runs, its input seeing the answer as
   * `task.result.response`. Timed out, cancelled or failed: the task ends so, without running
   * its action, and takes the transitions that handle that (`timed_out()`, …); no retry.
   */
  #gateEnded(task: WorkflowTask, state: TaskState, status: TaskStatus, result: unknown): void {
    state.results[0] = result;
    if (status !== 'succeeded' || this.#doc.canceling) return this.#finish(task, state, this.#doc.canceling ? 'cancelled' : status);
    this.#run(task, state);
  }

  /** The task's action: one run, or its items. */
  #run(task: WorkflowTask, state: TaskState): void {
    const name = task.name;
    if (task.withItems === null) return this.#launch(name, null, 1);
    const items = this.#render(`${name}.with_items`, task.withItems, { task: viewOf(name, state) });
    if (items === undefined) return this.#finish(task, state, 'failed');
    if (!Array.isArray(items)) {
      this.#doc.failure = `task "${name}": with_items did not yield a list`;
      return this.#finish(task, state, 'failed');
    }
    state.items = items;
    this.#launchItems(task, state);
    if (items.length === 0) this.#finish(task, state, 'succeeded');
  }

  #launchItems(task: WorkflowTask, state: TaskState): void {
    const items = state.items ?? [];
    const limit = task.concurrency ?? items.length;
    const retrying = this.#doc.waiting.filter((w) => w.task === task.name).length;
    while (state.nextItem < items.length && state.runs.length + retrying + this.#launching(task.name) < limit) {
      if (state.failedItems > 0 || this.#doc.canceling) return;
      this.#launch(task.name, state.nextItem, 1);
      state.nextItem += 1;
    }
  }

  #launching(name: string): number {
    return this.launches.filter((l) => l.task === name).length;
  }

  #launch(task: string, index: number | null, attempt: number): void {
    const state = this.#doc.tasks[task];
    if (state) state.runCount += 1;
    this.launches.push({ task, index, attempt });
  }

  #finish(task: WorkflowTask, state: TaskState, status: TaskStatus): void {
    state.status = status;
    state.finishedAt = this.#now.toISOString();
    if (this.#doc.canceling) return;
    const ctx = this.context({ task: viewOf(task.name, state) });
    let handled = status === 'succeeded';
    for (const [j, transition] of task.next.entries()) {
      const field = `${task.name}.next[${j}]`;
      if (transition.when === null ? status !== 'succeeded' : !this.#holds(`${field}.when`, transition.when, ctx)) continue;
      if (transition.when !== null) handled = true;
      for (const entry of transition.publish) {
        const value = this.#render(`${field}.publish.${entry.name}`, entry.value, { task: viewOf(task.name, state) });
        if (value === undefined) continue;
        this.#doc.vars[entry.name] = value;
        this.#doc.published?.push({ task: task.name, name: entry.name, value });
      }
      state.transitions.push(...transition.do);
      for (const target of transition.do) this.#enter(target, task.name);
    }
    if (!handled && this.#doc.failure === null) this.#doc.failure = `task "${task.name}" ${describe(status)} and no transition handles it`;
  }

  #holds(field: string, text: string, ctx: WorkflowContext): boolean {
    const compiled = compileWorkflowCondition(field, text);
    try {
      if (compiled.ok) return compiled.compiled.holds(ctx);
      this.#doc.failure = compiled.issues.map((i) => `${field}: ${i.message}`).join('; ');
    } catch (error) {
      this.#doc.failure = error instanceof Error ? error.message : String(error);
    }
    return false;
  }

  /** Renders a value; on an error the workflow fails with it and undefined is returned. */
  #render(field: string, value: unknown, extra: Partial<Pick<WorkflowContext, 'task' | 'item' | 'index'>>): unknown {
    const compiled = compileWorkflowValue(field, value);
    try {
      if (compiled.ok) return compiled.compiled.render(this.context(extra));
      this.#doc.failure = compiled.issues.map((i) => `${field}: ${i.message}`).join('; ');
    } catch (error) {
      this.#doc.failure = error instanceof Error ? error.message : String(error);
    }
    return undefined;
  }
}

function viewOf(name: string, state: TaskState): WorkflowTaskView {
  return { name, status: state.status, result: state.items === null ? (state.results[0] ?? null) : state.results };
}

export function taskStatusOf(status: TerminalStatus): TaskStatus {
  switch (status) {
    case 'completed':
      return 'succeeded';
    case 'timeout':
      return 'timed_out';
    case 'cancelled':
      return 'cancelled';
    case 'failed':
    case 'abandoned':
      return 'failed';
    default:
      return assertNever(status);
  }
}

function describe(status: TaskStatus): string {
  return status === 'timed_out' ? 'timed out' : status;
}
