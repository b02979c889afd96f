import { AppError, type ErrorCode } from '../domain/index.js';

/** Codes a dialect gives the database's own failures: transient, they pass once the disk recovers. */
export const STORAGE_ERROR_CODES = ['ERR_STORAGE_FULL', 'ERR_STORAGE_UNAVAILABLE'] as const satisfies readonly ErrorCode[];

/** True for a write (or read) the database refused for lack of space or an I/O error: worth retrying later. */
export function isStorageError(error: unknown): error is AppError {
  return error instanceof AppError && (STORAGE_ERROR_CODES as readonly ErrorCode[]).includes(error.code);
}
