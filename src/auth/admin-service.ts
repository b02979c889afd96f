import type { Store } from '../store/index.js';
import type { AuditLog } from './audit-log.js';
import type { AuthService } from './auth-service.js';

export interface AdminOptions {
  readonly store: Store;
  readonly audit: AuditLog;
  /** Dropped after every change, so it counts at the next request. */
  readonly auth: Pick<AuthService, 'invalidate'>;
}

/** What the services that change who may do what share: the store, the audit log, the principal cache. */
export abstract class AdminService {
  protected readonly store: Store;
  protected readonly audit: AuditLog;
  protected readonly auth: Pick<AuthService, 'invalidate'>;

  constructor(options: AdminOptions) {
    this.store = options.store;
    this.audit = options.audit;
    this.auth = options.auth;
  }
}
