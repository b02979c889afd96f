import { randomUUID } from 'node:crypto';
import type { Bus, Consumer } from '../bus/index.js';
import type { Action, Pack, Trigger } from '../domain/index.js';
import type { Store } from '../store/index.js';

/**
 * Actions, packs and triggers by ref, and the actions policies name, read from the store once and
 * kept until a pack is registered or removed. Every execution looks its action up several times (request, dispatch, run), and
 * these rows change only with a pack, so the hot path reads memory instead of the database.
 * Only rows that exist are cached: a ref registered a moment ago is never reported missing.
 */
export class PackCatalog {
  readonly #store: Store;
  readonly #bus: Bus;
  #actions = new Map<string, Promise<Action | undefined>>();
  #packs = new Map<string, Promise<Pack | undefined>>();
  #triggers = new Map<string, Promise<Trigger | undefined>>();
  #governed: Promise<ReadonlySet<string>> | undefined;
  #consumer: Consumer | undefined;

  constructor(options: { readonly store: Store; readonly bus: Bus }) {
    this.#store = options.store;
    this.#bus = options.bus;
  }

  /** Follows pack changes made by other processes (this process calls `invalidate` itself). */
  async start(): Promise<void> {
    // Every catalog needs every change: a queue of its own, not one shared with other catalogs.
    const queue = `catalog.${randomUUID()}`;
    this.#consumer = await this.#bus.consume(queue, ['pack.registered', 'pack.deleted'], () => Promise.resolve(this.invalidate()), {
      isPrivate: true,
    });
  }

  async stop(): Promise<void> {
    await this.#consumer?.cancel();
  }

  invalidate(): void {
    this.#actions = new Map();
    this.#packs = new Map();
    this.#triggers = new Map();
    this.#governed = undefined;
  }

  action(ref: string): Promise<Action | undefined> {
    return cached(this.#actions, ref, () => this.#store.actions.findByRef(ref));
  }

  pack(ref: string): Promise<Pack | undefined> {
    return cached(this.#packs, ref, () => this.#store.packs.findByRef(ref));
  }

  trigger(ref: string): Promise<Trigger | undefined> {
    return cached(this.#triggers, ref, () => this.#store.triggers.findByRef(ref));
  }

  /** The refs of the actions some policy names (policies come and go only with their pack). */
  governedActions(): Promise<ReadonlySet<string>> {
    const loading = (this.#governed ??= this.#store.policies.listActionRefs().then((refs) => new Set(refs)));
    // A failed read is not kept: the next call tries again.
    loading.catch(() => {
      if (this.#governed === loading) this.#governed = undefined;
    });
    return loading;
  }
}

function cached<T>(map: Map<string, Promise<T | undefined>>, key: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
  const hit = map.get(key);
  if (hit) return hit;
  const loading = load().then((value) => {
    if (value === undefined && map.get(key) === loading) map.delete(key);
    return value;
  });
  map.set(key, loading);
  return loading;
}
