import { homedir } from 'node:os';
import path from 'node:path';

// Kept apart from load.ts so the CLI can read these without loading TypeBox, yaml and Ajv:
// every `attune` command pays for what this file imports.

/** Resolves the data dir: --home, then ATTUNE_HOME, then ~/.attune. */
export function resolveHome(home?: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(home ?? env.ATTUNE_HOME ?? path.join(homedir(), '.attune'));
}

/** What the CLI reads from the environment to find the API and its credentials (DESIGN §7). */
export interface CliEnvironment {
  readonly apiUrl?: string;
  readonly token?: string;
  /** ATTUNE_PROFILE: the profile to use when --profile is not given. */
  readonly profile?: string;
  /** Where profiles are kept: $XDG_CONFIG_HOME/attune/profiles.yaml, else ~/.config/attune/profiles.yaml. */
  readonly profilesFile: string;
  /** ATTUNE_HOME is set: a data dir was named. */
  readonly hasHome: boolean;
}

/** Where the CLI finds the API and its token, from the environment; empty values count as unset. */
export function readCliEnvironment(env: NodeJS.ProcessEnv = process.env): CliEnvironment {
  const configDir = env.XDG_CONFIG_HOME || path.join(homedir(), '.config');
  return {
    ...(env.ATTUNE_API_URL ? { apiUrl: env.ATTUNE_API_URL } : {}),
    ...(env.ATTUNE_API_TOKEN ? { token: env.ATTUNE_API_TOKEN } : {}),
    ...(env.ATTUNE_PROFILE ? { profile: env.ATTUNE_PROFILE } : {}),
    profilesFile: path.join(path.resolve(configDir), 'attune', 'profiles.yaml'),
    hasHome: Boolean(env.ATTUNE_HOME),
  };
}
