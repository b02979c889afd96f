import { CommanderError } from 'commander';
import { AppError } from '../domain/index.js';
import { UnknownApiError } from './api-client.js';

export interface ErrorReport {
  /** Lines for stderr; empty when commander already printed its own message. */
  readonly lines: readonly string[];
  readonly exitCode: number;
}

const USAGE_EXIT_CODE = new AppError('ERR_CLI_USAGE', '').exitCode;

/** Turns anything a command threw into stderr lines and an exit status; stacks only for bugs. */
export function describeError(error: unknown): ErrorReport {
  if (error instanceof CommanderError) {
    // Commander has printed the usage problem (or the help text) itself.
    return { lines: [], exitCode: error.exitCode === 0 ? 0 : USAGE_EXIT_CODE };
  }
  if (error instanceof AppError || error instanceof UnknownApiError) {
    return { lines: [`${error.code}: ${error.message}`, ...formatDetails(error.details)], exitCode: error.exitCode };
  }
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return { lines: [`ERR_INTERNAL: ${text}`], exitCode: 1 };
}

/** Each validation problem on its own indented line: `  actions/foo.yaml:3:5 timeout_seconds: must be integer`. */
export function formatDetails(details: unknown): string[] {
  if (!Array.isArray(details)) return [];
  return details.map((detail: unknown) => `  ${formatDetail(detail)}`);
}

function formatDetail(detail: unknown): string {
  if (typeof detail !== 'object' || detail === null) return String(detail);
  const record = detail as Record<string, unknown>;
  const where = [record.file, record.line, record.column].filter((part) => isPresent(part) && part !== '').join(':');
  const name = [record.field, record.parameter].find((value) => isPresent(value) && value !== '');
  const message = isPresent(record.message) ? String(record.message) : JSON.stringify(detail);
  return [where, name === undefined ? '' : `${String(name)}:`, message].filter((part) => part !== '').join(' ');
}

function isPresent(value: unknown): value is string | number {
  return typeof value === 'string' || typeof value === 'number';
}
