import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliEnvironment } from '../config/cli-environment.js';
import { DEFAULT_API_URL } from './api-client.js';
import { readUpUrl, resolveConnection } from './connection.js';
import { ProfileStore } from './profiles.js';

const LATER = new Date(Date.now() + 3_600_000).toISOString();

describe('resolveConnection', () => {
  let dir: string;
  let home: string;
  let env: CliEnvironment;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'attune-cli-'));
    home = path.join(dir, 'home');
    env = { profilesFile: path.join(dir, 'config', 'attune', 'profiles.yaml'), hasHome: false };
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prefers --api-url and --token', async () => {
    expect(await resolveConnection({ apiUrl: 'http://a:1', token: 't', home }, env)).toEqual({ baseUrl: 'http://a:1', token: 't' });
  });

  it('falls back to the environment, then the data dir’s api.json and cli-token, then the default URL', async () => {
    const other = path.join(dir, 'other');
    expect(await resolveConnection({ home: other }, env)).toEqual({ baseUrl: DEFAULT_API_URL });
    await rm(home, { recursive: true, force: true });
    await mkdir(home, { recursive: true });
    await writeFile(path.join(home, 'api.json'), JSON.stringify({ url: 'http://127.0.0.1:9999', pid: 1 }));
    await writeFile(path.join(home, 'cli-token'), 'attune_it_local\n');
    expect(await resolveConnection({ home }, env)).toEqual({ baseUrl: 'http://127.0.0.1:9999', token: 'attune_it_local' });
    expect(await resolveConnection({ home }, { ...env, apiUrl: 'http://env:2', token: 'env-token' })).toEqual({ baseUrl: 'http://env:2', token: 'env-token' });
    // The local token never goes to another API.
    expect(await resolveConnection({ home, apiUrl: 'http://elsewhere:3' }, env)).toEqual({ baseUrl: 'http://elsewhere:3' });
  });

  it('takes the profile’s URL and cached access token, before the data dir, but never sends them to another URL', async () => {
    const store = new ProfileStore(env.profilesFile);
    await store.save('default', { api_url: 'https://attune.example.com', login: 'alice', refresh_token: 'attune_rt_x', access_token: 'jwt-default', access_expires_at: LATER });
    await store.save('lab', { api_url: 'http://lab:8080', access_token: 'jwt-lab', access_expires_at: LATER });
    const nowhere = path.join(dir, 'nowhere');
    expect(await resolveConnection({ home: nowhere }, env)).toEqual({ baseUrl: 'https://attune.example.com', token: 'jwt-default' });
    expect(await resolveConnection({ home: nowhere, profile: 'lab' }, env)).toEqual({ baseUrl: 'http://lab:8080', token: 'jwt-lab' });
    expect(await resolveConnection({ home: nowhere }, { ...env, profile: 'lab' })).toEqual({ baseUrl: 'http://lab:8080', token: 'jwt-lab' });
    expect(await resolveConnection({ home: nowhere, apiUrl: 'https://attune.example.com/api/v1' }, env)).toEqual({ baseUrl: 'https://attune.example.com/api/v1', token: 'jwt-default' });
    expect(await resolveConnection({ home: nowhere, apiUrl: 'http://other:1' }, env)).toEqual({ baseUrl: 'http://other:1' });
    expect(await resolveConnection({ home: nowhere, token: 'mine' }, env)).toEqual({ baseUrl: 'https://attune.example.com', token: 'mine' });
    await expect(resolveConnection({ home: nowhere, profile: 'missing' }, env)).rejects.toMatchObject({ code: 'ERR_CLI_USAGE' });
    expect((await stat(env.profilesFile)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(env.profilesFile))).mode & 0o777).toBe(0o700);
  });

  it('lets a named data dir whose attune up runs win over the default profile (not over a named one)', async () => {
    expect(await resolveConnection({ home }, env)).toEqual({ baseUrl: 'http://127.0.0.1:9999', token: 'attune_it_local' });
    expect(await resolveConnection({ home, profile: 'lab' }, env)).toEqual({ baseUrl: 'http://lab:8080', token: 'jwt-lab' });
  });

  it('ignores a missing or half-written api.json', async () => {
    expect(await readUpUrl(path.join(dir, 'other'))).toBeUndefined();
    await writeFile(path.join(home, 'api.json'), '{"url": "http://127');
    expect(await readUpUrl(home)).toBeUndefined();
  });
});
