import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Bus } from '../bus/index.js';
import { AppError, type Pack } from '../domain/index.js';
import type { ActionInput, Store } from '../store/index.js';
import { loadPack } from './load-pack.js';
import type { ActionDefinition, PackDefinition } from './pack-definition.js';

/** The core pack cannot be removed: Attune's own triggers and actions live in it. */
export const CORE_PACK_REF = 'core';

export interface PackRegistryOptions {
  readonly store: Store;
  readonly bus: Bus;
  readonly log: Logger;
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

  constructor(options: PackRegistryOptions) {
    this.#store = options.store;
    this.#bus = options.bus;
    this.#log = options.log;
  }

  async register(dir: string): Promise<Pack> {
    const definition = await loadPack(path.resolve(dir));
    const pack = await this.#write(definition);
    this.#log.info({ packRef: pack.ref, path: pack.path, actions: definition.actions.length }, 'pack registered');
    await this.#bus.publish('pack.registered', { packRef: pack.ref });
    return pack;
  }

  async remove(ref: string): Promise<void> {
    if (ref === CORE_PACK_REF) throw new AppError('ERR_PACK_PROTECTED', 'the core pack cannot be removed');
    const deleted = await this.#store.packs.deleteByRef(ref);
    if (!deleted) throw new AppError('ERR_PACK_NOT_FOUND', `no pack "${ref}"`);
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

  #write(definition: PackDefinition): Promise<Pack> {
    return this.#store.transaction(async (tx) => {
      const pack = await tx.packs.upsert(definition.meta, definition.path);
      await tx.actions.replaceForPack(
        pack.id,
        definition.actions.map((def) => toActionInput(def, pack.ref)),
      );
      return pack;
    });
  }
}

/** Pack directories under `<home>/packs`: each subdirectory holding a pack.yaml. */
export function listPackDirs(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(root, entry.name, 'pack.yaml')))
    .map((entry) => path.join(root, entry.name))
    .sort();
}
