import { AppError, type Execution, type ExecutionId } from '../domain/index.js';
import type { ExecutionFilter, ExecutionSummary, Page, Store } from '../store/index.js';

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

  async get(id: ExecutionId): Promise<Execution> {
    const execution = await this.#store.executions.get(id);
    if (!execution) throw new AppError('ERR_EXECUTION_NOT_FOUND', `no execution ${id}`);
    return execution;
  }
}
