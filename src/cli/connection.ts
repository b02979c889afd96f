import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SessionJson } from '../api-contract/index.js';
import { type CliEnvironment, readCliEnvironment, resolveHome } from '../config/cli-environment.js';
import { AppError } from '../domain/index.js';
import { ApiClient, DEFAULT_API_URL, normaliseBaseUrl } from './api-client.js';
import { DEFAULT_PROFILE, type Profile, ProfileStore, withoutTokens } from './profiles.js';

export interface ConnectionOptions {
  readonly apiUrl?: string;
  readonly token?: string;
  readonly home?: string;
  readonly profile?: string;
}

export interface Connection {
  readonly baseUrl: string;
  readonly token?: string;
}

/** A refreshed access token is used until this long before it expires. */
const EXPIRY_MARGIN_MS = 60_000;

/**
 * Finds the API and the credentials for it (DESIGN §7): --api-url and --token, then
 * ATTUNE_API_URL and ATTUNE_API_TOKEN, then the profile (--profile, ATTUNE_PROFILE, else
 * `default`), then the `attune up` of the data dir (<home>/api.json and the <home>/cli-token it
 * wrote). A profile's tokens go only to the profile's own URL, and the `default` profile gives way
 * to a data dir named by --home or ATTUNE_HOME whose `attune up` runs.
 */
export async function resolveConnection(options: ConnectionOptions, env: CliEnvironment = readCliEnvironment()): Promise<Connection> {
  const explicitUrl = options.apiUrl ?? env.apiUrl;
  const explicitToken = options.token ?? env.token;
  if (explicitUrl !== undefined && explicitToken !== undefined) return { baseUrl: explicitUrl, token: explicitToken };
  const home = resolveHome(options.home);
  const upUrl = await readUpUrl(home);
  const found = await findProfile(options, env, upUrl !== undefined);
  if (found) {
    const baseUrl = explicitUrl ?? found.profile.api_url;
    if (explicitToken !== undefined || !isSameApi(baseUrl, found.profile.api_url)) return withToken(baseUrl, explicitToken);
    return withToken(baseUrl, await profileAccessToken(found.store, found.name, found.profile));
  }
  if (explicitUrl !== undefined) return withToken(explicitUrl, explicitToken);
  return withToken(upUrl ?? DEFAULT_API_URL, explicitToken ?? (await readCliToken(home)));
}

function withToken(baseUrl: string, token: string | undefined): Connection {
  return token === undefined ? { baseUrl } : { baseUrl, token };
}

export interface FoundProfile {
  readonly store: ProfileStore;
  readonly name: string;
  readonly profile: Profile;
}

/** The profile named by --profile or ATTUNE_PROFILE (which must exist), else `default` if there is one. */
export async function findProfile(options: Pick<ConnectionOptions, 'profile' | 'home'>, env: CliEnvironment, isHomeRunning: boolean): Promise<FoundProfile | undefined> {
  const store = new ProfileStore(env.profilesFile);
  const named = options.profile ?? env.profile;
  if (named !== undefined) {
    const profile = await store.get(named);
    if (!profile) throw new AppError('ERR_CLI_USAGE', `no profile "${named}" in ${store.file}: log in with attune auth login --profile ${named} --api-url <url>`);
    return { store, name: named, profile };
  }
  if ((options.home !== undefined || env.hasHome) && isHomeRunning) return undefined;
  const profile = await store.get(DEFAULT_PROFILE);
  return profile && { store, name: DEFAULT_PROFILE, profile };
}

/**
 * A valid access token of the profile's login: the cached one while it is valid, else a new one
 * bought with the refresh token (which rotates: both are saved). Undefined when logged out.
 */
export async function profileAccessToken(store: ProfileStore, name: string, profile: Profile, now = Date.now()): Promise<string | undefined> {
  if (profile.access_token && profile.access_expires_at && Date.parse(profile.access_expires_at) - EXPIRY_MARGIN_MS > now) return profile.access_token;
  if (!profile.refresh_token) return undefined;
  let session: SessionJson;
  try {
    session = await new ApiClient({ baseUrl: profile.api_url }).auth<SessionJson>('POST', '/refresh', { refresh_token: profile.refresh_token });
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== 'ERR_LOGIN_FAILED') throw error;
    await store.save(name, withoutTokens(profile));
    throw new AppError('ERR_UNAUTHENTICATED', `the login of profile "${name}" has expired or was revoked: attune auth login${name === DEFAULT_PROFILE ? '' : ` --profile ${name}`}`);
  }
  await store.save(name, sessionProfile(profile.api_url, session, now));
  return session.access_token;
}

/** What a profile keeps of a login or refresh answer. */
export function sessionProfile(apiUrl: string, session: SessionJson, now = Date.now()): Profile {
  return {
    api_url: apiUrl,
    login: session.user.login,
    refresh_token: session.refresh_token,
    access_token: session.access_token,
    access_expires_at: new Date(now + session.expires_in * 1000).toISOString(),
  };
}

function isSameApi(a: string, b: string): boolean {
  try {
    return normaliseBaseUrl(a) === normaliseBaseUrl(b);
  } catch {
    return false; // an invalid URL is reported when the client is made
  }
}

/** The token `attune up` wrote for the CLI of its data dir (<home>/cli-token), if readable. */
export async function readCliToken(home: string): Promise<string | undefined> {
  try {
    return (await readFile(path.join(home, 'cli-token'), 'utf8')).trim() || undefined;
  } catch (cause) {
    if (isNodeError(cause) && (cause.code === 'ENOENT' || cause.code === 'EACCES')) return undefined;
    throw new AppError('ERR_CLI_USAGE', `cannot read ${path.join(home, 'cli-token')}`, { cause });
  }
}

/** The URL `attune up` recorded in <home>/api.json once it was ready, if any. */
export async function readUpUrl(home: string): Promise<string | undefined> {
  const file = path.join(home, 'api.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    if (isNodeError(cause) && cause.code === 'ENOENT') return undefined;
    throw new AppError('ERR_CLI_USAGE', `cannot read ${file}`, { cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined; // half-written or corrupt: behave as if `attune up` had not written it yet
  }
  return typeof parsed === 'object' && parsed !== null && typeof (parsed as { url?: unknown }).url === 'string' ? (parsed as { url: string }).url : undefined;
}

function isNodeError(value: unknown): value is NodeJS.ErrnoException {
  return value instanceof Error && 'code' in value;
}
