/**
 * The key datastore (issue 7 item 7): named values for rules, webhooks and scripts, each in one
 * scope. System keys are everyone's; a pack's keys belong to that pack's rules (and shadow system
 * keys of the same name there); a user's keys are seen only by their owner (and admins).
 */
export const KEY_SCOPES = ['system', 'pack', 'user'] as const;
export type KeyScope = (typeof KEY_SCOPES)[number];

/** Lower-case letters, digits, `_`, `.` and `-`; 1–255 characters. */
export const KEY_NAME_PATTERN = '^[a-z0-9_.-]{1,255}$';
const KEY_NAME = new RegExp(KEY_NAME_PATTERN);

/** The longest value a key holds, in UTF-8 bytes. */
export const MAX_KEY_VALUE_BYTES = 65_536;

export function isKeyName(value: unknown): value is string {
  return typeof value === 'string' && KEY_NAME.test(value);
}

export function isKeyScope(value: unknown): value is KeyScope {
  return typeof value === 'string' && (KEY_SCOPES as readonly string[]).includes(value);
}

/** Where a key lives: `owner` is '' for system keys, the pack ref for pack keys, the login for user keys. */
export interface KeyAddress {
  readonly scope: KeyScope;
  readonly owner: string;
  readonly name: string;
}

/** A key as stored, without its value (which only the key service opens). */
export interface Key extends KeyAddress {
  readonly id: number;
  /** A secret key's value is shown only to who may decrypt it; any other key's to who may read it. */
  readonly secret: boolean;
  readonly createdBy: string | null;
  readonly created: string;
  readonly updated: string;
}

/** `system:db_password`, `pack:demo:token`, `user:ann:token`: how logs and the audit log name a key. */
export function formatKeyAddress(address: KeyAddress): string {
  return address.scope === 'system' ? `system:${address.name}` : `${address.scope}:${address.owner}:${address.name}`;
}
