import type { ApiToken, Identity } from '../domain/index.js';

/** How a token's own permission sets are stored: set names are `[a-z0-9_-]`, so a comma cannot occur in one. */
const SEPARATOR = ',';

/** The `permission_set` column of a token that carries `sets` (null: its identity's own, as they are at each request). */
export function encodeTokenSets(sets: readonly string[] | undefined): string | null {
  return sets === undefined || sets.length === 0 ? null : sets.join(SEPARATOR);
}

export function decodeTokenSets(column: string | null): readonly string[] | null {
  return column === null ? null : column.split(SEPARATOR).filter((set) => set !== '');
}

/**
 * The permission sets a token acts with. Sensor and execution tokens carry the set Attune gave
 * them. An integration token made with a subset of its identity's sets never holds more than its
 * identity holds now: taking a set away from a user takes it from their tokens too (an admin's
 * tokens keep whatever sets the admin chose).
 */
export function tokenPermissionSets(token: Pick<ApiToken, 'kind' | 'permissionSet'>, identity: Pick<Identity, 'permissionSets'>): readonly string[] {
  const own = decodeTokenSets(token.permissionSet);
  if (own === null) return identity.permissionSets;
  if (token.kind !== 'integration' || identity.permissionSets.includes('admin')) return own;
  return own.filter((set) => identity.permissionSets.includes(set));
}
