import { AppError, type Execution, type ExecutionId } from '../domain/index.js';
import type { ExecutionFilter, ExecutionSummary, Page, Store } from '../store/index.js';
import type { WorkflowDoc } from './workflow-doc.js';

/** One task of a workflow execution as the API shows it. */
export interface WorkflowTaskSummary {
  readonly name: string;
  readonly status: string;
  readonly runs: number;
  readonly transitions: readonly string[];
  readonly startedAt: string;
  readonly finishedAt: string | null;
}

/** Reads of executions, for the API; ExecutionRequests is the side that changes them. */
export class ExecutionQueries {
  readonly #store: Store;

  constructor(options: { readonly store: Store }) {
    this.#store = options.store;
  }

  /** Newest first, each result summarised: a list never carries whole outputs. */
  list(filter: ExecutionFilter): Promise<Page<ExecutionSummary>> {
    return this.#store.executions.listSummaries(filter);
  }

  /** The results of `ids`, by id (an id with no row is absent). */
  async results(ids: readonly ExecutionId[]): Promise<Map<number, Record<string, unknown> | null>> {
    const rows = await Promise.all(ids.map((id) => this.#store.executions.get(id)));
    return new Map(rows.flatMap((row) => (row ? [[row.id, row.result === null ? null : { ...row.result }] as const] : [])));
  }

  /** The tasks of a workflow execution in the order they started; undefined for any other execution. */
  async workflowTasks(id: ExecutionId): Promise<WorkflowTaskSummary[] | undefined> {
    const row = await this.#store.workflows.get(id);
    if (!row) return undefined;
    const doc = row.state as WorkflowDoc;
    return Object.entries(doc.tasks)
      .map(([name, task]) => ({
        name,
        status: task.status,
        runs: task.runCount,
        transitions: task.transitions,
        startedAt: task.startedAt,
        finishedAt: task.finishedAt,
      }))
      .sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0));
  }

  async get(id: ExecutionId): Promise<Execution> {
    const execution = await this.#store.executions.get(id);
    if (!execution) throw new AppError('ERR_EXECUTION_NOT_FOUND', `no execution ${id}`);
    return execution;
  }
}
