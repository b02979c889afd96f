import type { Logger } from 'pino';
import type { Bus } from '../bus/index.js';
import { type Action, AppError, type FlatSchema, REDACTED, type Rule, parseRef, secretParameters } from '../domain/index.js';
import type { SecretBox } from '../secrets/index.js';
import type { Page, RuleFilter, RuleInput, Store } from '../store/index.js';
import { checkRule } from './rule-checks.js';
import { sealActionParams } from './rule-secrets.js';

/** A rule as the API and `attune rule create` take it (the keys of rules/*.yaml). */
export interface RuleSpec {
  readonly ref: string;
  readonly label?: string;
  readonly description?: string;
  readonly trigger_ref: string;
  readonly trigger_params?: Record<string, unknown>;
  readonly conditions?: string | readonly string[];
  readonly action_ref: string;
  readonly action_params?: Record<string, unknown>;
  readonly enabled?: boolean;
  /** The permission set its executions run with; null or absent: the action's. */
  readonly permission_set?: string | null;
}

export interface RuleServiceOptions {
  readonly store: Store;
  readonly bus: Bus;
  readonly log: Logger;
  /** Seals action_params literals for parameters the action marks secret. */
  readonly secrets: SecretBox;
}

/**
 * Rules created and changed through the API. Every save is checked like a pack's rule file:
 * the trigger and action exist, trigger_params fit the trigger, and every CEL expression
 * compiles and type-checks — a typo is a 400 at save time, never a silent non-match later.
 */
export class RuleService {
  readonly #store: Store;
  readonly #bus: Bus;
  readonly #log: Logger;
  readonly #secrets: SecretBox;

  constructor(options: RuleServiceOptions) {
    this.#secrets = options.secrets;
    this.#store = options.store;
    this.#bus = options.bus;
    this.#log = options.log.child({ svc: 'rules' });
  }

  list(filter: RuleFilter): Promise<Page<Rule>> {
    return this.#store.rules.list(filter);
  }

  async get(ref: string): Promise<Rule> {
    const rule = await this.#store.rules.findByRef(ref);
    if (!rule) throw new AppError('ERR_RULE_NOT_FOUND', `no rule "${ref}"`);
    return rule;
  }

  async create(spec: RuleSpec): Promise<Rule> {
    const { input, action } = await this.#validate(spec, 'api');
    const sealed = { ...input, actionParams: sealActionParams(this.#secrets, action.parameters, input.actionParams) };
    const pack = await this.#store.packs.findByRef(input.packRef);
    if (!pack) throw new AppError('ERR_RULE_INVALID', `no pack "${input.packRef}" for rule "${spec.ref}"`);
    const rule = await this.#store.rules.create(sealed, pack.id);
    if (!rule) throw new AppError('ERR_RULE_EXISTS', `rule "${spec.ref}" exists already`);
    this.#log.info({ ruleRef: rule.ref }, 'rule created');
    await this.#bus.publish('rule.created', { ruleRef: rule.ref });
    return rule;
  }

  /**
   * Replaces the given fields of a rule; the result is validated whole. A secret parameter sent
   * back as `********` (as GET showed it) keeps its stored value.
   */
  async update(ref: string, patch: Partial<Omit<RuleSpec, 'ref'>>): Promise<Rule> {
    const current = await this.get(ref);
    const merged: RuleSpec = { ...toSpec(current), ...patch, ref, action_params: await this.#clearActionParams(current, patch.action_params) };
    const { input, action } = await this.#validate(merged, current.origin);
    const actionParams = sealActionParams(this.#secrets, action.parameters, input.actionParams, current.actionParams);
    const rule = await this.#store.rules.update(ref, { ...input, actionParams });
    if (!rule) throw new AppError('ERR_RULE_NOT_FOUND', `no rule "${ref}"`);
    await this.#bus.publish('rule.updated', { ruleRef: ref });
    return rule;
  }

  async setEnabled(ref: string, enabled: boolean): Promise<Rule> {
    // A rule may outlive the pack of its trigger or action: enabling it checks it again.
    if (enabled) await this.#validate(toSpec(await this.get(ref)), 'api');
    const rule = await this.#store.rules.setEnabled(ref, enabled);
    if (!rule) throw new AppError('ERR_RULE_NOT_FOUND', `no rule "${ref}"`);
    this.#log.info({ ruleRef: ref, enabled }, enabled ? 'rule enabled' : 'rule disabled');
    await this.#bus.publish(enabled ? 'rule.enabled' : 'rule.disabled', { ruleRef: ref });
    return rule;
  }

  async delete(ref: string): Promise<void> {
    if (!(await this.#store.rules.deleteByRef(ref))) throw new AppError('ERR_RULE_NOT_FOUND', `no rule "${ref}"`);
    this.#log.info({ ruleRef: ref }, 'rule deleted');
    await this.#bus.publish('rule.deleted', { ruleRef: ref });
  }

  /**
   * The action_params a change leaves, in clear: the patch's, with each `********` for a stored
   * secret replaced by that secret; or the stored ones, opened, when the patch has none.
   */
  async #clearActionParams(current: Rule, patch: Readonly<Record<string, unknown>> | undefined): Promise<Record<string, unknown>> {
    const schema: FlatSchema = (await this.#store.actions.findByRef(current.actionRef))?.parameters ?? {};
    const kept = secretParameters(schema).filter((name) => patch === undefined || patch[name] === REDACTED);
    if (kept.length === 0) return { ...(patch ?? current.actionParams) };
    const stored = this.#secrets.openParameters(schema, current.actionParams);
    const out = { ...(patch ?? stored) };
    for (const name of kept) if (Object.hasOwn(stored, name)) out[name] = stored[name];
    return out;
  }

  async #validate(spec: RuleSpec, origin: Rule['origin']): Promise<{ input: RuleInput; action: Action }> {
    const parsed = parseRef(spec.ref);
    if (!parsed) throw new AppError('ERR_RULE_INVALID', `rule ref "${spec.ref}" must be <pack>.<name>, lower case`);
    const conditions = typeof spec.conditions === 'string' ? [spec.conditions] : [...(spec.conditions ?? [])];
    const actionParams = spec.action_params ?? {};
    const trigger = await this.#store.triggers.findByRef(spec.trigger_ref);
    const action = await this.#store.actions.findByRef(spec.action_ref);
    const { problems, triggerParams } = checkRule(
      { triggerRef: spec.trigger_ref, triggerParams: spec.trigger_params ?? {}, conditions, actionRef: spec.action_ref, actionParams },
      { triggerSchema: trigger?.parameters, hasAction: action !== undefined },
    );
    // checkRule reports a missing action among the problems.
    if (problems.length > 0 || action === undefined) {
      const details = problems.map((p) => ({ field: p.field, message: p.message }));
      const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
      throw new AppError('ERR_RULE_INVALID', `${details[0]?.field}: ${details[0]?.message}${more}`, { details });
    }
    const permissionSet = spec.permission_set ?? null;
    if (permissionSet !== null && !(await this.#store.permissionSets.findByRef(permissionSet))) {
      throw new AppError('ERR_PERMISSION_SET_NOT_FOUND', `permission_set: no permission set "${permissionSet}" exists`);
    }
    const input: RuleInput = {
      ref: spec.ref,
      packRef: parsed.pack,
      label: spec.label ?? parsed.name,
      description: spec.description ?? '',
      triggerRef: spec.trigger_ref,
      triggerParams,
      conditions,
      actionRef: spec.action_ref,
      actionParams,
      enabled: spec.enabled ?? true,
      origin,
      permissionSet,
    };
    return { input, action };
  }
}

function toSpec(rule: Rule): RuleSpec {
  return {
    ref: rule.ref,
    label: rule.label,
    description: rule.description,
    trigger_ref: rule.triggerRef,
    trigger_params: { ...rule.triggerParams },
    conditions: rule.conditions,
    action_ref: rule.actionRef,
    action_params: { ...rule.actionParams },
    enabled: rule.enabled,
    permission_set: rule.permissionSet,
  };
}
