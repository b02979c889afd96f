import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AccessTokens } from './access-tokens.js';
import { ApiTokenHasher, apiTokenKind } from './api-tokens.js';
import { hashPassword, verifyNobody, verifyPassword } from './passwords.js';

describe('passwords', () => {
  it('verifies the password an Argon2id hash was made from, and no other', async () => {
    const hash = await hashPassword('correct horse');
    expect(hash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(hash, 'correct horse')).toBe(true);
    expect(await verifyPassword(hash, 'correct horsE')).toBe(false);
  });

  it('answers false, never throws, for a hash it cannot read', async () => {
    expect(await verifyPassword('not a hash', 'x')).toBe(false);
    expect(await verifyNobody('x')).toBe(false);
  });
});

describe('API tokens', () => {
  const hasher = new ApiTokenHasher(randomBytes(32));

  it('issues tokens whose prefix says their kind, and stores only a keyed hash', () => {
    for (const kind of ['integration', 'sensor', 'execution', 'refresh'] as const) {
      const issued = hasher.issue(kind);
      expect(apiTokenKind(issued.token)).toBe(kind);
      expect(issued.hash).not.toContain(issued.token.slice(10));
      expect(hasher.matches(issued.token, issued.hash)).toBe(true);
    }
    expect(hasher.issue('integration').token).toMatch(/^attune_it_[A-Za-z0-9_-]{43}$/);
  });

  it('matches a token only with its own hash, under the same key', () => {
    const a = hasher.issue('integration');
    const b = hasher.issue('integration');
    expect(hasher.matches(a.token, b.hash)).toBe(false);
    expect(new ApiTokenHasher(randomBytes(32)).matches(a.token, a.hash)).toBe(false);
  });

  it('recognises no kind in a JWT or a malformed token', () => {
    expect(apiTokenKind('eyJhbGciOiJIUzI1NiJ9.e30.x')).toBeUndefined();
    expect(apiTokenKind('attune_it_short')).toBeUndefined();
    expect(apiTokenKind(`attune_zz_${'a'.repeat(43)}`)).toBeUndefined();
  });
});

describe('AccessTokens', () => {
  const key = randomBytes(32);
  const tokens = new AccessTokens(key, 3600);

  it('verifies a token it issued, naming the identity', async () => {
    const now = Date.UTC(2026, 10, 29, 12);
    const { token, expiresIn } = await tokens.issue({ id: 7, login: 'ann' }, now);
    expect(expiresIn).toBe(3600);
    expect(await tokens.verify(token, now + 1000)).toEqual({ identityId: 7, login: 'ann', expiresAt: now / 1000 + 3600 });
  });

  it('refuses an expired token, a tampered one and one signed with another key', async () => {
    const now = Date.UTC(2026, 10, 29, 12);
    const { token } = await tokens.issue({ id: 7, login: 'ann' }, now);
    expect(await tokens.verify(token, now + 3601_000)).toBeUndefined();
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: '1' })).toString('base64url');
    expect(await tokens.verify(`${header}.${forged}.${signature}`, now)).toBeUndefined();
    expect(await new AccessTokens(randomBytes(32), 3600).verify(token, now)).toBeUndefined();
    expect(await tokens.verify('garbage', now)).toBeUndefined();
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;
    expect(await tokens.verify(none, now)).toBeUndefined();
  });
});
