import type { Logger } from 'pino';
import type { AuditEntry, AuditOutcome, Identity } from '../domain/index.js';
import type { AuditFilter, Page, Store } from '../store/index.js';

export interface AuditRecord {
  /** Who acted: an identity, or null for an anonymous attempt (a failed login names its login in `details`). */
  readonly actor: Pick<Identity, 'id' | 'login'> | null;
  /** A dotted verb: `auth.login`, `token.created`, `rule.updated`, … */
  readonly action: string;
  readonly target: string;
  /** The client's address, or the service that acted. */
  readonly source: string;
  readonly outcome?: AuditOutcome;
  /** Never a secret value. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** Who makes a change, and from where: what the audit log records of every change. */
export interface Acting {
  readonly actor: Pick<Identity, 'id' | 'login'>;
  /** The client's address. */
  readonly source: string;
}

/**
 * The audit log's one writer. A failure to write an entry (a full disk) is logged and never fails
 * what was audited: the action already happened, and refusing to answer would hide that.
 */
export class AuditLog {
  readonly #store: Store;
  readonly #log: Logger;

  constructor(options: { readonly store: Store; readonly log: Logger }) {
    this.#store = options.store;
    this.#log = options.log.child({ svc: 'audit' });
  }

  async record(entry: AuditRecord): Promise<void> {
    try {
      await this.#store.audit.append({
        actorId: entry.actor?.id ?? null,
        actorLogin: entry.actor?.login ?? null,
        action: entry.action,
        target: entry.target,
        source: entry.source,
        outcome: entry.outcome ?? 'success',
        details: entry.details ?? {},
      });
    } catch (error) {
      this.#log.error({ err: error, action: entry.action, target: entry.target }, 'audit entry could not be written');
    }
  }

  /** One change `by` someone: `audit.change(by, 'rule.updated', ref)`. */
  change(by: Acting, action: string, target: string, details?: Readonly<Record<string, unknown>>): Promise<void> {
    return this.record({ actor: by.actor, action, target, source: by.source, ...(details === undefined ? {} : { details }) });
  }

  /** A page of entries, newest first. */
  list(filter: AuditFilter): Promise<Page<AuditEntry>> {
    return this.#store.audit.list(filter);
  }
}
