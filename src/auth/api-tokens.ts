import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { API_TOKEN_KINDS, type ApiTokenKind } from '../domain/index.js';

/**
 * Opaque API tokens: integration tokens for scripts and CI, sensor tokens for sensors,
 * execution tokens for actions that call the API, and refresh tokens for logins. The kind is
 * readable in the token's prefix (so a leaked one is recognisable, e.g. by secret scanners); only
 * a keyed hash is stored, so the database never holds a usable token.
 */

const PREFIX = { integration: 'attune_it_', sensor: 'attune_st_', execution: 'attune_xt_', refresh: 'attune_rt_' } as const satisfies Record<ApiTokenKind, string>;
const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^attune_(it|st|xt|rt)_[A-Za-z0-9_-]{43}$/;

export interface IssuedToken {
  readonly kind: ApiTokenKind;
  /** Shown once, to whoever asked for it. */
  readonly token: string;
  /** What is stored. */
  readonly hash: string;
}

export class ApiTokenHasher {
  readonly #key: Buffer;

  /** `key`: a secret of the data dir (see SecretBox.deriveKey), so a copied database alone verifies nothing. */
  constructor(key: Buffer) {
    this.#key = key;
  }

  issue(kind: ApiTokenKind): IssuedToken {
    const token = `${PREFIX[kind]}${randomBytes(TOKEN_BYTES).toString('base64url')}`;
    return { kind, token, hash: this.hash(token) };
  }

  hash(token: string): string {
    return createHmac('sha256', this.#key).update(token).digest('base64url');
  }

  /** Constant-time comparison of a presented token with a stored hash. */
  matches(token: string, hash: string): boolean {
    const a = Buffer.from(this.hash(token));
    const b = Buffer.from(hash);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

/** The kind a well-formed token declares, or undefined for anything else (a JWT, garbage). */
export function apiTokenKind(token: string): ApiTokenKind | undefined {
  const match = TOKEN_PATTERN.exec(token);
  if (!match) return undefined;
  const code = match[1];
  return API_TOKEN_KINDS.find((kind) => PREFIX[kind] === `attune_${code}_`);
}
