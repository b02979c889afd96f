import { AppError, type ApiToken, type ApiTokenId, type ApiTokenKind, type Identity, type IdentityId, allows } from '../domain/index.js';
import type { Page, PageRequest, Store } from '../store/index.js';
import type { Acting, AuditLog } from './audit-log.js';
import type { AuthService, Principal } from './auth-service.js';
import { encodeTokenSets } from './token-scope.js';

export interface NewIntegrationToken {
  readonly name: string;
  /** A subset of the identity's sets (any sets for an admin); default: the identity's own, as they are at each request. */
  readonly permissionSets?: readonly string[];
  readonly expiresInSeconds?: number;
  /** Another identity (a service account) the token acts as; needs `tokens:create`. */
  readonly login?: string;
}

export interface TokenListRequest extends PageRequest {
  readonly kind?: Exclude<ApiTokenKind, 'refresh'>;
  readonly login?: string;
  readonly includeInactive?: boolean;
}

/** A token as listed: never its value or hash, which are not kept. */
export interface ListedToken {
  readonly token: ApiToken;
  readonly login: string;
}

/** The permission_set column holds the sets' names joined by commas (see token-scope.ts). */
const MAX_SETS_LENGTH = 64;

/**
 * Integration tokens, as their users manage them. Anyone logged in makes tokens for themselves
 * with at most their own sets, lists and revokes their own; `tokens:create`, `tokens:read` and
 * `tokens:delete` (admins) reach every identity's. A token cannot make tokens unless it has
 * `tokens:create`: it would outlive its own revocation.
 */
export class TokenAdmin {
  readonly #store: Store;
  readonly #audit: AuditLog;
  readonly #auth: Pick<AuthService, 'invalidate' | 'issueApiToken'>;
  readonly #now: () => number;

  constructor(options: { readonly store: Store; readonly audit: AuditLog; readonly auth: Pick<AuthService, 'invalidate' | 'issueApiToken'>; readonly now?: () => number }) {
    this.#store = options.store;
    this.#audit = options.audit;
    this.#auth = options.auth;
    this.#now = options.now ?? Date.now;
  }

  async create(principal: Principal, request: NewIntegrationToken, source: string): Promise<{ readonly token: string; readonly listed: ListedToken }> {
    const isAdmin = allows(principal.grants, { resource: 'tokens', action: 'create' });
    if (!isAdmin && principal.via !== 'access') throw new AppError('ERR_FORBIDDEN', 'tokens are made by a logged-in user (attune auth login), not by another token', { details: { permission: 'tokens:create' } });
    const identity = await this.#owner(principal, request.login, isAdmin);
    for (const set of request.permissionSets ?? []) {
      if (!(await this.#store.permissionSets.findByRef(set))) throw new AppError('ERR_PERMISSION_SET_NOT_FOUND', `no permission set is named "${set}"`);
      if (!identity.permissionSets.includes('admin') && !identity.permissionSets.includes(set)) throw new AppError('ERR_FORBIDDEN', `${identity.login} does not hold "${set}": a token carries at most its identity's sets`, { details: { permission: 'tokens:create' } });
    }
    const permissionSet = encodeTokenSets(request.permissionSets);
    if (permissionSet !== null && permissionSet.length > MAX_SETS_LENGTH) throw new AppError('ERR_VALIDATION', `permission_sets: at most ${MAX_SETS_LENGTH} characters of set names together`);
    const expiresAt = request.expiresInSeconds === undefined ? null : new Date(this.#now() + request.expiresInSeconds * 1000).toISOString();
    const { token, record } = await this.#auth.issueApiToken({
      kind: 'integration',
      identity,
      label: request.name,
      permissionSet,
      expiresAt,
      requestedBy: { actor: principal.identity, source },
    });
    return { token, listed: { token: record, login: identity.login } };
  }

  async list(principal: Principal, request: TokenListRequest): Promise<Page<ListedToken>> {
    const isAdmin = allows(principal.grants, { resource: 'tokens', action: 'read' });
    let identityId: IdentityId | undefined = principal.identity.id;
    if (request.login !== undefined) identityId = (await this.#owner(principal, request.login, isAdmin)).id;
    else if (isAdmin) identityId = undefined;
    const page = await this.#store.apiTokens.list({
      limit: request.limit,
      offset: request.offset,
      kind: request.kind ?? 'integration',
      includeInactive: request.includeInactive ?? false,
      ...(identityId === undefined ? {} : { identityId }),
    });
    const logins = new Map<number, string>();
    for (const token of page.items) {
      if (!logins.has(token.identityId)) logins.set(token.identityId, (await this.#store.identities.get(token.identityId))?.login ?? '');
    }
    return { total: page.total, items: page.items.map((token) => ({ token, login: logins.get(token.identityId) ?? '' })) };
  }

  /** Revokes a token at once; revoking a revoked token changes nothing. Others' tokens need `tokens:delete`. */
  async revoke(principal: Principal, id: ApiTokenId, by: Acting): Promise<void> {
    const token = await this.#store.apiTokens.get(id);
    const isAdmin = allows(principal.grants, { resource: 'tokens', action: 'delete' });
    // Someone else's token is "not found", so ids cannot be probed.
    if (!token || token.kind === 'refresh' || (!isAdmin && token.identityId !== principal.identity.id)) throw new AppError('ERR_TOKEN_NOT_FOUND', `no token has the id ${id}`);
    if (!(await this.#store.apiTokens.revoke(id))) return;
    this.#auth.invalidate();
    await this.#audit.change(by, 'token.revoked', String(id), { kind: token.kind, label: token.label });
  }

  async #owner(principal: Principal, login: string | undefined, isAdmin: boolean): Promise<Identity> {
    if (login === undefined || login === principal.identity.login) return principal.identity;
    if (!isAdmin) throw new AppError('ERR_FORBIDDEN', `${principal.identity.login} may only manage their own tokens`, { details: { permission: 'tokens:create' } });
    const identity = await this.#store.identities.findByLogin(login);
    if (!identity) throw new AppError('ERR_IDENTITY_NOT_FOUND', `no identity has the login "${login}"`);
    return identity;
  }
}
