import type { WorkerRecord } from '../domain/index.js';
import type { Store } from '../store/index.js';

/** The workers table as the API shows it (`GET /api/v1/workers`). */
export class WorkerQueries {
  readonly #store: Store;

  constructor(options: { readonly store: Store }) {
    this.#store = options.store;
  }

  list(): Promise<readonly WorkerRecord[]> {
    return this.#store.workers.list();
  }
}
