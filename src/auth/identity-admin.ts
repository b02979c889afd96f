import { AppError, type Identity, type IdentityKind } from '../domain/index.js';
import type { Page, PageRequest, Repositories } from '../store/index.js';
import { AdminService } from './admin-service.js';
import type { Acting } from './audit-log.js';
import { hashPassword, verifyPassword } from './passwords.js';

export interface NewIdentityRequest {
  readonly login: string;
  readonly displayName?: string;
  /** A user logs in with it; a service account has none. */
  readonly password?: string;
  readonly kind?: IdentityKind;
  readonly permissionSets?: readonly string[];
}

export interface IdentityChange {
  readonly password?: string;
  readonly disabled?: boolean;
}

/** The set whose last enabled holder must stay: without one, nobody could grant anything again. */
const ADMIN_SET = 'admin';
const PAGE = 500;

/**
 * Identities and the permission sets they hold, as an admin changes them. Every change is
 * audited and drops the principals AuthService cached, so it takes effect at the next request.
 * The last enabled identity holding `admin` can be neither deleted, disabled nor demoted.
 */
export class IdentityAdmin extends AdminService {
  list(page: PageRequest): Promise<Page<Identity>> {
    return this.store.identities.list(page);
  }

  async get(login: string, repositories: Repositories = this.store): Promise<Identity> {
    const identity = await repositories.identities.findByLogin(login);
    if (!identity) throw new AppError('ERR_IDENTITY_NOT_FOUND', `no identity has the login "${login}"`);
    return identity;
  }

  async create(request: NewIdentityRequest, by: Acting): Promise<Identity> {
    const kind = request.kind ?? (request.password === undefined ? 'service' : 'user');
    if (kind === 'user' && request.password === undefined) throw new AppError('ERR_VALIDATION', 'a user needs a password (a service account, kind "service", has none)');
    if (kind === 'service' && request.password !== undefined) throw new AppError('ERR_VALIDATION', 'a service account has no password: it uses tokens');
    const sets = request.permissionSets ?? [];
    for (const set of sets) await this.#assertSetExists(set);
    const passwordHash = request.password === undefined ? null : await hashPassword(request.password);
    const created = await this.store.transaction(async (tx) => {
      const identity = await tx.identities.create({ login: request.login, displayName: request.displayName ?? request.login, kind, passwordHash });
      if (!identity) throw new AppError('ERR_IDENTITY_EXISTS', `an identity with the login "${request.login}" exists already`);
      for (const set of sets) await tx.identities.grant(identity.id, set);
      return this.get(request.login, tx);
    });
    await this.audit.change(by, 'identity.created', created.login, { kind, permission_sets: sets });
    return created;
  }

  async update(login: string, change: IdentityChange, by: Acting): Promise<Identity> {
    const identity = await this.get(login);
    if (change.password !== undefined && identity.kind === 'service') throw new AppError('ERR_VALIDATION', 'a service account has no password: it uses tokens');
    const passwordHash = change.password === undefined ? undefined : await hashPassword(change.password);
    const updated = await this.store.transaction(async (tx) => {
      if (change.disabled === true) await assertAdminRemains(tx, identity);
      if (change.disabled !== undefined) await tx.identities.setDisabled(identity.id, change.disabled);
      if (passwordHash !== undefined) await this.#setPassword(tx, identity, passwordHash);
      return this.get(login, tx);
    });
    this.auth.invalidate();
    await this.audit.change(by, 'identity.updated', login, { ...(change.disabled === undefined ? {} : { disabled: change.disabled }), password_changed: passwordHash !== undefined });
    return updated;
  }

  /** A user changes their own password, proving they know the current one. */
  async changeOwnPassword(identity: Pick<Identity, 'id' | 'login'>, oldPassword: string, newPassword: string, source: string): Promise<void> {
    const found = await this.store.identities.findCredentials(identity.login);
    if (!found?.passwordHash || !(await verifyPassword(found.passwordHash, oldPassword))) {
      await this.audit.record({ actor: identity, action: 'identity.password_change_failed', target: identity.login, source, outcome: 'failure' });
      throw new AppError('ERR_LOGIN_FAILED', 'the current password is wrong');
    }
    const hash = await hashPassword(newPassword);
    await this.store.transaction((tx) => this.#setPassword(tx, found.identity, hash));
    this.auth.invalidate();
    await this.audit.change({ actor: identity, source }, 'identity.updated', identity.login, { password_changed: true });
  }

  async delete(login: string, by: Acting): Promise<void> {
    await this.store.transaction(async (tx) => {
      const identity = await this.get(login, tx);
      await assertAdminRemains(tx, identity);
      await tx.identities.delete(identity.id);
    });
    this.auth.invalidate();
    await this.audit.change(by, 'identity.deleted', login);
  }

  /** Gives `login` the set (nothing changes when it holds it already). */
  async grant(login: string, set: string, by: Acting): Promise<Identity> {
    await this.#assertSetExists(set);
    const identity = await this.get(login);
    if (await this.store.identities.grant(identity.id, set)) {
      this.auth.invalidate();
      await this.audit.change(by, 'identity.granted', login, { permission_set: set });
    }
    return this.get(login);
  }

  /** Takes the set from `login` (nothing changes when it does not hold it). */
  async revoke(login: string, set: string, by: Acting): Promise<Identity> {
    await this.#assertSetExists(set);
    const revoked = await this.store.transaction(async (tx) => {
      const identity = await this.get(login, tx);
      if (set === ADMIN_SET) await assertAdminRemains(tx, identity);
      return tx.identities.revoke(identity.id, set);
    });
    if (revoked) {
      this.auth.invalidate();
      await this.audit.change(by, 'identity.revoked', login, { permission_set: set });
    }
    return this.get(login);
  }

  /** A new password ends the identity's logins elsewhere: its refresh tokens are revoked. */
  async #setPassword(tx: Repositories, identity: Pick<Identity, 'id'>, passwordHash: string): Promise<void> {
    await tx.identities.setPassword(identity.id, passwordHash);
    const sessions = await tx.apiTokens.list({ identityId: identity.id, kind: 'refresh', limit: 1000, offset: 0 });
    for (const session of sessions.items) await tx.apiTokens.revoke(session.id);
  }

  async #assertSetExists(set: string): Promise<void> {
    if (!(await this.store.permissionSets.findByRef(set))) throw new AppError('ERR_PERMISSION_SET_NOT_FOUND', `no permission set is named "${set}"`);
  }
}

/** Refuses a change that would take `admin` away from `leaving` when no other enabled identity holds it. */
async function assertAdminRemains(tx: Repositories, leaving: Identity): Promise<void> {
  if (leaving.disabled || !leaving.permissionSets.includes(ADMIN_SET)) return;
  for (let offset = 0; ; offset += PAGE) {
    const page = await tx.identities.list({ limit: PAGE, offset });
    if (page.items.some((other) => other.id !== leaving.id && !other.disabled && other.permissionSets.includes(ADMIN_SET))) return;
    if (page.items.length < PAGE) break;
  }
  throw new AppError('ERR_LAST_ADMIN', `${leaving.login} is the last enabled admin: make another identity an admin first`);
}
