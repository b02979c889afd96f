import type { Command } from 'commander';
import { AppError } from '../domain/index.js';
import { ApiClient } from './api-client.js';
import { resolveConnection } from './connection.js';
import type { OutputMode } from './output.js';

/** The global options every command accepts (declared once on the root program). */
export interface GlobalOptions {
  readonly apiUrl?: string;
  readonly token?: string;
  readonly home?: string;
  readonly config?: string;
  readonly profile?: string;
  readonly output: OutputMode;
}

export interface CliContext {
  readonly options: GlobalOptions;
  readonly mode: OutputMode;
  /** Resolves the API location on first use, so commands that never call it (up) pay nothing. */
  client(): Promise<ApiClient>;
}

export function createContext(command: Command): CliContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  let client: Promise<ApiClient> | undefined;
  return {
    options,
    mode: options.output,
    client: () => {
      client ??= resolveConnection(options).then((connection) => new ApiClient(connection));
      return client;
    },
  };
}

/** Parses a whole, positive number option (`--timeout`, `--limit`); used as a commander arg parser. */
export function parsePositiveInteger(name: string, allowZero = false): (value: string) => number {
  return (value: string) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < (allowZero ? 0 : 1)) {
      throw new AppError('ERR_CLI_USAGE', `${name} must be a whole number${allowZero ? '' : ' above 0'}, got "${value}"`);
    }
    return parsed;
  };
}
