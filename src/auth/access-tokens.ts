import { SignJWT, errors, jwtVerify } from 'jose';

/** Claims of an access token: who (`sub`, the identity id) and nothing they could be trusted for later. */
export interface AccessClaims {
  readonly identityId: number;
  readonly login: string;
  /** Seconds since the epoch. */
  readonly expiresAt: number;
}

const ISSUER = 'attune';
const AUDIENCE = 'attune-api';
const ALGORITHM = 'HS256';

/**
 * Short-lived JWT access tokens (HS256). A token names its identity only: permissions are read
 * from the database (cached) on each request, so a revoked grant or a disabled identity takes
 * effect at once rather than when the token expires.
 */
export class AccessTokens {
  readonly #key: Uint8Array;
  readonly #ttlSeconds: number;

  constructor(key: Uint8Array, ttlSeconds: number) {
    this.#key = key;
    this.#ttlSeconds = ttlSeconds;
  }

  get ttlSeconds(): number {
    return this.#ttlSeconds;
  }

  async issue(identity: { readonly id: number; readonly login: string }, now = Date.now()): Promise<{ token: string; expiresIn: number }> {
    const issuedAt = Math.floor(now / 1000);
    const token = await new SignJWT({ login: identity.login })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setSubject(String(identity.id))
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + this.#ttlSeconds)
      .sign(this.#key);
    return { token, expiresIn: this.#ttlSeconds };
  }

  /** The claims of a valid, unexpired token; undefined for anything else (never throws). */
  async verify(token: string, now = Date.now()): Promise<AccessClaims | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.#key, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: [ALGORITHM],
        currentDate: new Date(now),
      });
      const identityId = Number(payload.sub);
      if (!Number.isSafeInteger(identityId) || typeof payload.login !== 'string' || typeof payload.exp !== 'number') return undefined;
      return { identityId, login: payload.login, expiresAt: payload.exp };
    } catch (error) {
      if (error instanceof errors.JOSEError || error instanceof TypeError) return undefined;
      throw error;
    }
  }
}
