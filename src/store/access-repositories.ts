import type {
  ApiToken,
  ApiTokenId,
  AuditEntry,
  ExecutionId,
  Grant,
  Identity,
  IdentityId,
  Key,
  KeyAddress,
  PermissionSet,
} from '../domain/index.js';
import type {
  ApiTokenFilter,
  AuditFilter,
  KeyFilter,
  KeyInput,
  NewApiToken,
  NewAuditEntry,
  NewIdentity,
  Page,
  PageRequest,
  PermissionSetInput,
  StoredApiToken,
  StoredKey,
} from './store-types.js';

// The store's repositories of who may do what — identities, permission sets, API tokens, the
// audit log and the key store — apart from store.ts, which holds the port and the rest.

/** Who may use Attune: users and service accounts, with the permission sets they hold. */
export interface IdentityRepository {
  /** Undefined when the login is taken. */
  create(input: NewIdentity): Promise<Identity | undefined>;
  get(id: IdentityId): Promise<Identity | undefined>;
  findByLogin(login: string): Promise<Identity | undefined>;
  /** The identity and its password hash, for a login (undefined: no such login). */
  findCredentials(login: string): Promise<{ readonly identity: Identity; readonly passwordHash: string | null } | undefined>;
  /** A page of identities by login. */
  list(page: PageRequest): Promise<Page<Identity>>;
  /** How many identities exist (the first start makes the admin when there are none). */
  count(): Promise<number>;
  setPassword(id: IdentityId, passwordHash: string): Promise<boolean>;
  setDisabled(id: IdentityId, disabled: boolean): Promise<boolean>;
  /** Deletes the identity, its grants and its tokens; false when there was none. */
  delete(id: IdentityId): Promise<boolean>;
  /** Gives the identity a permission set; false when it held it already or the set does not exist. */
  grant(id: IdentityId, permissionSetRef: string): Promise<boolean>;
  /** Takes a permission set away; false when it did not hold it. */
  revoke(id: IdentityId, permissionSetRef: string): Promise<boolean>;
}

export interface PermissionSetRepository {
  findByRef(ref: string): Promise<PermissionSet | undefined>;
  /** Every set by ref. */
  listAll(): Promise<readonly PermissionSet[]>;
  /** Undefined when the ref is taken. */
  create(input: PermissionSetInput): Promise<PermissionSet | undefined>;
  /** Rewrites a custom set; undefined when there is none (or it is built in). */
  update(input: PermissionSetInput): Promise<PermissionSet | undefined>;
  /** Deletes a custom set (and every grant of it); false when there was none (or it is built in). */
  delete(ref: string): Promise<boolean>;
  /** Makes the built-in sets exactly `sets` (inserted or updated; never deleted, grants keep them). */
  syncBuiltins(sets: readonly PermissionSetInput[]): Promise<void>;
  /** The grants of the sets `refs`, concatenated (unknown refs give none). */
  grantsOf(refs: readonly string[]): Promise<readonly Grant[]>;
}

/** Opaque API tokens, stored as keyed hashes (the token itself is never stored). */
export interface ApiTokenRepository {
  create(input: NewApiToken): Promise<ApiToken>;
  get(id: ApiTokenId): Promise<ApiToken | undefined>;
  /** The token with this hash, whether usable or not (the caller checks revocation and expiry). */
  findByHash(hash: string): Promise<ApiToken | undefined>;
  /** A page of tokens, newest first; every filter given must hold. */
  list(filter: ApiTokenFilter): Promise<Page<ApiToken>>;
  /** Revokes one token; false when it was already revoked or does not exist. */
  revoke(id: ApiTokenId, at?: string): Promise<boolean>;
  /** Revokes every token of one execution (it ended). */
  revokeForExecution(executionId: ExecutionId, at?: string): Promise<number>;
  /** Records that a token was used. */
  touch(id: ApiTokenId, at: string): Promise<void>;
  /** Deletes tokens that expired or were revoked before `before`; how many. */
  purge(before: string): Promise<number>;
  /** A page of tokens with their hashes, oldest first (`attune export`). */
  listStored(page: PageRequest): Promise<Page<StoredApiToken>>;
}

/** The audit log: appended to, never changed. */
export interface AuditRepository {
  append(entry: NewAuditEntry): Promise<AuditEntry>;
  /** A page of entries, newest first; every filter given must hold. */
  list(filter: AuditFilter): Promise<Page<AuditEntry>>;
}

/** The key datastore. Values arrive sealed and leave sealed: the store never holds a clear value. */
export interface KeyRepository {
  /** The key at `address`, with its sealed value. */
  get(address: KeyAddress): Promise<StoredKey | undefined>;
  /** Inserts the key, or replaces the value and flag of the one at its address; `created` says which. */
  put(input: KeyInput): Promise<{ readonly key: Key; readonly created: boolean }>;
  /** False when there was no key at `address`. */
  delete(address: KeyAddress): Promise<boolean>;
  /** A page of keys (no values) by scope, owner and name; every filter given must hold. */
  list(filter: KeyFilter): Promise<Page<Key>>;
  /** Every key, with its sealed value, of each (scope, owner) in `owners`: what a rule may read. */
  listValues(owners: readonly Omit<KeyAddress, 'name'>[]): Promise<readonly StoredKey[]>;
}
