import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { batchingHandler, type Bus, type Consumer, type Delivery } from '../bus/index.js';
import type { ExecutorConfig, RulesConfig } from '../config/index.js';
import { AppError, type Event, type EventId, type Execution, type FlatSchema, type Pack, type Rule, eventId } from '../domain/index.js';
import type { ExecutionRequests } from '../executor/index.js';
import type { PackCatalog } from '../packs/index.js';
import type { KeyService, SecretBox } from '../secrets/index.js';
import type { Store } from '../store/index.js';
import { PeriodicTask } from '../supervisor/index.js';
import { CelBudget, type CelContext, CelEvaluationError, CompiledRuleCache, ruleCacheKey } from './cel/index.js';
import { keyedParameters, maskKeyValues, usesKeystore } from './rule-keystore.js';

export interface RuleEngineOptions {
  readonly store: Store;
  readonly bus: Bus;
  readonly log: Logger;
  readonly executions: ExecutionRequests;
  readonly config: ExecutorConfig;
  /** The actions' and packs' schemas, which say which stored values are sealed. */
  readonly catalog: PackCatalog;
  /** Opens sealed rule literals and pack config values for the templates and conditions. */
  readonly secrets: SecretBox;
  /** What rules read as `keystore.<name>`: system keys, shadowed by their pack's keys. */
  readonly keys: Pick<KeyService, 'valuesFor'>;
  readonly rules: RulesConfig;
}

/** What one rule decided about one event. */
type Decision =
  | { readonly rule: Rule; readonly parameters: Record<string, unknown>; readonly secretParameters: readonly string[] }
  | { readonly rule: Rule; readonly failure: string };

/** What evaluating one rule's conditions and templates on one event gave. */
type Evaluation = { readonly matched: false } | { readonly matched: true; readonly rendered: Record<string, unknown> } | { readonly failure: string };

/** Events in hand at once: also the largest batch written in one transaction (larger batches, fewer statements per event). */
const EVENT_PREFETCH = 128;
const REDRIVE_BATCH = 500;
/**
 * Failed attempts at one event before it is given up: marked processed, with a failed
 * enforcement per rule saying why, rather than dead-lettered and re-driven forever. Counted
 * in memory: a restart grants a few more attempts, which is still bounded.
 */
const MAX_EVENT_FAILURES = 3;
/** Events whose failures are remembered at once; the oldest is forgotten beyond this. */
const MAX_TRACKED_FAILURES = 10_000;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Matches events against rules (DESIGN §1, §5). For each event it evaluates every enabled rule
 * on its trigger (only the targeted rule when the event names one) and, in ONE transaction,
 * writes an enforcement per matched rule, the execution it requests, and marks the event
 * processed. The (rule, event) unique constraint and the processed mark make a redelivered
 * event harmless; an event a crash left unprocessed is re-driven by the supervisor. What goes
 * wrong with one rule is that rule's failed enforcement; an event whose processing keeps
 * failing as a whole is given up after MAX_EVENT_FAILURES attempts.
 */
export class RuleEngine {
  readonly #options: RuleEngineOptions;
  readonly #log: Logger;
  readonly #compiled = new CompiledRuleCache();
  /** Failed attempts per event still unprocessed (see MAX_EVENT_FAILURES). */
  readonly #failures = new Map<EventId, number>();
  /** Enabled rules by trigger ref; dropped whenever a rule or pack changes. */
  #rulesByTrigger = new Map<string, Promise<readonly Rule[]>>();
  #packs = new Map<string, Promise<Pack | undefined>>();
  readonly #consumers: Consumer[] = [];
  readonly #supervisor: PeriodicTask;

  constructor(options: RuleEngineOptions) {
    this.#options = options;
    this.#log = options.log.child({ svc: 'rules' });
    this.#supervisor = new PeriodicTask('rules.redrive', options.config.supervisor_interval_ms, () => this.redrive(), this.#log);
  }

  async start(): Promise<void> {
    const { bus } = this.#options;
    this.#consumers.push(
      // Events that queue up are evaluated together and written in one transaction.
      await bus.consume(
        'rules.events',
        ['event.created'],
        batchingHandler(
          (deliveries) => this.#onEvents(deliveries),
          (delivery) => this.#onEvent(delivery),
        ),
        { prefetch: EVENT_PREFETCH },
      ),
      await bus.consume(
        `rules.changes.${randomUUID()}`,
        ['rule.created', 'rule.updated', 'rule.enabled', 'rule.disabled', 'rule.deleted', 'pack.registered', 'pack.deleted'],
        () => Promise.resolve(this.invalidate()),
        { prefetch: 1, isPrivate: true },
      ),
    );
    this.#supervisor.start();
  }

  async stop(): Promise<void> {
    await this.#supervisor.stop();
    await Promise.all(this.#consumers.splice(0).map((c) => c.cancel()));
  }

  /** Forgets cached rules and pack configs; the next event reloads them. */
  invalidate(): void {
    this.#rulesByTrigger = new Map();
    this.#packs = new Map();
  }

  async #onEvent(delivery: Delivery<'event.created'>): Promise<void> {
    const id = eventId(delivery.body.eventId);
    try {
      const event = await this.#options.store.events.get(id);
      // Unknown, or handled already (a duplicate); else processed now.
      if (event && event.processedAt === null) await this.process(event);
    } catch (error) {
      const failures = (this.#failures.get(id) ?? 0) + 1;
      this.#rememberFailure(id, failures);
      if (failures < MAX_EVENT_FAILURES) throw error; // the bus retries; a dead letter is re-driven later
      await this.#abandon(id, error); // throws when even that cannot be written: tried again later
    }
    this.#failures.delete(id);
  }

  /** A batch of events: those not handled yet are processed together; any error sends each back alone to #onEvent. */
  async #onEvents(deliveries: readonly Delivery<'event.created'>[]): Promise<void> {
    const ids = [...new Set(deliveries.map((delivery) => eventId(delivery.body.eventId)))];
    const events = await this.#options.store.events.getMany(ids);
    await this.processMany(events.filter((event) => event.processedAt === null));
    for (const id of ids) this.#failures.delete(id);
  }

  #rememberFailure(id: EventId, failures: number): void {
    this.#failures.delete(id); // re-inserted last: Map order is oldest failure first
    this.#failures.set(id, failures);
    const oldest = this.#failures.keys().next();
    if (this.#failures.size > MAX_TRACKED_FAILURES && !oldest.done) this.#failures.delete(oldest.value);
  }

  /**
   * Gives up on an event that failed MAX_EVENT_FAILURES times: a failed enforcement per rule it
   * was for, recording the last error, and the processed mark, in one transaction. When even
   * that cannot be written (the database is down) it throws, and the event stays unprocessed
   * for the supervisor, with nothing lost.
   */
  async #abandon(id: EventId, error: unknown): Promise<void> {
    const { store } = this.#options;
    const failure = `the event could not be processed (${MAX_EVENT_FAILURES} attempts failed): ${messageOf(error)}`;
    // A row that cannot even be read (the reason it kept failing, perhaps) is still marked
    // processed, without enforcements; if the database itself is down, the transaction fails too.
    const event = await store.events.get(id).catch(() => undefined);
    const rules = event ? await this.#rulesFor(event) : [];
    const abandoned = await store.transaction(async (tx) => {
      if (!(await tx.events.markProcessed(id))) return false;
      for (const rule of rules) await tx.events.createEnforcement({ ruleId: rule.id, ruleRef: rule.ref, eventId: id, status: 'failed', failure });
      return true;
    });
    if (!abandoned) return;
    this.#log.error({ eventId: id, err: error }, 'event abandoned after failing every attempt');
    await this.#options.bus.publish('event.processed', { eventId: id });
  }

  /** Evaluates, then writes every outcome for the event in one transaction, then announces them. */
  process(event: Event): Promise<void> {
    return this.processMany([event]);
  }

  /**
   * Processes several events: evaluates each, then writes every outcome of all of them in one
   * transaction — the processed marks, an enforcement per (rule, event), the executions they
   * request — then announces them event by event. The processed mark and the (rule, event)
   * unique constraint still decide, per event, which of two racing handlers writes it.
   */
  async processMany(events: readonly Event[]): Promise<void> {
    const { store, bus } = this.#options;
    if (events.length === 0) return;
    const decided: { readonly event: Event; readonly decisions: readonly Decision[] }[] = [];
    for (const event of events) {
      const decisions: Decision[] = [];
      for (const rule of await this.#rulesFor(event)) {
        const decision = await this.#decide(rule, event);
        if (decision) decisions.push(decision);
      }
      decided.push({ event, decisions });
    }
    const written = await store.transaction(async (tx) => {
      const marked = new Set(await tx.events.markProcessedMany(decided.map(({ event }) => event.id)));
      const mine = decided.filter(({ event }) => marked.has(event.id)); // the others: another handler won the race
      const enforcements = await tx.events.createEnforcements(
        mine.flatMap(({ event, decisions }) =>
          decisions.map((decision) => {
            const failure = 'failure' in decision ? decision.failure : null;
            return { ruleId: decision.rule.id, ruleRef: decision.rule.ref, eventId: event.id, status: failure ? ('failed' as const) : ('scheduled' as const), failure };
          }),
        ),
      );
      const enforcementOf = new Map(enforcements.map((enforcement) => [`${enforcement.ruleId}:${enforcement.eventId}`, enforcement]));
      const requests = mine.flatMap(({ event, decisions }) =>
        decisions.flatMap((decision) => {
          const enforcement = enforcementOf.get(`${decision.rule.id}:${event.id}`);
          if (!enforcement || 'failure' in decision) return [];
          const { rule, parameters, secretParameters } = decision;
          return [{ ruleId: rule.id, ruleRef: rule.ref, eventId: event.id, actionRef: rule.actionRef, parameters, secretParameters, enforcementId: enforcement.id }];
        }),
      );
      const executions = await tx.executions.createMany(requests);
      await tx.events.linkExecutions(executions.flatMap((execution) => (execution.enforcementId === null ? [] : [{ enforcementId: execution.enforcementId, executionId: execution.id }])));
      return { processed: mine.map(({ event }) => event.id), executions };
    });
    const requestedFor = new Map<EventId | null, Execution[]>();
    for (const execution of written.executions) {
      const list = requestedFor.get(execution.eventId);
      if (list) list.push(execution);
      else requestedFor.set(execution.eventId, [execution]);
    }
    // Sent in this order without waiting for each broker confirm in between: a bus sends in call
    // order, and waiting for ~3 confirms per event one after the other held a batch for a round
    // trip each (the rule engine was the distributed pipeline's bottleneck, docs/benchmarks.md).
    const sent: Promise<void>[] = [];
    for (const id of written.processed) {
      for (const execution of requestedFor.get(id) ?? []) {
        sent.push(bus.publish('execution.requested', { executionId: execution.id, actionRef: execution.actionRef }));
        if (execution.enforcementId !== null) sent.push(bus.publish('enforcement.created', { enforcementId: execution.enforcementId }));
      }
      sent.push(bus.publish('event.processed', { eventId: id }));
    }
    await Promise.all(sent);
  }

  /**
   * Conditions, then templates, then the action's parameter schema. Undefined: not matched.
   * Sealed values (secret pack config, secret rule literals) are opened here, for the
   * expressions only; validateParameters seals what reaches a secret action parameter again.
   */
  async #decide(rule: Rule, event: Event): Promise<Decision | undefined> {
    const pack = await this.#pack(rule.packRef);
    const action = await this.#options.catalog.action(rule.actionRef);
    let keystore: Record<string, string> | undefined;
    try {
      // Read when the enforcement becomes an execution, so a key changed since the rule was saved counts.
      if (usesKeystore(rule)) keystore = await this.#options.keys.valuesFor(rule.packRef);
      const evaluation = this.#evaluate(rule, event, pack, action?.parameters ?? {}, keystore);
      if ('failure' in evaluation) return this.#failed(rule, event, maskKeyValues(evaluation.failure, keystore));
      if (!evaluation.matched) return undefined;
      const secretParameters = keystore ? keyedParameters(rule.actionParams) : [];
      const parameters = await this.#options.executions.validateParameters(rule.actionRef, evaluation.rendered, secretParameters);
      return { rule, parameters, secretParameters };
    } catch (error) {
      // Anything else is the store or the catalog failing, not the rule: retried, not recorded.
      if (!(error instanceof AppError)) throw error;
      return this.#failed(rule, event, maskKeyValues(error.message, keystore));
    }
  }

  /**
   * Opens the sealed values, compiles (cached), checks the conditions and renders the templates,
   * all on one budget. Every error here — a CEL error, the cost limit, a secret that cannot be
   * opened, a rule that no longer compiles, even a stack overflow on a value no door should have
   * let in — is a property of this rule and this event: it would recur on every retry, so it
   * becomes the rule's failed enforcement, never a thrown error that makes the whole event fail
   * and be re-driven.
   */
  #evaluate(rule: Rule, event: Event, pack: Pack | undefined, actionSchema: FlatSchema, keystore?: Record<string, string>): Evaluation {
    const { secrets } = this.#options;
    const budget = new CelBudget(this.#options.rules.cost_limit);
    try {
      const context: CelContext = {
        event: { id: event.id, trigger_ref: event.triggerRef, payload: event.payload, created: event.created },
        rule: { ref: rule.ref, pack_ref: rule.packRef },
        pack: { config: pack ? secrets.openParameters(pack.confSchema, pack.config) : {} },
        system: {},
        ...(keystore ? { keystore } : {}),
      };
      const actionParams = secrets.openParameters(actionSchema, rule.actionParams);
      const compiled = this.#compiled.get(ruleCacheKey(rule.ref, rule.updated), { conditions: rule.conditions, actionParams });
      if (!compiled.matches(context, budget)) return { matched: false };
      return { matched: true, rendered: compiled.render(context, budget) };
    } catch (error) {
      // CEL's own errors already say where and why; anything else needs saying what failed.
      if (error instanceof CelEvaluationError || error instanceof AppError) return { failure: error.message };
      return { failure: `the rule could not be evaluated: ${messageOf(error)}` };
    }
  }

  #failed(rule: Rule, event: Event, failure: string): Decision {
    this.#log.warn({ ruleRef: rule.ref, eventId: event.id, failure }, 'rule could not be applied');
    return { rule, failure };
  }

  /** The enabled rules an event is for: those on its trigger, or only the one it targets. */
  async #rulesFor(event: Event): Promise<readonly Rule[]> {
    const rules = await this.#enabledRules(event.triggerRef);
    return rules.filter((r) => event.ruleRef === null || r.ref === event.ruleRef);
  }

  #enabledRules(triggerRef: string): Promise<readonly Rule[]> {
    let rules = this.#rulesByTrigger.get(triggerRef);
    if (!rules) {
      rules = this.#options.store.rules.listEnabled([triggerRef]);
      this.#rulesByTrigger.set(triggerRef, rules);
    }
    return rules;
  }

  #pack(packRef: string): Promise<Pack | undefined> {
    let pack = this.#packs.get(packRef);
    if (!pack) {
      pack = this.#options.store.packs.findByRef(packRef);
      this.#packs.set(packRef, pack);
    }
    return pack;
  }

  /** Re-publishes events that waited too long for the rule engine (a message lost with a crash); claimed, as the executor's. */
  async redrive(olderThanMs = this.#options.config.redrive_after_ms, maxRows = REDRIVE_BATCH): Promise<number> {
    const before = new Date(Date.now() - olderThanMs).toISOString();
    let count = 0;
    let afterId = 0;
    while (count < maxRows) {
      const events = await this.#options.store.events.claimUnprocessed(before, REDRIVE_BATCH, afterId);
      for (const event of events) {
        await this.#options.bus.publish('event.created', { eventId: event.id, triggerRef: event.triggerRef });
        afterId = event.id;
      }
      count += events.length;
      if (events.length < REDRIVE_BATCH) break;
    }
    if (count > 0) this.#log.info({ count }, 'events re-driven');
    return count;
  }
}
