import type { Dialect } from 'kysely';

export const DIALECT_KINDS = ['sqlite', 'postgres'] as const;
export type DialectKind = (typeof DIALECT_KINDS)[number];

/**
 * What differs between databases, and nothing more. Repositories are written once against
 * Kysely; a dialect only creates the Kysely dialect and states its capabilities.
 */
export interface StoreDialect {
  readonly kind: DialectKind;
  createKyselyDialect(): Dialect;
  /** Runs once after the connection opens (pragmas, session settings). */
  prepare?(): Promise<void>;
}
