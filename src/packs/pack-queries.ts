import { type Action, AppError, type Pack, type Policy, type Sensor, type Trigger } from '../domain/index.js';
import type { ComponentFilter, Page, PageRequest, Store } from '../store/index.js';

/**
 * Reads of packs and the components they install (actions, triggers, sensors), for the API. A
 * `get…` that finds nothing throws the component's not-found error, so every caller says it the
 * same way. Reads go to the store, not the PackCatalog: a list must page and count, and a single
 * read is not on a hot path.
 */
export class PackQueries {
  readonly #store: Store;

  constructor(options: { readonly store: Store }) {
    this.#store = options.store;
  }

  listPacks(page: PageRequest): Promise<Page<Pack>> {
    return this.#store.packs.list(page);
  }

  async getPack(ref: string): Promise<Pack> {
    const pack = await this.#store.packs.findByRef(ref);
    if (!pack) throw new AppError('ERR_PACK_NOT_FOUND', `no pack "${ref}"`);
    return pack;
  }

  listActions(filter: ComponentFilter): Promise<Page<Action>> {
    return this.#store.actions.list(filter);
  }

  async getAction(ref: string): Promise<Action> {
    const action = await this.#store.actions.findByRef(ref);
    if (!action) throw new AppError('ERR_ACTION_NOT_FOUND', `no action "${ref}"`);
    return action;
  }

  /** Every policy, or those of one action. */
  listPolicies(actionRef?: string): Promise<readonly Policy[]> {
    return actionRef === undefined ? this.#store.policies.list() : this.#store.policies.forAction(actionRef);
  }

  listTriggers(filter: ComponentFilter): Promise<Page<Trigger>> {
    return this.#store.triggers.list(filter);
  }

  async getTrigger(ref: string): Promise<Trigger> {
    const trigger = await this.#store.triggers.findByRef(ref);
    if (!trigger) throw new AppError('ERR_TRIGGER_NOT_FOUND', `no trigger "${ref}"`);
    return trigger;
  }

  /** Every sensor: there are few, so this list is not paged. */
  listSensors(): Promise<readonly Sensor[]> {
    return this.#store.triggers.listSensors();
  }

  async getSensor(ref: string): Promise<Sensor> {
    const sensor = await this.#store.triggers.findSensorByRef(ref);
    if (!sensor) throw new AppError('ERR_SENSOR_NOT_FOUND', `no sensor "${ref}"`);
    return sensor;
  }
}
