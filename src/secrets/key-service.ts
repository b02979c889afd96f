import { Buffer } from 'node:buffer';
import type { AuditLog, Principal } from '../auth/index.js';
import {
  AppError,
  type Key,
  type KeyAddress,
  type KeyScope,
  MAX_KEY_VALUE_BYTES,
  type PermissionAction,
  allows,
  formatKeyAddress,
  isPackRef,
} from '../domain/index.js';
import type { Page, PageRequest, Store } from '../store/index.js';
import { type SecretBox, isSealed } from './secret-box.js';

/** Who acts on keys: the caller's identity and grants. */
export type KeyActor = Pick<Principal, 'identity' | 'grants'>;

/** A key as its reader may see it: `value` only when they may read it in clear. */
export interface KeyView {
  readonly key: Key;
  readonly value?: string;
}

export interface KeyServiceOptions {
  readonly store: Store;
  /** Seals values before they are stored and opens them for who may read them. */
  readonly secrets: SecretBox;
  readonly audit: Pick<AuditLog, 'record'>;
}

/**
 * The key datastore (docs/keys.md). Values are sealed (AES-256-GCM, the data dir's key) before
 * they reach the store, and opened only for: a reader allowed to see them in clear, a rule's
 * templates and conditions (`keystore.<name>`), and a webhook's signature check. A user's keys
 * are seen only by their owner and by admins (who may manage identities). Writes, deletes and
 * every clear read of a secret key are audited; no value ever goes to the audit log or a log line.
 */
export class KeyService {
  readonly #store: Store;
  readonly #secrets: SecretBox;
  readonly #audit: Pick<AuditLog, 'record'>;

  constructor(options: KeyServiceOptions) {
    this.#store = options.store;
    this.#secrets = options.secrets;
    this.#audit = options.audit;
  }

  /**
   * Where `name` lives for this actor: system keys have no owner, pack keys name their pack, user
   * keys their login (the actor's own by default). ERR_VALIDATION for a missing or misplaced
   * owner; ERR_FORBIDDEN for another user's key unless the actor is an admin.
   */
  address(actor: KeyActor, name: string, scope: KeyScope = 'system', owner?: string): KeyAddress {
    switch (scope) {
      case 'system':
        if (owner !== undefined && owner !== '') throw invalid('owner', 'system keys have no owner');
        return { scope, owner: '', name };
      case 'pack':
        if (owner === undefined || !isPackRef(owner)) throw invalid('owner', 'pack keys need owner=<pack ref>');
        return { scope, owner, name };
      case 'user': {
        const login = owner ?? actor.identity.login;
        if (login !== actor.identity.login && !isKeyAdmin(actor)) {
          throw new AppError('ERR_FORBIDDEN', `${actor.identity.login} may not use the keys of ${login} (only their owner and admins may)`);
        }
        return { scope, owner: login, name };
      }
    }
  }

  /** Stores a value (sealed), creating the key or replacing it; updating needs keys:update too. */
  async set(actor: KeyActor, address: KeyAddress, value: string, options: { readonly secret: boolean; readonly source: string }): Promise<Key> {
    if (Buffer.byteLength(value) > MAX_KEY_VALUE_BYTES) throw invalid('value', `is longer than ${MAX_KEY_VALUE_BYTES} bytes`);
    if (address.scope === 'pack' && !(await this.#store.packs.findByRef(address.owner))) {
      throw new AppError('ERR_PACK_NOT_FOUND', `no pack "${address.owner}" to own the key "${address.name}"`);
    }
    const existing = await this.#store.keys.get(address);
    if (existing) requireGrant(actor, 'update');
    const { key, created } = await this.#store.keys.put({ ...address, value: this.#secrets.seal(value), secret: options.secret, createdBy: actor.identity.login });
    await this.#record(actor, created ? 'key.created' : 'key.updated', key, options.source);
    return key;
  }

  /**
   * The key; its value in clear when it is not secret, or when `decrypt` is asked and the actor
   * holds keys:decrypt (or owns the user key). ERR_KEY_NOT_FOUND, ERR_FORBIDDEN.
   */
  async get(actor: KeyActor, address: KeyAddress, options: { readonly decrypt: boolean; readonly source: string }): Promise<KeyView> {
    const stored = await this.#store.keys.get(address);
    if (!stored) throw notFound(address);
    const { value, ...key } = stored;
    if (!key.secret) return { key, value: this.#open(value, key) };
    if (!options.decrypt) return { key };
    const isOwner = key.scope === 'user' && key.owner === actor.identity.login;
    if (!isOwner) requireGrant(actor, 'decrypt');
    await this.#record(actor, 'key.decrypted', key, options.source);
    return { key, value: this.#open(value, key) };
  }

  /** A page of keys (never values) the actor may see: every system and pack key, and their own user keys. */
  list(actor: KeyActor, filter: PageRequest & { readonly scope?: KeyScope; readonly owner?: string }): Promise<Page<Key>> {
    const admin = isKeyAdmin(actor);
    if (filter.scope === 'user' && filter.owner !== undefined && filter.owner !== actor.identity.login && !admin) {
      throw new AppError('ERR_FORBIDDEN', `${actor.identity.login} may not list the keys of ${filter.owner}`);
    }
    return this.#store.keys.list({ ...filter, ...(admin ? {} : { visibleTo: actor.identity.login }) });
  }

  async delete(actor: KeyActor, address: KeyAddress, source: string): Promise<void> {
    const stored = await this.#store.keys.get(address);
    if (!stored || !(await this.#store.keys.delete(address))) throw notFound(address);
    await this.#record(actor, 'key.deleted', stored, source);
  }

  /**
   * What a rule of `packRef` reads as `keystore`: every system key, shadowed by the pack's own keys
   * of the same name, in clear. Only the rule engine calls this, for rules that use `keystore`.
   */
  async valuesFor(packRef: string): Promise<Record<string, string>> {
    const keys = await this.#store.keys.listValues([{ scope: 'system', owner: '' }, { scope: 'pack', owner: packRef }]);
    const ordered = [...keys.filter((k) => k.scope === 'system'), ...keys.filter((k) => k.scope === 'pack')];
    return Object.fromEntries(ordered.map((k) => [k.name, this.#open(k.value, k)]));
  }

  /** One key as a rule of `packRef` reads it (the pack's own, else the system key); undefined when neither exists. */
  async resolve(packRef: string, name: string): Promise<string | undefined> {
    const stored = (await this.#store.keys.get({ scope: 'pack', owner: packRef, name })) ?? (await this.#store.keys.get({ scope: 'system', owner: '', name }));
    return stored && this.#open(stored.value, stored);
  }

  #open(value: unknown, key: KeyAddress): string {
    if (!isSealed(value)) throw new AppError('ERR_SECRET_UNREADABLE', `the key ${formatKeyAddress(key)} is not stored sealed`);
    try {
      return String(this.#secrets.open(value));
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      throw new AppError('ERR_SECRET_UNREADABLE', `the key ${formatKeyAddress(key)} cannot be opened: it was sealed with another data dir's key, or altered`, { cause: error.cause });
    }
  }

  #record(actor: KeyActor, action: string, key: Key, source: string): Promise<void> {
    return this.#audit.record({ actor: actor.identity, action, target: formatKeyAddress(key), source, details: { secret: key.secret } });
  }
}

/** Admins see and change every user's keys: those who may manage identities. */
export function isKeyAdmin(actor: KeyActor): boolean {
  return allows(actor.grants, { resource: 'identities', action: 'update' });
}

function requireGrant(actor: KeyActor, action: PermissionAction): void {
  if (!allows(actor.grants, { resource: 'keys', action })) {
    throw new AppError('ERR_FORBIDDEN', `${actor.identity.login} may not ${action} keys (needs keys:${action})`, { details: { permission: `keys:${action}` } });
  }
}

function invalid(field: string, message: string): AppError {
  return new AppError('ERR_VALIDATION', `${field} ${message}`, { details: [{ field, message }] });
}

function notFound(address: KeyAddress): AppError {
  return new AppError('ERR_KEY_NOT_FOUND', `no key ${formatKeyAddress(address)}`);
}
