import type { StoreDialect } from './dialect.js';
import type { PostgresDialectOptions } from './dialects/postgres.js';

/**
 * The PostgreSQL dialect, loaded on demand: node-postgres is imported only by a process that
 * uses PostgreSQL, so the embedded start never pays for it.
 */
export async function loadPostgresDialect(options: PostgresDialectOptions): Promise<StoreDialect> {
  const { postgresDialect } = await import('./dialects/postgres.js');
  return postgresDialect(options);
}
