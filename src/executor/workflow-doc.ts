import type { ExecutionResult, TerminalStatus } from '../domain/index.js';

/**
 * A workflow's state document (issue 9): what its database row holds, as JSON. WorkflowStep
 * (workflow-state.ts) advances it; workflow-rewind.ts rewinds it for a rerun.
 */
export type TaskStatus = 'running' | 'succeeded' | 'failed' | 'timed_out' | 'cancelled';

/** A child execution in flight for a task (one item of a with_items, or the task itself). */
export interface Run {
  readonly executionId: number;
  readonly index: number | null;
  readonly attempt: number;
  /** The task's `wait_for` inquiry (a `core.ask`), before its action. */
  readonly gate?: boolean;
}

/** A start that waits for its due time in the database: a task's `delay`, or a retry's backoff. */
export interface Waiting {
  readonly kind: 'delay' | 'retry';
  readonly task: string;
  readonly index: number | null;
  readonly attempt: number;
  readonly dueAt: string;
}

export interface TaskState {
  status: TaskStatus;
  /** with_items: the rendered list; null for a plain task. */
  items: unknown[] | null;
  /**
   * Per item (a plain task has one), in item order. A with_items task's list is filled once, when
   * its last item ends, from its children (WorkflowStep.collect): an item's end writes nothing here.
   */
  results: unknown[];
  /** with_items: the first child of this run of the task (the children read at the end start there). */
  firstChild?: number | null;
  /** with_items: the results of items that ended without a child (their input could not be rendered), by index. */
  itemErrors?: Record<string, unknown>;
  nextItem: number;
  done: number;
  failedItems: number;
  runs: Run[];
  /** Runs started so far, retries included. */
  runCount: number;
  /** The tasks its transitions led to. */
  transitions: string[];
  startedAt: string;
  finishedAt: string | null;
}

export interface WorkflowDoc {
  parameters: Record<string, unknown>;
  vars: Record<string, unknown>;
  tasks: Record<string, TaskState>;
  /** Join tasks: the inbound tasks that arrived so far. */
  arrivals: Record<string, string[]>;
  waiting: Waiting[];
  /** Why the workflow fails (an unhandled task failure, a bad expression): no task starts after it. */
  failure: string | null;
  canceling: boolean;
  /** The variables as `vars` first rendered them (a rerun replays the kept tasks' publishes onto them). */
  initialVars?: Record<string, unknown>;
  /** Every publish so far, in order, with the task that made it. */
  published?: Publish[];
  /** Set by a rerun (workflow-rewind.ts) until the rerun execution starts: what `resume` starts. */
  rerun?: Rerun | null;
}

/** One variable a task's transition published. */
export interface Publish {
  readonly task: string;
  readonly name: string;
  readonly value: unknown;
}

/** What a rerun starts: its tasks again, and the transitions the original's failure cut short. */
export interface Rerun {
  readonly tasks: readonly string[];
  readonly reenter: readonly { readonly from: string; readonly to: string }[];
}

/** A child execution the engine must create now. */
export interface Launch {
  readonly task: string;
  readonly index: number | null;
  readonly attempt: number;
  /** The task's `wait_for` inquiry: a `core.ask` of its rendered `wait_for`. */
  readonly gate?: boolean;
}

/** A with_items task whose items all ended: the engine reads their results and hands them to `collect`. */
export interface Collection {
  readonly task: string;
  readonly status: TaskStatus;
}

/** What a finished workflow records. */
export interface WorkflowOutcome {
  readonly status: Extract<TerminalStatus, 'completed' | 'failed' | 'cancelled'>;
  readonly result: ExecutionResult;
}

export function newWorkflowDoc(parameters: Record<string, unknown>): WorkflowDoc {
  return { parameters, vars: {}, tasks: {}, arrivals: {}, waiting: [], failure: null, canceling: false };
}

/** The earliest start the workflow waits for, or null. */
export function dueAtOf(doc: WorkflowDoc): string | null {
  return doc.waiting.reduce<string | null>((min, w) => (min === null || w.dueAt < min ? w.dueAt : min), null);
}
