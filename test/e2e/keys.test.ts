import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttuneProcess } from './harness.js';
import { provisionIdentities } from './identities.js';

type KeyBody = { name: string; scope: string; owner: string; secret: boolean; value?: string };
type One = { data: KeyBody };
type List = { data: KeyBody[]; pagination: { total: number } };

describe('keys through attune up', () => {
  const attune = new AttuneProcess();
  let tokens: Record<string, string> = {};
  beforeAll(async () => {
    await attune.start();
    tokens = await provisionIdentities(attune, { ed: 'editor', vic: 'viewer', kc: 'key_creator', ann: 'editor' });
  });
  afterAll(() => attune.cleanup());

  it('sets, shows, lists and deletes keys with the CLI; a secret value goes in through stdin and out only with --decrypt', async () => {
    const set = await attune.cli(['key', 'set', 'db_password', '--value-stdin', '-o', 'json'], {}, 'pw-4711\n');
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ name: 'db_password', scope: 'system', owner: '', secret: true });
    expect(set.stdout).not.toContain('pw-4711');
    const shown = await attune.cli(['key', 'get', 'db_password', '-o', 'json']);
    expect(JSON.parse(shown.stdout)).not.toHaveProperty('value');
    const decrypted = await attune.cli(['key', 'get', 'db_password', '--decrypt', '-o', 'json']);
    expect((JSON.parse(decrypted.stdout) as KeyBody).value).toBe('pw-4711');

    expect((await attune.cli(['key', 'set', 'region', '--value', 'eu-west-1', '--no-secret'])).code).toBe(0);
    expect((JSON.parse((await attune.cli(['key', 'get', 'region', '-o', 'json'])).stdout) as KeyBody).value).toBe('eu-west-1');
    const refused = await attune.cli(['key', 'set', 'leaky', '--value', 'in-argv']);
    expect({ code: refused.code, error: refused.stderr.includes('ERR_CLI_USAGE') }).toEqual({ code: 2, error: true });

    const listed = await attune.cli(['key', 'list', '-o', 'json']);
    const keys = JSON.parse(listed.stdout) as KeyBody[];
    expect(keys.map((k) => k.name)).toEqual(expect.arrayContaining(['db_password', 'region']));
    expect(keys.every((k) => !('value' in k))).toBe(true);

    expect((await attune.cli(['key', 'delete', 'region'])).code).toBe(0);
    const gone = await attune.cli(['key', 'get', 'region']);
    expect({ code: gone.code, error: gone.stderr.includes('ERR_KEY_NOT_FOUND') }).toEqual({ code: 3, error: true });
  });

  it('shows a secret value only to who may decrypt, and lets each role do what its set grants', async () => {
    expect((await attune.api('PUT', '/api/v1/keys/shared', { value: 'shared-0815' })).status).toBe(200);
    const as = (login: string, method: string, route: string, body?: unknown) => attune.apiAs<One & { error?: { code: string } }>(tokens[login], method, route, body);
    const plain = await as('ed', 'GET', '/api/v1/keys/shared');
    expect({ status: plain.status, value: plain.body.data.value }).toEqual({ status: 200, value: undefined });
    const denied = await as('ed', 'GET', '/api/v1/keys/shared?decrypt=true');
    expect({ status: denied.status, code: denied.body.error?.code }).toEqual({ status: 403, code: 'ERR_FORBIDDEN' });
    expect((await attune.api<One>('GET', '/api/v1/keys/shared?decrypt=true')).body.data.value).toBe('shared-0815');
    expect((await as('vic', 'GET', '/api/v1/keys')).status).toBe(403);
    expect((await as('vic', 'PUT', '/api/v1/keys/nope', { value: 'x' })).status).toBe(403);
    expect((await as('kc', 'PUT', '/api/v1/keys/from_ci', { value: 'ci-value' })).status).toBe(200);
    expect((await as('kc', 'DELETE', '/api/v1/keys/from_ci')).status).toBe(403);
    expect((await as('ed', 'DELETE', '/api/v1/keys/from_ci')).status).toBe(204);
    expect((await as('ed', 'GET', '/api/v1/keys/from_ci')).status).toBe(404);
    const badName = await attune.api<{ error: { code: string } }>('PUT', '/api/v1/keys/Bad%20Name', { value: 'x' });
    expect({ status: badName.status, code: badName.body.error.code }).toEqual({ status: 400, code: 'ERR_VALIDATION' });
    const badPack = await attune.api<{ error: { code: string } }>('PUT', '/api/v1/keys/x?scope=pack&owner=nopack', { value: 'x' });
    expect({ status: badPack.status, code: badPack.body.error.code }).toEqual({ status: 404, code: 'ERR_PACK_NOT_FOUND' });
  });

  it("keeps a user's keys to their owner and admins", async () => {
    const as = <T = One>(login: string, method: string, route: string, body?: unknown) => attune.apiAs<T>(tokens[login], method, route, body);
    const made = await as('ann', 'PUT', '/api/v1/keys/my_token?scope=user', { value: 'ann-private-99' });
    expect(made.body.data).toMatchObject({ scope: 'user', owner: 'ann', secret: true });
    expect((await as('ann', 'GET', '/api/v1/keys/my_token?scope=user&decrypt=true')).body.data.value).toBe('ann-private-99');
    expect((await as('ed', 'GET', '/api/v1/keys/my_token?scope=user&owner=ann')).status).toBe(403);
    expect((await as('ed', 'GET', '/api/v1/keys/my_token?scope=user')).status).toBe(404); // ed has none of that name
    expect((await as('ed', 'GET', '/api/v1/keys?scope=user&owner=ann')).status).toBe(403);
    const edSees = await as<List>('ed', 'GET', '/api/v1/keys');
    expect(edSees.body.data.some((k) => k.scope === 'user')).toBe(false);
    const adminSees = await attune.api<List>('GET', '/api/v1/keys?scope=user');
    expect(adminSees.body.data.map((k) => `${k.owner}/${k.name}`)).toEqual(['ann/my_token']);
    expect((await attune.api<One>('GET', '/api/v1/keys/my_token?scope=user&owner=ann&decrypt=true')).body.data.value).toBe('ann-private-99');
  });

  it('audits key changes and every clear read of a secret key, without the values', async () => {
    const audit = await attune.api<{ data: { action: string; target: string; actor: string }[] }>('GET', '/api/v1/audit?action=key.&limit=100');
    const seen = audit.body.data.map((e) => `${e.action} ${e.target} ${e.actor}`);
    expect(seen).toEqual(
      expect.arrayContaining(['key.created system:db_password admin', 'key.decrypted system:db_password admin', 'key.deleted system:region admin', 'key.decrypted user:ann:my_token ann', 'key.created system:from_ci kc']),
    );
    const text = JSON.stringify(audit.body.data);
    for (const secret of ['pw-4711', 'shared-0815', 'ann-private-99']) expect(text).not.toContain(secret);
  });
});
