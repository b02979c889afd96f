import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { AuthConfig } from '../config/index.js';
import {
  AppError,
  type ApiToken,
  type ApiTokenId,
  type ApiTokenKind,
  BUILTIN_PERMISSION_SETS,
  BUILTIN_SETS,
  type ExecutionId,
  type Grant,
  type Identity,
  isTerminal,
} from '../domain/index.js';
import type { SecretBox } from '../secrets/index.js';
import type { Store } from '../store/index.js';
import { AccessTokens } from './access-tokens.js';
import { ApiTokenHasher, apiTokenKind } from './api-tokens.js';
import type { AuditLog } from './audit-log.js';
import { LoginLimiter } from './login-limiter.js';
import { SYSTEM_LOGIN } from './service-tokens.js';
import { hashPassword, verifyNobody, verifyPassword } from './passwords.js';
import { tokenPermissionSets } from './token-scope.js';

/** Who is calling, and what they may do. */
export interface Principal {
  readonly identity: Identity;
  readonly grants: readonly Grant[];
  /** How the caller authenticated: a login's access token, or an API token of this kind. */
  readonly via: 'access' | Exclude<ApiTokenKind, 'refresh'>;
  readonly tokenId: ApiTokenId | null;
  /** The execution an execution token is for. */
  readonly executionId: ExecutionId | null;
}

export interface LoginResult {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly tokenType: 'Bearer';
  /** Seconds the access token is valid for. */
  readonly expiresIn: number;
  readonly identity: Identity;
}

/** What the first start of an empty database made: shown once, never stored in clear. */
export interface FirstStart {
  readonly login: string;
  readonly password: string;
  /** An integration token of the admin, for the CLI on this machine. */
  readonly cliToken: string;
}

export interface NewApiTokenRequest {
  readonly kind: Exclude<ApiTokenKind, 'refresh'>;
  readonly identity: Pick<Identity, 'id' | 'login'>;
  readonly label: string;
  readonly expiresAt?: string | null;
  readonly permissionSet?: string | null;
  readonly executionId?: ExecutionId | null;
  /** Who asked for it and from where, for the audit log (default: its identity, and Attune itself). */
  readonly requestedBy?: { readonly actor: Pick<Identity, 'id' | 'login'>; readonly source: string };
}

/** How long a resolved token is trusted without asking the database again. */
const PRINCIPAL_CACHE_MS = 5000;
/** `token.used` is audited at most this often per token. */
const USE_AUDIT_INTERVAL_MS = 3_600_000;
export const ADMIN_LOGIN = 'admin';
const POST_EVENTS: Grant = { resource: 'events', actions: ['create'] };

interface Cached {
  readonly principal: Principal | undefined;
  readonly until: number;
}

/**
 * Logins, tokens and who a request comes from. Access tokens are short-lived JWTs naming an
 * identity; API tokens (integration, sensor, execution, refresh) are opaque and stored as keyed
 * hashes. Either way, the identity and its grants are read from the database (cached for a few
 * seconds), so disabling an identity or revoking a grant takes effect at once.
 */
export class AuthService {
  readonly #store: Store;
  readonly #log: Logger;
  readonly #config: AuthConfig;
  readonly #audit: AuditLog;
  readonly #access: AccessTokens;
  readonly #hasher: ApiTokenHasher;
  readonly #limiter: LoginLimiter;
  readonly #now: () => number;
  #cache = new Map<string, Cached>();
  readonly #lastUseAudit = new Map<number, number>();

  constructor(options: { store: Store; secrets: SecretBox; log: Logger; config: AuthConfig; audit: AuditLog; now?: () => number }) {
    this.#store = options.store;
    this.#log = options.log.child({ svc: 'auth' });
    this.#config = options.config;
    this.#audit = options.audit;
    this.#now = options.now ?? Date.now;
    this.#access = new AccessTokens(options.secrets.deriveKey('access tokens v1'), options.config.access_token_ttl_seconds);
    this.#hasher = new ApiTokenHasher(options.secrets.deriveKey('api tokens v1'));
    this.#limiter = new LoginLimiter({ maxFailures: options.config.login_max_failures, windowSeconds: options.config.login_window_seconds, now: this.#now });
  }

  /**
   * Keeps the built-in permission sets current and, on a database with no identity yet, makes
   * the `admin` identity with a random password and an integration token for the local CLI.
   */
  async bootstrap(): Promise<FirstStart | undefined> {
    await this.#store.permissionSets.syncBuiltins(BUILTIN_PERMISSION_SETS.map((ref) => ({ ref, description: BUILTIN_SETS[ref].description, grants: BUILTIN_SETS[ref].grants })));
    // The first start is of a database with no identity but Attune's own service account, which
    // a sensor or worker service started before the first API makes when it first needs a token.
    const system = await this.#store.identities.findByLogin(SYSTEM_LOGIN);
    if ((await this.#store.identities.count()) > (system ? 1 : 0)) return undefined;
    const password = randomBytes(18).toString('base64url');
    const admin = await this.#store.identities.create({ login: ADMIN_LOGIN, displayName: 'Administrator', kind: 'user', passwordHash: await hashPassword(password) });
    if (!admin) return undefined; // another process made the first identity at the same moment
    await this.#store.identities.grant(admin.id, 'admin');
    const { token } = await this.issueApiToken({ kind: 'integration', identity: admin, label: 'local CLI' });
    await this.#audit.record({ actor: null, action: 'identity.created', target: ADMIN_LOGIN, source: 'attune', details: { first_start: true } });
    // Info, not warn: the start-up message on stdout already tells the person who started it.
    this.#log.info({ login: ADMIN_LOGIN }, 'first start: admin identity created');
    return { login: ADMIN_LOGIN, password, cliToken: token };
  }

  async login(login: string, password: string, source: string): Promise<LoginResult> {
    const wait = this.#limiter.retryAfter(login, source);
    if (wait > 0) {
      await this.#audit.record({ actor: null, action: 'auth.login_failed', target: login, source, outcome: 'failure', details: { reason: 'rate limited' } });
      throw new AppError('ERR_RATE_LIMITED', `too many failed logins; retry in ${wait} s`, { headers: { 'retry-after': String(wait) } });
    }
    const found = await this.#store.identities.findCredentials(login);
    const hash = found?.passwordHash;
    const ok = hash ? await verifyPassword(hash, password) : await verifyNobody(password);
    if (!found || !ok || found.identity.disabled) {
      this.#limiter.recordFailure(login, source);
      const reason = !found ? 'no such login' : !ok ? 'wrong password' : 'disabled';
      await this.#audit.record({ actor: null, action: 'auth.login_failed', target: login, source, outcome: 'failure', details: { reason } });
      throw new AppError('ERR_LOGIN_FAILED', 'wrong login or password');
    }
    this.#limiter.recordSuccess(login);
    await this.#audit.record({ actor: found.identity, action: 'auth.login', target: login, source });
    return this.#session(found.identity);
  }

  /** A new access token and a new refresh token for a valid refresh token, which is spent. */
  async refresh(refreshToken: string, source: string): Promise<LoginResult> {
    const record = apiTokenKind(refreshToken) === 'refresh' ? await this.#store.apiTokens.findByHash(this.#hasher.hash(refreshToken)) : undefined;
    const identity = record && this.#usable(record) ? await this.#store.identities.get(record.identityId) : undefined;
    if (!record || !identity || identity.disabled || !(await this.#store.apiTokens.revoke(record.id))) {
      await this.#audit.record({ actor: null, action: 'auth.refresh_failed', target: identity?.login ?? '', source, outcome: 'failure' });
      throw new AppError('ERR_LOGIN_FAILED', 'the refresh token is not valid: log in again');
    }
    return this.#session(identity);
  }

  /** Revokes a refresh token (logging out); unknown tokens are ignored. */
  async logout(refreshToken: string, source: string): Promise<void> {
    if (apiTokenKind(refreshToken) !== 'refresh') return;
    const record = await this.#store.apiTokens.findByHash(this.#hasher.hash(refreshToken));
    if (!record || !(await this.#store.apiTokens.revoke(record.id))) return;
    await this.#audit.record({ actor: await this.#store.identities.get(record.identityId) ?? null, action: 'auth.logout', target: String(record.id), source });
  }

  /** The principal a bearer token stands for, or undefined when it stands for nobody. */
  async authenticate(token: string): Promise<Principal | undefined> {
    const now = this.#now();
    const cached = this.#cache.get(token);
    if (cached && cached.until > now) return cached.principal;
    const { principal, expiresAtMs } = await this.#resolve(token);
    if (this.#cache.size > 10_000) this.#cache = new Map(); // many distinct tokens: start over rather than grow
    // Never past the token's own expiry: a cached answer must not outlive the token.
    this.#cache.set(token, { principal, until: Math.min(now + PRINCIPAL_CACHE_MS, expiresAtMs) });
    if (principal?.tokenId) await this.#noteUse(principal);
    return principal;
  }

  /** Forgets every resolved token (an identity, grant or token changed). */
  invalidate(): void {
    this.#cache = new Map();
  }

  async issueApiToken(request: NewApiTokenRequest): Promise<{ readonly token: string; readonly record: ApiToken }> {
    const issued = this.#hasher.issue(request.kind);
    const record = await this.#store.apiTokens.create({
      kind: request.kind,
      hash: issued.hash,
      identityId: request.identity.id,
      label: request.label,
      permissionSet: request.permissionSet ?? null,
      executionId: request.executionId ?? null,
      expiresAt: request.expiresAt ?? null,
    });
    const by = request.requestedBy ?? { actor: request.identity, source: 'attune' };
    await this.#audit.record({ actor: by.actor, action: 'token.created', target: String(record.id), source: by.source, details: { kind: request.kind, label: request.label, login: request.identity.login } });
    return { token: issued.token, record };
  }

  async #session(identity: Identity): Promise<LoginResult> {
    const { token: accessToken, expiresIn } = await this.#access.issue(identity, this.#now());
    const refreshExpiry = new Date(this.#now() + this.#config.refresh_token_ttl_seconds * 1000).toISOString();
    const issued = this.#hasher.issue('refresh');
    await this.#store.apiTokens.create({ kind: 'refresh', hash: issued.hash, identityId: identity.id, label: 'login', expiresAt: refreshExpiry });
    return { accessToken, refreshToken: issued.token, tokenType: 'Bearer', expiresIn, identity };
  }

  /** The principal a token stands for (undefined: none), and until when the answer may be kept. */
  async #resolve(token: string): Promise<{ readonly principal: Principal | undefined; readonly expiresAtMs: number }> {
    const never = { principal: undefined, expiresAtMs: Number.POSITIVE_INFINITY };
    const kind = apiTokenKind(token);
    if (kind === 'refresh') return never; // refresh tokens only buy access tokens
    if (kind === undefined) {
      const claims = await this.#access.verify(token, this.#now());
      const identity = claims && (await this.#store.identities.get(claims.identityId as Identity['id']));
      if (!claims || !identity || identity.disabled) return never;
      const grants = await this.#store.permissionSets.grantsOf(identity.permissionSets);
      return { principal: { identity, grants, via: 'access', tokenId: null, executionId: null }, expiresAtMs: claims.expiresAt * 1000 };
    }
    const record = await this.#store.apiTokens.findByHash(this.#hasher.hash(token));
    if (!record || record.kind !== kind || !this.#usable(record) || !(await this.#executionRuns(record))) return never;
    const identity = await this.#store.identities.get(record.identityId);
    if (!identity || identity.disabled) return never;
    const grants = await this.#store.permissionSets.grantsOf(tokenPermissionSets(record, identity));
    // Actions that call the API may always post events, whatever set they run with (issue 7 §6).
    const withEvents = kind === 'execution' ? [...grants, POST_EVENTS] : grants;
    const principal: Principal = { identity, grants: withEvents, via: kind, tokenId: record.id, executionId: record.executionId };
    return { principal, expiresAtMs: record.expiresAt === null ? Number.POSITIVE_INFINITY : Date.parse(record.expiresAt) };
  }


  #usable(record: ApiToken): boolean {
    return record.revokedAt === null && (record.expiresAt === null || Date.parse(record.expiresAt) > this.#now());
  }

  /** An execution token works only while its execution has not ended. */
  async #executionRuns(record: ApiToken): Promise<boolean> {
    if (record.kind !== 'execution') return true;
    if (record.executionId === null) return false;
    const execution = await this.#store.executions.get(record.executionId);
    return execution !== undefined && !isTerminal(execution.status);
  }

  async #noteUse(principal: Principal): Promise<void> {
    const id = principal.tokenId;
    if (id === null) return;
    const now = this.#now();
    if ((this.#lastUseAudit.get(id) ?? 0) + USE_AUDIT_INTERVAL_MS > now) return;
    this.#lastUseAudit.set(id, now);
    await this.#store.apiTokens.touch(id, new Date(now).toISOString());
    await this.#audit.record({ actor: principal.identity, action: 'token.used', target: String(id), source: 'api', details: { kind: principal.via } });
  }
}
