import type { Kysely, Selectable } from 'kysely';
import { type PackId, type Rule, type RuleOrigin, ruleId } from '../domain/index.js';
import { COMPILED_ROWS_MAX, type CompiledQueries } from './compiled-queries.js';
import { replacePackComponents } from './pack-components.js';
import { countRows, fromJson, nowIso, readPage, toJson } from './rows.js';
import type { Database, RuleTable } from './schema.js';
import type { RuleRepository } from './store.js';
import type { Page, RuleFilter, RuleInput } from './store-types.js';

export function toRule(row: Selectable<RuleTable>): Rule {
  return {
    id: ruleId(row.id),
    ref: row.ref,
    packRef: row.pack_ref,
    label: row.label,
    description: row.description,
    triggerRef: row.trigger_ref,
    triggerParams: fromJson(row.trigger_params),
    conditions: fromJson(row.conditions),
    actionRef: row.action_ref,
    actionParams: fromJson(row.action_params),
    enabled: row.enabled === 1,
    origin: row.origin as RuleOrigin,
    permissionSet: row.permission_set,
    created: row.created,
    updated: row.updated,
  };
}

function toColumns(input: RuleInput) {
  return {
    pack_ref: input.packRef,
    label: input.label,
    description: input.description,
    trigger_ref: input.triggerRef,
    trigger_params: toJson(input.triggerParams),
    conditions: toJson(input.conditions),
    action_ref: input.actionRef,
    action_params: toJson(input.actionParams),
    enabled: input.enabled ? 1 : 0,
    origin: input.origin,
    permission_set: input.permissionSet,
  };
}

export class KyselyRuleRepository implements RuleRepository {
  readonly #db: Kysely<Database>;

  readonly #queries: CompiledQueries;

  constructor(db: Kysely<Database>, queries: CompiledQueries) {
    this.#db = db;
    this.#queries = queries;
  }

  async findByRef(ref: string): Promise<Rule | undefined> {
    const row = await this.#db.selectFrom('rules').selectAll().where('ref', '=', ref).executeTakeFirst();
    return row && toRule(row);
  }

  async list(filter: RuleFilter): Promise<Page<Rule>> {
    let query = this.#db.selectFrom('rules');
    if (filter.packRef !== undefined) query = query.where('pack_ref', '=', filter.packRef);
    if (filter.triggerRef !== undefined) query = query.where('trigger_ref', '=', filter.triggerRef);
    if (filter.actionRef !== undefined) query = query.where('action_ref', '=', filter.actionRef);
    if (filter.enabled !== undefined) query = query.where('enabled', '=', filter.enabled ? 1 : 0);
    return readPage(query.selectAll().orderBy('ref').limit(filter.limit).offset(filter.offset).execute(), countRows(query), toRule);
  }

  async listEnabled(triggerRefs?: readonly string[]): Promise<readonly Rule[]> {
    if (triggerRefs?.length === 0) return [];
    // Read for every event (the rule engine, a webhook's rules): compiled once per number of refs.
    const refs = triggerRefs ?? [];
    const key = refs.length <= COMPILED_ROWS_MAX ? `rules.listEnabled:${triggerRefs === undefined ? 'all' : refs.length}` : undefined;
    const { rows } = await this.#queries.run(this.#db, key, refs, (...bound) =>
      this.#db
        .selectFrom('rules')
        .selectAll()
        .where('enabled', '=', 1)
        .$if(triggerRefs !== undefined, (qb) => qb.where('trigger_ref', 'in', bound))
        .orderBy('id'),
    );
    return rows.map(toRule);
  }

  async create(input: RuleInput, pack: PackId): Promise<Rule | undefined> {
    const now = nowIso();
    const row = await this.#db
      .insertInto('rules')
      .values({ ref: input.ref, pack_id: pack, created: now, updated: now, ...toColumns(input) })
      .onConflict((oc) => oc.column('ref').doNothing())
      .returningAll()
      .executeTakeFirst();
    return row && toRule(row);
  }

  async update(ref: string, input: RuleInput): Promise<Rule | undefined> {
    const row = await this.#db
      .updateTable('rules')
      .set({ ...toColumns(input), updated: nowIso() })
      .where('ref', '=', ref)
      .returningAll()
      .executeTakeFirst();
    return row && toRule(row);
  }

  async setEnabled(ref: string, enabled: boolean): Promise<Rule | undefined> {
    const row = await this.#db
      .updateTable('rules')
      .set({ enabled: enabled ? 1 : 0, updated: nowIso() })
      .where('ref', '=', ref)
      .returningAll()
      .executeTakeFirst();
    return row && toRule(row);
  }

  async deleteByRef(ref: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('rules').where('ref', '=', ref).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  replaceForPack(pack: PackId, inputs: readonly RuleInput[]): Promise<void> {
    return replacePackComponents(
      this.#db,
      'rules',
      pack,
      inputs.map((input) => ({ ref: input.ref, ...toColumns(input) })),
      { protect: { column: 'origin', value: 'api' }, insertOnly: ['enabled'] },
    );
  }
}
