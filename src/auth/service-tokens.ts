import type { ApiTokenId, Execution, ExecutionId, Identity } from '../domain/index.js';
import { AppError } from '../domain/index.js';
import type { Store } from '../store/index.js';
import type { AuthService, Principal } from './auth-service.js';

/** The service account Attune's own tokens belong to: subprocess sensors and rule-made executions. */
export const SYSTEM_LOGIN = 'attune';
/** The set of an execution token when neither its rule nor its action names one and no identity asked for it. */
export const DEFAULT_EXECUTION_SET = 'viewer';
export const SENSOR_SET = 'sensor';

export interface SensorToken {
  readonly token: string;
  readonly id: ApiTokenId;
  /** ISO time it stops working unless renewed. */
  readonly expiresAt: string;
}

interface ServiceTokenOptions {
  readonly auth: AuthService;
  readonly store: Store;
  /** Seconds a sensor token lives (`auth.sensor_token_ttl_seconds`). */
  readonly sensorTokenTtlSeconds: number;
  readonly now?: () => number;
}

/**
 * Tokens Attune hands to what it runs: execution tokens for actions with `api_access` (the
 * worker's ExecutionCredentials) and 24 h sensor tokens for sensors, renewable by the sensor.
 */
export class ServiceTokens {
  readonly #auth: AuthService;
  readonly #store: Store;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(options: ServiceTokenOptions) {
    this.#auth = options.auth;
    this.#store = options.store;
    this.#ttlMs = options.sensorTokenTtlSeconds * 1000;
    this.#now = options.now ?? Date.now;
  }

  /**
   * An execution token carrying `permissionSet`; with none, the sets of the identity that asked
   * for the run (when it still exists), else DEFAULT_EXECUTION_SET.
   */
  async issue(execution: Pick<Execution, 'id' | 'requestedBy'>, permissionSet: string | null): Promise<string> {
    const requester = permissionSet === null && execution.requestedBy !== null ? await this.#store.identities.findByLogin(execution.requestedBy) : undefined;
    const identity = requester ?? (await this.#system());
    const set = requester ? null : (permissionSet ?? DEFAULT_EXECUTION_SET);
    const issued = await this.#auth.issueApiToken({ kind: 'execution', identity, label: `execution ${execution.id}`, permissionSet: set, executionId: execution.id });
    return issued.token;
  }

  async revoke(executionId: ExecutionId): Promise<void> {
    if ((await this.#store.apiTokens.revokeForExecution(executionId)) > 0) this.#auth.invalidate();
  }

  /** A sensor token for a sensor Attune runs (its ATTUNE_API_TOKEN). */
  async issueSensorToken(sensorRef: string): Promise<SensorToken> {
    return this.#sensorToken(await this.#system(), `sensor ${sensorRef}`, SENSOR_SET);
  }

  async revokeToken(id: ApiTokenId): Promise<void> {
    if (await this.#store.apiTokens.revoke(id)) this.#auth.invalidate();
  }

  /**
   * A new sensor token for the holder of a valid one (POST /auth/token/renew): same identity,
   * label and permission set, a full lifetime from now. The presented token keeps working until
   * it expires, so a sensor restarted with it meanwhile still starts.
   */
  async renew(principal: Principal): Promise<SensorToken> {
    const record = principal.via === 'sensor' && principal.tokenId !== null ? await this.#store.apiTokens.get(principal.tokenId) : undefined;
    if (!record) throw new AppError('ERR_FORBIDDEN', 'only a sensor token can be renewed; log in again or create a new token instead');
    return this.#sensorToken(principal.identity, record.label, record.permissionSet);
  }

  async #sensorToken(identity: Pick<Identity, 'id' | 'login'>, label: string, permissionSet: string | null): Promise<SensorToken> {
    const expiresAt = new Date(this.#now() + this.#ttlMs).toISOString();
    const { token, record } = await this.#auth.issueApiToken({ kind: 'sensor', identity, label, permissionSet, expiresAt });
    return { token, id: record.id, expiresAt };
  }

  /** The `attune` service account, made on first use (a deleted one is made again). */
  async #system(): Promise<Identity> {
    const found = await this.#store.identities.findByLogin(SYSTEM_LOGIN);
    if (found) return found;
    const made = await this.#store.identities.create({ login: SYSTEM_LOGIN, displayName: 'Attune (sensors and rule-made executions)', kind: 'service', passwordHash: null });
    const again = made ?? (await this.#store.identities.findByLogin(SYSTEM_LOGIN));
    if (!again) throw new AppError('ERR_INTERNAL', `the "${SYSTEM_LOGIN}" service account could not be made`);
    return again;
  }
}
