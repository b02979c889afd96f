import { homedir } from 'node:os';
import path from 'node:path';

// Kept apart from load.ts so the CLI can read these without loading TypeBox, yaml and Ajv:
// every `attune` command pays for what this file imports.

/** Resolves the data dir: --home, then ATTUNE_HOME, then ~/.attune. */
export function resolveHome(home?: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(home ?? env.ATTUNE_HOME ?? path.join(homedir(), '.attune'));
}

/** Where the CLI finds the API and its token, from the environment (DESIGN §7). */
export function readCliEnvironment(env: NodeJS.ProcessEnv = process.env): {
  apiUrl?: string;
  token?: string;
} {
  return { apiUrl: env.ATTUNE_API_URL, token: env.ATTUNE_API_TOKEN };
}
