import type { ApiTokenId, ExecutionId, IdentityId } from './ids.js';
import type { Grant } from './permissions.js';

/** A user logs in with a password; a service account (sensors, scripts) only holds tokens. */
export const IDENTITY_KINDS = ['user', 'service'] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];

/** Lower case, starting with a letter: safe in URLs, logs and the audit log. */
export const LOGIN_PATTERN = /^[a-z][a-z0-9_.-]{0,63}$/;

export interface Identity {
  readonly id: IdentityId;
  readonly login: string;
  readonly displayName: string;
  readonly kind: IdentityKind;
  readonly disabled: boolean;
  /** Refs of the permission sets it holds, by ref. */
  readonly permissionSets: readonly string[];
  readonly created: string;
  readonly updated: string;
}

export interface PermissionSet {
  readonly ref: string;
  readonly description: string;
  readonly grants: readonly Grant[];
  /** Built-in sets are kept current by Attune and cannot be changed or deleted. */
  readonly builtin: boolean;
  readonly created: string;
  readonly updated: string;
}

/** Opaque API tokens (see auth/api-tokens.ts); `refresh` tokens belong to logins. */
export const API_TOKEN_KINDS = ['integration', 'sensor', 'execution', 'refresh'] as const;
export type ApiTokenKind = (typeof API_TOKEN_KINDS)[number];

export interface ApiToken {
  readonly id: ApiTokenId;
  readonly kind: ApiTokenKind;
  readonly identityId: IdentityId;
  readonly label: string;
  /** The permission set it carries instead of its identity's (execution and sensor tokens). */
  readonly permissionSet: string | null;
  /** The one execution an execution token is for. */
  readonly executionId: ExecutionId | null;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
  readonly created: string;
}

export const AUDIT_OUTCOMES = ['success', 'failure'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** One line of the audit log: who did what to what, from where. Never holds a secret value. */
export interface AuditEntry {
  readonly id: number;
  readonly at: string;
  readonly actorId: IdentityId | null;
  readonly actorLogin: string | null;
  /** A dotted verb: `auth.login`, `token.created`, `rule.updated`, … */
  readonly action: string;
  readonly target: string;
  /** Where the request came from (an address), or the service that acted. */
  readonly source: string;
  readonly outcome: AuditOutcome;
  readonly details: Readonly<Record<string, unknown>>;
}
