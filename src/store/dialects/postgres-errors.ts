import { AppError } from '../../domain/index.js';

/** Node socket errors: the server is not there (yet, or any more). */
const UNREACHABLE_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/**
 * SQLSTATEs that say the server cannot serve now but may soon: connection exceptions (class 08),
 * shutdown and start-up (57P01–57P03), too many connections, out of memory, and I/O errors.
 */
function isUnavailable(code: string): boolean {
  return code.startsWith('08') || ['57P01', '57P02', '57P03', '53300', '53200', '58030'].includes(code) || UNREACHABLE_SOCKET_CODES.has(code);
}

/**
 * The one place PostgreSQL's failures become Attune errors, as sqlite-errors.ts does for SQLite:
 * a full disk (53100 disk_full) is ERR_STORAGE_FULL (507), a server that is down, restarting or
 * out of connections ERR_STORAGE_UNAVAILABLE (503), text with a NUL character ERR_VALIDATION (400).
 * Constraint violations and every other error are returned unchanged: the repositories prevent
 * the expected ones with ON CONFLICT.
 */
export function toStorageError(error: unknown): unknown {
  if (error instanceof AppError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return error;
  if (code === '53100') {
    return new AppError('ERR_STORAGE_FULL', 'the disk holding the PostgreSQL database is full: nothing was written; free space and retry', { cause: error });
  }
  // 22021: a NUL character in text; PostgreSQL cannot store it where SQLite can. The caller's input.
  if (code === '22021' || code === '22P05') {
    return new AppError('ERR_VALIDATION', 'the text holds a character PostgreSQL cannot store (a NUL character, U+0000)', { cause: error });
  }
  if (isUnavailable(code)) {
    return new AppError('ERR_STORAGE_UNAVAILABLE', `the PostgreSQL database cannot be reached (${code}): nothing was written; retry later`, { cause: error });
  }
  return error;
}
