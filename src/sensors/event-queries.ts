import { AppError, type Event, type EventId } from '../domain/index.js';
import type { EventFilter, Page, Store } from '../store/index.js';

/** Reads of stored events, for the API; EventIngest is the one way they are written. */
export class EventQueries {
  readonly #store: Store;

  constructor(options: { readonly store: Store }) {
    this.#store = options.store;
  }

  /** Newest first. */
  list(filter: EventFilter): Promise<Page<Event>> {
    return this.#store.events.list(filter);
  }

  async get(id: EventId): Promise<Event> {
    const event = await this.#store.events.get(id);
    if (!event) throw new AppError('ERR_EVENT_NOT_FOUND', `no event ${id}`);
    return event;
  }
}
