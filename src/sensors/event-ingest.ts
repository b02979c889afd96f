import type { Logger } from 'pino';
import type { Bus } from '../bus/index.js';
import { AppError, type Event, type Rule } from '../domain/index.js';
import type { PackCatalog } from '../packs/index.js';
import type { NewEvent, Store } from '../store/index.js';

/**
 * Triggers that fire once per rule, ever: an event already stored for the rule means the timer
 * fired before (perhaps before a restart), so a second one is dropped.
 */
export const ONE_SHOT_TRIGGERS: ReadonlySet<string> = new Set(['core.datetimetimer']);

const WEBHOOK_TRIGGER = 'core.webhook';

export interface EventIngestOptions {
  readonly store: Store;
  /** Knows which triggers are installed, kept current as packs change. */
  readonly catalog: PackCatalog;
  readonly bus: Bus;
  readonly log: Logger;
}

/**
 * The one way events enter Attune — from sensors, webhooks, the API and Attune itself. An event
 * is accepted once it is stored; from there the rule engine is driven by the database row, so a
 * crash after this point loses nothing.
 */
export class EventIngest {
  readonly #store: Store;
  readonly #bus: Bus;
  readonly #log: Logger;
  readonly #catalog: PackCatalog;

  constructor(options: EventIngestOptions) {
    this.#store = options.store;
    this.#catalog = options.catalog;
    this.#bus = options.bus;
    this.#log = options.log.child({ svc: 'events' });
  }

  /** Stores and announces an event; undefined when a one-shot trigger already fired for the rule. */
  async emit(input: NewEvent): Promise<Event | undefined> {
    if (!(await this.#catalog.trigger(input.triggerRef))) {
      throw new AppError('ERR_EVENT_INVALID', `no trigger "${input.triggerRef}" is installed`);
    }
    if (input.ruleRef && ONE_SHOT_TRIGGERS.has(input.triggerRef) && (await this.#alreadyFired(input.triggerRef, input.ruleRef))) {
      this.#log.info({ triggerRef: input.triggerRef, ruleRef: input.ruleRef }, 'one-shot trigger already fired; event dropped');
      return undefined;
    }
    const event = await this.#store.events.create(input);
    await this.#bus.publish('event.created', { eventId: event.id, triggerRef: event.triggerRef });
    return event;
  }

  /**
   * Stores several events in one transaction, in order, then announces them: a sensor's burst of
   * lines costs one commit rather than one each. All or none are stored; a batch holding a
   * one-shot trigger's event goes one by one through emit, which checks it.
   */
  async emitMany(inputs: readonly NewEvent[]): Promise<readonly Event[]> {
    for (const triggerRef of new Set(inputs.map((input) => input.triggerRef))) {
      if (!(await this.#catalog.trigger(triggerRef))) throw new AppError('ERR_EVENT_INVALID', `no trigger "${triggerRef}" is installed`);
    }
    if (inputs.some((input) => input.ruleRef && ONE_SHOT_TRIGGERS.has(input.triggerRef))) {
      const events: Event[] = [];
      for (const input of inputs) {
        const event = await this.emit(input);
        if (event) events.push(event);
      }
      return events;
    }
    // One statement per 500 events; the transaction keeps a larger batch all or none.
    const events = await this.#store.transaction((tx) => tx.events.createMany(inputs));
    for (const event of events) await this.#bus.publish('event.created', { eventId: event.id, triggerRef: event.triggerRef });
    return events;
  }

  /**
   * An event a client sends (a daemon sensor, `POST /api/v1/events`). A rule it names must exist
   * and use its trigger, and a one-shot trigger that already fired for that rule is refused
   * (ERR_EVENT_INVALID) rather than silently dropped: the client hears what happened.
   */
  async emitFromClient(input: { readonly triggerRef: string; readonly payload: unknown; readonly ruleRef: string | null }): Promise<Event> {
    const { triggerRef, ruleRef } = input;
    if (ruleRef !== null) {
      const rule = await this.#store.rules.findByRef(ruleRef);
      if (rule?.triggerRef !== triggerRef) throw new AppError('ERR_EVENT_INVALID', `rule "${ruleRef}" does not use trigger "${triggerRef}"`);
    }
    const event = await this.emit({ ...input, source: 'api' });
    if (!event) throw new AppError('ERR_EVENT_INVALID', `the one-shot trigger "${triggerRef}" already fired for rule "${ruleRef}"`);
    return event;
  }

  /**
   * The enabled rules listening on webhook `name` (their trigger_params.url): their
   * trigger_params say what the webhook checks. ERR_WEBHOOK_NOT_FOUND when no rule listens.
   */
  async webhookRules(name: string): Promise<readonly Rule[]> {
    const rules = (await this.#store.rules.listEnabled([WEBHOOK_TRIGGER])).filter((rule) => rule.triggerParams.url === name);
    if (rules.length === 0) throw new AppError('ERR_WEBHOOK_NOT_FOUND', `no enabled rule listens on webhook "${name}"`);
    return rules;
  }

  /**
   * Webhook ingress: one `core.webhook` event per rule listening on `name` (`rules`, from
   * webhookRules, once the request passed their checks), each targeting its rule. Resolves once
   * every event is committed to the database.
   */
  async emitWebhook(name: string, payload: unknown, rules?: readonly Rule[]): Promise<readonly Event[]> {
    rules ??= await this.webhookRules(name);
    const events: Event[] = [];
    for (const rule of rules) {
      const event = await this.emit({ triggerRef: WEBHOOK_TRIGGER, payload, source: `webhook:${name}`, ruleRef: rule.ref });
      if (event) events.push(event);
    }
    return events;
  }

  async #alreadyFired(triggerRef: string, ruleRef: string): Promise<boolean> {
    const rule = await this.#store.rules.findByRef(ruleRef);
    return this.#store.events.existsFor(triggerRef, ruleRef, rule?.created);
  }
}
