import { randomBytes } from 'node:crypto';
import type { AttuneProcess } from './harness.js';

/**
 * Makes identities holding built-in permission sets, each with an integration token, through the
 * API as the local admin: login → token. Works on any store, so in both e2e modes.
 */
export async function provisionIdentities(attune: AttuneProcess, grants: Readonly<Record<string, string>>): Promise<Record<string, string>> {
  const tokens: Record<string, string> = {};
  for (const [login, permissionSet] of Object.entries(grants)) {
    const created = await attune.api('POST', '/api/v1/identities', { login, password: randomBytes(12).toString('hex'), permission_sets: [permissionSet] });
    if (created.status !== 201) throw new Error(`identity ${login}: ${created.status} ${JSON.stringify(created.body)}`);
    const issued = await attune.api<{ data: { token: string } }>('POST', '/api/v1/tokens', { name: 'test', login });
    if (issued.status !== 201) throw new Error(`token of ${login}: ${issued.status} ${JSON.stringify(issued.body)}`);
    tokens[login] = issued.body.data.token;
  }
  return tokens;
}
