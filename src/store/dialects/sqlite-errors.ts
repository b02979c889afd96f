import { AppError } from '../../domain/index.js';

/**
 * The one place SQLite's storage failures become Attune errors, so the API answers 507/503
 * instead of 500 and services can tell a full disk from a bug. SQLITE_FULL is what SQLite
 * reports for ENOSPC (and for max_page_count); SQLITE_IOERR_* for every other failed read,
 * write, fsync or truncate. Any other error is returned unchanged.
 */
export function toStorageError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return error;
  if (code === 'SQLITE_FULL') {
    return new AppError('ERR_STORAGE_FULL', 'the disk holding the database is full: nothing was written; free space and retry', { cause: error });
  }
  if (code.startsWith('SQLITE_IOERR')) {
    return new AppError('ERR_STORAGE_UNAVAILABLE', `the database file could not be read or written (${code}): nothing was written; retry later`, { cause: error });
  }
  return error;
}
