import path from 'node:path';
import pino from 'pino';
import { AuditLog, AuthService } from '../../src/auth/index.js';
import { loadConfig } from '../../src/config/index.js';
import { SecretBox } from '../../src/secrets/index.js';
import { openSqliteStore } from '../support/sqlite-store.js';

/**
 * Makes identities holding built-in permission sets, each with an integration token, in the
 * database of a stopped `attune up` (the store is the real one, the tokens real ones). A seam until
 * the identity API exists (issue 7 part 7-admin): then tests make them through the API instead.
 */
export async function provisionIdentities(home: string, grants: Readonly<Record<string, string>>): Promise<Record<string, string>> {
  const store = await openSqliteStore(path.join(home, 'attune.db'));
  const log = pino({ level: 'silent' });
  try {
    const auth = new AuthService({ store, secrets: SecretBox.forHome(home), log, config: loadConfig({ home, env: {} }).auth, audit: new AuditLog({ store, log }) });
    const tokens: Record<string, string> = {};
    for (const [login, permissionSet] of Object.entries(grants)) {
      const identity = await store.identities.create({ login, displayName: login, kind: 'user', passwordHash: null });
      if (!identity) throw new Error(`identity ${login} exists already`);
      await store.identities.grant(identity.id, permissionSet);
      tokens[login] = (await auth.issueApiToken({ kind: 'integration', identity, label: 'test' })).token;
    }
    return tokens;
  } finally {
    await store.close();
  }
}
