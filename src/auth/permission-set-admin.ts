import { AppError, type Grant, type PermissionSet, isBuiltinPermissionSet } from '../domain/index.js';
import { AdminService } from './admin-service.js';
import type { Acting } from './audit-log.js';

export interface NewPermissionSet {
  readonly name: string;
  readonly description?: string;
  readonly grants: readonly Grant[];
}

/** Custom permission sets beside the built-in ones, which are read-only. Changes are audited. */
export class PermissionSetAdmin extends AdminService {
  list(): Promise<readonly PermissionSet[]> {
    return this.store.permissionSets.listAll();
  }

  async get(name: string): Promise<PermissionSet> {
    const set = await this.store.permissionSets.findByRef(name);
    if (!set) throw new AppError('ERR_PERMISSION_SET_NOT_FOUND', `no permission set is named "${name}"`);
    return set;
  }

  async create(request: NewPermissionSet, by: Acting): Promise<PermissionSet> {
    if (isBuiltinPermissionSet(request.name)) throw new AppError('ERR_PERMISSION_SET_BUILTIN', `"${request.name}" is a built-in permission set`);
    const created = await this.store.permissionSets.create({ ref: request.name, description: request.description ?? '', grants: request.grants });
    if (!created) throw new AppError('ERR_PERMISSION_SET_EXISTS', `a permission set named "${request.name}" exists already`);
    await this.audit.change(by, 'permission_set.created', request.name, { grants: request.grants });
    return created;
  }

  /** Deletes a custom set; every identity holding it loses it at once. */
  async delete(name: string, by: Acting): Promise<void> {
    const set = await this.get(name);
    if (set.builtin) throw new AppError('ERR_PERMISSION_SET_BUILTIN', `"${name}" is a built-in permission set: it cannot be deleted`);
    await this.store.permissionSets.delete(name);
    this.auth.invalidate();
    await this.audit.change(by, 'permission_set.deleted', name);
  }
}
