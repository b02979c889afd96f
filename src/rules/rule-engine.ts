import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Bus, Consumer, Delivery } from '../bus/index.js';
import type { ExecutorConfig } from '../config/index.js';
import { AppError, type Event, type Execution, type Pack, type Rule, eventId } from '../domain/index.js';
import { type ExecutionRequests, PeriodicTask } from '../executor/index.js';
import type { PackCatalog } from '../packs/index.js';
import type { SecretBox } from '../secrets/index.js';
import type { Store } from '../store/index.js';
import { type CelContext, CelEvaluationError, CompiledRuleCache, ruleCacheKey } from './cel/index.js';

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
}

/** What one rule decided about one event. */
type Decision =
  | { readonly rule: Rule; readonly parameters: Record<string, unknown> }
  | { readonly rule: Rule; readonly failure: string };

const EVENT_PREFETCH = 32;
const REDRIVE_BATCH = 500;

/**
 * Matches events against rules (DESIGN §1, §5). For each event it evaluates every enabled rule
 * on its trigger (only the targeted rule when the event names one) and, in ONE transaction,
 * writes an enforcement per matched rule, the execution it requests, and marks the event
 * processed. The (rule, event) unique constraint and the processed mark make a redelivered
 * event harmless; an event a crash left unprocessed is re-driven by the supervisor.
 */
export class RuleEngine {
  readonly #options: RuleEngineOptions;
  readonly #log: Logger;
  readonly #compiled = new CompiledRuleCache();
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
      await bus.consume('rules.events', ['event.created'], (d) => this.#onEvent(d), { prefetch: EVENT_PREFETCH }),
      await bus.consume(
        `rules.changes.${randomUUID()}`,
        ['rule.created', 'rule.updated', 'rule.enabled', 'rule.disabled', 'rule.deleted', 'pack.registered', 'pack.deleted'],
        () => Promise.resolve(this.invalidate()),
        { prefetch: 1 },
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
    const event = await this.#options.store.events.get(eventId(delivery.body.eventId));
    if (!event || event.processedAt !== null) return; // unknown, or handled already: a duplicate
    await this.process(event);
  }

  /** Evaluates, then writes every outcome for the event in one transaction, then announces them. */
  async process(event: Event): Promise<void> {
    const { store, bus } = this.#options;
    const rules = (await this.#enabledRules(event.triggerRef)).filter((r) => event.ruleRef === null || r.ref === event.ruleRef);
    const decisions: Decision[] = [];
    for (const rule of rules) {
      const decision = await this.#decide(rule, event);
      if (decision) decisions.push(decision);
    }
    const requested = await store.transaction(async (tx) => {
      const executions: Execution[] = [];
      if (!(await tx.events.markProcessed(event.id))) return executions; // another handler won the race
      for (const decision of decisions) {
        const failure = 'failure' in decision ? decision.failure : null;
        const { rule } = decision;
        const base = { ruleId: rule.id, ruleRef: rule.ref, eventId: event.id };
        const enforcement = await tx.events.createEnforcement({ ...base, status: failure ? 'failed' : 'scheduled', failure });
        if (!enforcement || 'failure' in decision) continue;
        const execution = await tx.executions.create({ ...base, actionRef: rule.actionRef, parameters: decision.parameters, enforcementId: enforcement.id });
        await tx.events.linkExecution(enforcement.id, execution.id);
        executions.push(execution);
      }
      return executions;
    });
    for (const execution of requested) {
      await bus.publish('execution.requested', { executionId: execution.id });
      if (execution.enforcementId !== null) await bus.publish('enforcement.created', { enforcementId: execution.enforcementId });
    }
  }

  /**
   * Conditions, then templates, then the action's parameter schema. Undefined: not matched.
   * Sealed values (secret pack config, secret rule literals) are opened here, for the
   * expressions only; validateParameters seals what reaches a secret action parameter again.
   */
  async #decide(rule: Rule, event: Event): Promise<Decision | undefined> {
    const { catalog, secrets } = this.#options;
    const pack = await this.#pack(rule.packRef);
    const action = await catalog.action(rule.actionRef);
    try {
      const context: CelContext = {
        event: { id: event.id, trigger_ref: event.triggerRef, payload: event.payload, created: event.created },
        rule: { ref: rule.ref, pack_ref: rule.packRef },
        pack: { config: pack ? secrets.openParameters(pack.confSchema, pack.config) : {} },
        system: {},
      };
      const actionParams = secrets.openParameters(action?.parameters ?? {}, rule.actionParams);
      const compiled = this.#compiled.get(ruleCacheKey(rule.ref, rule.updated), { conditions: rule.conditions, actionParams });
      if (!compiled.matches(context)) return undefined;
      const rendered = compiled.render(context);
      return { rule, parameters: await this.#options.executions.validateParameters(rule.actionRef, rendered) };
    } catch (error) {
      if (!(error instanceof CelEvaluationError || error instanceof AppError)) throw error;
      this.#log.warn({ ruleRef: rule.ref, eventId: event.id, err: error }, 'rule could not be applied');
      return { rule, failure: error.message };
    }
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

  /** Re-publishes events that waited too long for the rule engine (a message lost with a crash). */
  async redrive(olderThanMs = this.#options.config.redrive_after_ms, maxRows = REDRIVE_BATCH): Promise<number> {
    const before = new Date(Date.now() - olderThanMs).toISOString();
    let count = 0;
    let afterId = 0;
    while (count < maxRows) {
      const events = await this.#options.store.events.findUnprocessed(before, REDRIVE_BATCH, afterId);
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
