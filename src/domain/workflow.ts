/**
 * A workflow action's graph (issue 9), as registration stores it: parsed from the pack's
 * `workflow_file`, validated, legacy keys converted, defaults applied. Pure data: the engine
 * (src/executor) walks it, and every template in it is a `{{ CEL }}` string checked at
 * registration.
 */
export const BACKOFF_KINDS = ['constant', 'linear', 'exponential'] as const;
export type BackoffKind = (typeof BACKOFF_KINDS)[number];

export interface WorkflowRetry {
  /** Retries after the first run (so at most count + 1 runs). */
  readonly count: number;
  /** Seconds before the first retry. */
  readonly delay: number;
  readonly backoff: BackoffKind;
  /** Seconds no wait exceeds, or null. */
  readonly maxDelay: number | null;
  /** A `{{ }}` condition: retry only while it holds (null: on every failure). */
  readonly when: string | null;
}

export interface WorkflowTransition {
  /** A `{{ }}` condition; null means always. */
  readonly when: string | null;
  /** Variables set in order, each a name and its template. */
  readonly publish: readonly { readonly name: string; readonly value: unknown }[];
  /** Tasks started, in parallel, when the transition is taken. */
  readonly do: readonly string[];
}

export interface WorkflowTask {
  readonly name: string;
  readonly action: string;
  /** The action's parameters, templates allowed anywhere in them. */
  readonly input: Readonly<Record<string, unknown>>;
  readonly next: readonly WorkflowTransition[];
  /** Wait for every inbound task (`all`) or this many, before running once; null: run on each arrival. */
  readonly join: 'all' | number | null;
  /** A list, or a `{{ }}` template yielding one: the task runs once per item. */
  readonly withItems: unknown;
  /** At most this many items run at once (null: all). */
  readonly concurrency: number | null;
  readonly retry: WorkflowRetry | null;
  /** Seconds a run may take (the child execution's timeout). */
  readonly timeout: number | null;
  /** Seconds to wait before the task starts. */
  readonly delay: number | null;
  /**
   * `wait_for`: the input of a `core.ask` (prompt, schema, assignee, role, timeout,
   * forbid_requester; templates allowed) whose inquiry must be answered before the task's action
   * runs. Absent or null: the task runs at once (a graph registered before wait_for has none).
   */
  readonly waitFor?: Readonly<Record<string, unknown>> | null;
}

export interface WorkflowSpec {
  /** The graph file, relative to the pack (e.g. `actions/workflows/deploy.workflow.yaml`). */
  readonly file: string;
  readonly vars: Readonly<Record<string, unknown>>;
  readonly tasks: readonly WorkflowTask[];
  readonly outputMap: Readonly<Record<string, unknown>>;
}

/** Tasks no transition leads to: they start when the workflow starts. */
export function startTasks(spec: Pick<WorkflowSpec, 'tasks'>): string[] {
  const targets = new Set(spec.tasks.flatMap((task) => task.next.flatMap((t) => t.do)));
  return spec.tasks.filter((task) => !targets.has(task.name)).map((task) => task.name);
}

/** For each task, the distinct tasks with a transition to it (a join waits for these). */
export function inboundTasks(spec: Pick<WorkflowSpec, 'tasks'>): Map<string, string[]> {
  const inbound = new Map<string, string[]>(spec.tasks.map((task) => [task.name, []]));
  for (const task of spec.tasks) {
    for (const target of new Set(task.next.flatMap((t) => t.do))) inbound.get(target)?.push(task.name);
  }
  return inbound;
}

/** Seconds to wait before retry number `retry` (1 for the first). */
export function retryDelaySeconds(policy: WorkflowRetry, retry: number): number {
  const factor = policy.backoff === 'constant' ? 1 : policy.backoff === 'linear' ? retry : 2 ** (retry - 1);
  const wait = policy.delay * factor;
  return policy.maxDelay === null ? wait : Math.min(wait, policy.maxDelay);
}
