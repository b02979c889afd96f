import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../domain/index.js';

/** One server the CLI logs in to: its URL and the login's tokens. */
export interface Profile {
  readonly api_url: string;
  readonly login?: string;
  /** Buys new access tokens (POST /auth/refresh); rotated at each use, revoked by `attune auth logout`. */
  readonly refresh_token?: string;
  /** The last access token, reused until shortly before it expires. */
  readonly access_token?: string;
  readonly access_expires_at?: string;
}

export const DEFAULT_PROFILE = 'default';

/** The profile without its tokens: where it points and who logged in there. */
export function withoutTokens(profile: Profile): Profile {
  return { api_url: profile.api_url, ...(profile.login === undefined ? {} : { login: profile.login }) };
}
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * profiles.yaml: `profiles: {<name>: Profile}`. It holds refresh tokens, so it is written with
 * mode 0600 in a 0700 directory, through a temporary file and a rename (never half-written).
 */
export class ProfileStore {
  readonly file: string;

  constructor(file: string) {
    this.file = file;
  }

  async get(name: string): Promise<Profile | undefined> {
    return (await this.#read())[name];
  }

  /** Writes (or replaces) one profile; the others are kept as they are. */
  async save(name: string, profile: Profile): Promise<void> {
    if (!NAME_PATTERN.test(name)) throw new AppError('ERR_CLI_USAGE', `invalid profile name "${name}": letters, digits, _ . - (at most 64)`);
    const profiles = { ...(await this.#read()), [name]: profile };
    const { stringify } = await import('./yaml.js');
    const dir = path.dirname(this.file);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const temporary = `${this.file}.${process.pid}.tmp`;
    await writeFile(temporary, `# attune CLI profiles: API URLs and login tokens. Keep this file private.\n${stringify({ profiles })}`, { mode: 0o600 });
    await chmod(temporary, 0o600);
    await rename(temporary, this.file);
  }

  async #read(): Promise<Record<string, Profile>> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new AppError('ERR_CLI_USAGE', `cannot read ${this.file}`, { cause });
    }
    const { parse } = await import('./yaml.js');
    let parsed: unknown;
    try {
      parsed = parse(text);
    } catch (cause) {
      throw new AppError('ERR_CLI_USAGE', `${this.file} is not valid YAML`, { cause });
    }
    const profiles = isRecord(parsed) ? parsed.profiles : undefined;
    if (parsed !== null && parsed !== undefined && !isRecord(profiles)) throw new AppError('ERR_CLI_USAGE', `${this.file}: expected "profiles:" with one entry per profile`);
    const out: Record<string, Profile> = {};
    for (const [name, value] of Object.entries(profiles ?? {})) {
      if (!isRecord(value) || typeof value.api_url !== 'string') throw new AppError('ERR_CLI_USAGE', `${this.file}: profile "${name}" has no api_url`);
      out[name] = value as unknown as Profile;
    }
    return out;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
