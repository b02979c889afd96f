import type { Enforcement } from '../domain/index.js';
import type { EnforcementFilter, Page, Store } from '../store/index.js';

/** Reads of the enforcements the rule engine wrote, for the API. */
export class EnforcementQueries {
  readonly #store: Store;

  constructor(options: { readonly store: Store }) {
    this.#store = options.store;
  }

  /** Newest first. */
  list(filter: EnforcementFilter): Promise<Page<Enforcement>> {
    return this.#store.events.listEnforcements(filter);
  }
}
