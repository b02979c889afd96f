import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Bus } from '../bus/index.js';
import { AppError, type Pack, type PackMeta, checkParameters } from '../domain/index.js';
import { sealActionParams } from '../rules/index.js';
import type { SecretBox } from '../secrets/index.js';
import type { ActionInput, Repositories, RuleInput, Store } from '../store/index.js';
import { loadPack } from './load-pack.js';
import { loadPrebuilt } from './prebuilt-packs.js';
import type { PackLimits } from './pack-files.js';
import type { PackCatalog } from './pack-catalog.js';
import type { ActionDefinition, PackDefinition, RuleDefinition } from './pack-definition.js';
import type { KnownComponents } from './reference-checks.js';

/** The core pack cannot be removed: Attune's own triggers and actions live in it. */
export const CORE_PACK_REF = 'core';

export interface PackRegistryOptions {
  readonly store: Store;
  readonly bus: Bus;
  readonly log: Logger;
  /** Told at once when packs change here; other processes learn it from the bus. */
  readonly catalog?: PackCatalog;
  /** Seals config values the conf_schema marks secret, and rule literals for secret action parameters. */
  readonly secrets: SecretBox;
  /** What one pack may hold (`packs.*`); the configuration's defaults when not given. */
  readonly limits?: PackLimits;
}

function toActionInput(def: ActionDefinition, packRef: string): ActionInput {
  const { file: _file, name: _name, ...rest } = def;
  return { ...rest, packRef };
}

/**
 * Registers packs from disk: a pack is parsed and validated whole, then written in one
 * transaction, so a broken pack changes nothing and a re-registration replaces the pack's
 * components exactly (changed ones updated, deleted ones removed).
 */
export class PackRegistry {
  readonly #store: Store;
  readonly #bus: Bus;
  readonly #log: Logger;
  readonly #catalog: PackCatalog | undefined;
  readonly #secrets: SecretBox;
  readonly #limits: PackLimits | undefined;
  /** The registration in progress, if any: see register. */
  #current: Promise<unknown> = Promise.resolve();

  constructor(options: PackRegistryOptions) {
    this.#secrets = options.secrets;
    this.#store = options.store;
    this.#bus = options.bus;
    this.#log = options.log;
    this.#catalog = options.catalog;
    this.#limits = options.limits;
  }

  /**
   * Registers the pack at `dir`. Registrations run one at a time: what one may cost is bounded
   * by `packs.*`, and queuing keeps that bound when many requests arrive together.
   */
  register(dir: string): Promise<Pack> {
    const next = this.#current.then(() => this.#register(dir));
    // The queue only orders registrations; each caller gets its own result or error from `next`.
    this.#current = next.catch(() => undefined);
    return next;
  }

  async #register(dir: string): Promise<Pack> {
    const root = path.resolve(dir);
    const known = await this.#installedOutside(root);
    // A shipped pack unchanged since the build was validated then (see prebuilt-packs.ts).
    const definition = (await loadPrebuilt(root)) ?? (await loadPack(root, { known, ...(this.#limits ? { limits: this.#limits } : {}) }));
    const pack = await this.#write(definition, known);
    const counts = { actions: definition.actions.length, triggers: definition.triggers.length, rules: definition.rules.length, sensors: definition.sensors.length };
    this.#catalog?.invalidate();
    this.#log.info({ packRef: pack.ref, path: pack.path, ...counts }, 'pack registered');
    await this.#bus.publish('pack.registered', { packRef: pack.ref });
    return pack;
  }

  async remove(ref: string): Promise<void> {
    if (ref === CORE_PACK_REF) throw new AppError('ERR_PACK_PROTECTED', 'the core pack cannot be removed');
    const deleted = await this.#store.packs.deleteByRef(ref);
    if (!deleted) throw new AppError('ERR_PACK_NOT_FOUND', `no pack "${ref}"`);
    this.#catalog?.invalidate();
    this.#log.info({ packRef: ref }, 'pack removed');
    await this.#bus.publish('pack.deleted', { packRef: ref });
  }

  /**
   * Loads every pack Attune should have at start: the core pack, each directory under
   * `<home>/packs`, the configured paths, and every pack registered before. A pack that fails
   * to load is logged and keeps its previous registration; it never stops the start.
   */
  async registerAtStart(dirs: readonly string[]): Promise<void> {
    const known = (await this.#store.packs.listAll()).map((pack) => pack.path);
    const seen = new Set<string>();
    for (const dir of [...dirs, ...known].map((d) => path.resolve(d))) {
      if (seen.has(dir)) continue;
      seen.add(dir);
      try {
        await this.register(dir);
      } catch (error) {
        // A broken or vanished pack must not stop Attune; its earlier registration stays usable.
        this.#log.error({ err: error, path: dir }, 'pack failed to load at start');
      }
    }
  }

  /** Triggers and actions installed by packs other than the one at `root`. */
  async #installedOutside(root: string): Promise<KnownComponents> {
    const own = (await this.#store.packs.listAll()).find((pack) => pack.path === root)?.ref;
    const triggers = (await this.#store.triggers.listAll()).filter((t) => t.packRef !== own);
    const actions = (await this.#store.actions.listRefs()).filter((a) => a.packRef !== own);
    const permissionSets = new Set((await this.#store.permissionSets.listAll()).map((set) => set.ref));
    return { triggers: new Map(triggers.map((t) => [t.ref, t.parameters])), actions: new Set(actions.map((a) => a.ref)), permissionSets };
  }

  /** Writes the pack in dependency order — triggers, actions, rules, sensors, policies — in one transaction. */
  #write(definition: PackDefinition, known: KnownComponents): Promise<Pack> {
    const schemas = new Map([...known.triggers, ...definition.triggers.map((t) => [t.ref, t.parameters] as const)]);
    // trigger_params are stored with the trigger's defaults, as a rule saved through the API is.
    const withDefaults = (rule: Pick<RuleDefinition, 'triggerRef' | 'triggerParams'>) => {
      const checked = checkParameters(schemas.get(rule.triggerRef) ?? {}, rule.triggerParams);
      return checked.ok ? checked.value : { ...rule.triggerParams };
    };
    return this.#store.transaction(async (tx) => {
      const pack = await tx.packs.upsert(await this.#sealConfig(tx, definition.meta), definition.path);
      const packRef = pack.ref;
      await tx.triggers.replaceForPack(pack.id, definition.triggers.map(({ file: _f, name: _n, ...t }) => ({ ...t, packRef })));
      await tx.actions.replaceForPack(pack.id, definition.actions.map((def) => toActionInput(def, packRef)));
      const rules = definition.rules.map(({ file: _f, name: _n, ...r }) => ({ ...r, triggerParams: withDefaults(r), packRef, origin: 'pack' as const }));
      await tx.rules.replaceForPack(pack.id, await this.#sealRules(tx, rules));
      await tx.triggers.replaceSensorsForPack(pack.id, definition.sensors.map(({ file: _f, name: _n, ...s }) => ({ ...s, packRef })));
      await tx.policies.replaceForPack(pack.id, definition.policies.map(({ file: _f, name: _n, ...p }) => ({ ...p, packRef })));
      return pack;
    });
  }

  /** pack.yaml's config as stored: values the conf_schema marks secret sealed. */
  async #sealConfig(tx: Repositories, meta: PackMeta): Promise<PackMeta> {
    const previous = (await tx.packs.findByRef(meta.ref))?.config;
    return { ...meta, config: this.#secrets.sealParameters(meta.confSchema, meta.config, previous ? { previous } : {}) };
  }

  /**
   * Rules as stored: literals for parameters their action marks secret sealed. Runs after the
   * pack's actions are written, so a rule on an action of its own pack finds its schema.
   */
  async #sealRules(tx: Repositories, rules: readonly RuleInput[]): Promise<RuleInput[]> {
    const sealed: RuleInput[] = [];
    for (const rule of rules) {
      const schema = (await tx.actions.findByRef(rule.actionRef))?.parameters ?? {};
      const previous = (await tx.rules.findByRef(rule.ref))?.actionParams;
      sealed.push({ ...rule, actionParams: sealActionParams(this.#secrets, schema, rule.actionParams, previous) });
    }
    return sealed;
  }
}

/** Pack directories under `<home>/packs`: each subdirectory holding a pack.yaml. */
export function listPackDirs(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && ['pack.yaml', 'pack.yml'].some((f) => existsSync(path.join(root, entry.name, f))))
    .map((entry) => path.join(root, entry.name))
    .sort();
}
