import type { Kysely, Selectable } from 'kysely';
import { type PackId, type Sensor, type Trigger, type RunnerType, sensorId, triggerId } from '../domain/index.js';
import { replacePackComponents } from './pack-components.js';
import { countRows, fromJson, readPage, toJson } from './rows.js';
import type { Database, SensorTable, TriggerTable } from './schema.js';
import type { TriggerRepository } from './store.js';
import type { ComponentFilter, Page, SensorInput, TriggerInput } from './store-types.js';

export function toTrigger(row: Selectable<TriggerTable>): Trigger {
  return {
    id: triggerId(row.id),
    ref: row.ref,
    packRef: row.pack_ref,
    label: row.label,
    description: row.description,
    type: row.type,
    parameters: fromJson(row.parameters),
    output: fromJson(row.output),
    created: row.created,
    updated: row.updated,
  };
}

export function toSensor(row: Selectable<SensorTable>): Sensor {
  return {
    id: sensorId(row.id),
    ref: row.ref,
    packRef: row.pack_ref,
    label: row.label,
    description: row.description,
    runnerType: row.runner_type as RunnerType,
    entryPoint: row.entry_point,
    triggerTypes: fromJson(row.trigger_types),
    parameters: fromJson(row.parameters),
    enabled: row.enabled === 1,
    liveUpdates: row.live_updates === 1,
    created: row.created,
    updated: row.updated,
  };
}

export class KyselyTriggerRepository implements TriggerRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async findByRef(ref: string): Promise<Trigger | undefined> {
    const row = await this.#db.selectFrom('triggers').selectAll().where('ref', '=', ref).executeTakeFirst();
    return row && toTrigger(row);
  }

  async list(filter: ComponentFilter): Promise<Page<Trigger>> {
    let query = this.#db.selectFrom('triggers');
    if (filter.packRef !== undefined) query = query.where('pack_ref', '=', filter.packRef);
    return readPage(query.selectAll().orderBy('ref').limit(filter.limit).offset(filter.offset).execute(), countRows(query), toTrigger);
  }

  async listAll(): Promise<readonly Trigger[]> {
    const rows = await this.#db.selectFrom('triggers').selectAll().orderBy('ref').execute();
    return rows.map(toTrigger);
  }

  replaceForPack(pack: PackId, inputs: readonly TriggerInput[]): Promise<void> {
    return replacePackComponents(
      this.#db,
      'triggers',
      pack,
      inputs.map((t) => ({
        ref: t.ref,
        pack_ref: t.packRef,
        label: t.label,
        description: t.description,
        type: t.type,
        parameters: toJson(t.parameters),
        output: toJson(t.output),
      })),
    );
  }

  async findSensorByRef(ref: string): Promise<Sensor | undefined> {
    const row = await this.#db.selectFrom('sensors').selectAll().where('ref', '=', ref).executeTakeFirst();
    return row && toSensor(row);
  }

  async listSensors(): Promise<readonly Sensor[]> {
    const rows = await this.#db.selectFrom('sensors').selectAll().orderBy('ref').execute();
    return rows.map(toSensor);
  }

  replaceSensorsForPack(pack: PackId, inputs: readonly SensorInput[]): Promise<void> {
    return replacePackComponents(
      this.#db,
      'sensors',
      pack,
      inputs.map((s) => ({
        ref: s.ref,
        pack_ref: s.packRef,
        label: s.label,
        description: s.description,
        runner_type: s.runnerType,
        entry_point: s.entryPoint,
        trigger_types: toJson(s.triggerTypes),
        parameters: toJson(s.parameters),
        enabled: s.enabled ? 1 : 0,
        live_updates: s.liveUpdates ? 1 : 0,
      })),
    );
  }
}
