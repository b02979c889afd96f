import type { Kysely, Selectable } from 'kysely';
import {
  type Action,
  type OutputFormat,
  type PackId,
  type ParameterDelivery,
  type ParameterFormat,
  type ActionRunnerType,
  actionId,
} from '../domain/index.js';
import { replacePackComponents } from './pack-components.js';
import { countRows, fromJson, readPage, toJson } from './rows.js';
import type { ActionTable, Database } from './schema.js';
import type { ActionRepository } from './store.js';
import type { ActionInput, ComponentFilter, Page } from './store-types.js';

export function toAction(row: Selectable<ActionTable>): Action {
  return {
    id: actionId(row.id),
    ref: row.ref,
    packRef: row.pack_ref,
    label: row.label,
    description: row.description,
    runnerType: row.runner_type as ActionRunnerType,
    entryPoint: row.entry_point,
    parameters: fromJson(row.parameters),
    output: fromJson(row.output),
    parameterDelivery: row.parameter_delivery as ParameterDelivery,
    parameterFormat: row.parameter_format as ParameterFormat,
    outputFormat: row.output_format as OutputFormat,
    timeoutSeconds: row.timeout_seconds,
    maxRetries: row.max_retries,
    apiAccess: row.api_access === 1,
    permissionSet: row.permission_set,
    workflow: fromJson(row.workflow ?? null),
    created: row.created,
    updated: row.updated,
  };
}

function toColumns(input: ActionInput) {
  return {
    pack_ref: input.packRef,
    label: input.label,
    description: input.description,
    runner_type: input.runnerType,
    entry_point: input.entryPoint,
    parameters: toJson(input.parameters),
    output: toJson(input.output),
    parameter_delivery: input.parameterDelivery,
    parameter_format: input.parameterFormat,
    output_format: input.outputFormat,
    timeout_seconds: input.timeoutSeconds,
    max_retries: input.maxRetries,
    api_access: input.apiAccess ? 1 : 0,
    permission_set: input.permissionSet,
    workflow: input.workflow === null ? null : toJson(input.workflow),
  };
}

export class KyselyActionRepository implements ActionRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async findByRef(ref: string): Promise<Action | undefined> {
    const row = await this.#db.selectFrom('actions').selectAll().where('ref', '=', ref).executeTakeFirst();
    return row && toAction(row);
  }

  async list(filter: ComponentFilter): Promise<Page<Action>> {
    let query = this.#db.selectFrom('actions');
    if (filter.packRef !== undefined) query = query.where('pack_ref', '=', filter.packRef);
    return readPage(query.selectAll().orderBy('ref').limit(filter.limit).offset(filter.offset).execute(), countRows(query), toAction);
  }

  async listRefs(): Promise<readonly { ref: string; packRef: string }[]> {
    const rows = await this.#db.selectFrom('actions').select(['ref', 'pack_ref']).execute();
    return rows.map((row) => ({ ref: row.ref, packRef: row.pack_ref }));
  }

  replaceForPack(pack: PackId, inputs: readonly ActionInput[]): Promise<void> {
    return replacePackComponents(
      this.#db,
      'actions',
      pack,
      inputs.map((input) => ({ ref: input.ref, ...toColumns(input) })),
    );
  }
}
