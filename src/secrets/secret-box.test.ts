import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError, REDACTED } from '../domain/index.js';
import { SecretBox, isSealed, redactSchemaDefaults, redactSecrets } from './secret-box.js';

describe('SecretBox', () => {
  const dirs: string[] = [];
  const home = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'attune-secrets-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  const SCHEMA = { token: { type: 'string', secret: true }, port: { type: 'integer', secret: true }, url: { type: 'string' } } as const;

  it('seals only the parameters marked secret, and opens them back to their values', () => {
    const box = SecretBox.forHome(home());
    const sealed = box.sealParameters(SCHEMA, { token: 's3cr3t', port: 8443, url: 'https://x' });
    expect(sealed.url).toBe('https://x');
    expect(isSealed(sealed.token) && isSealed(sealed.port)).toBe(true);
    expect(JSON.stringify(sealed)).not.toContain('s3cr3t');
    expect(box.openParameters(SCHEMA, sealed)).toEqual({ token: 's3cr3t', port: 8443, url: 'https://x' });
  });

  it('never mistakes a user value shaped like a sealed one for a secret', () => {
    const box = SecretBox.forHome(home());
    const schema = { body: { type: 'object' }, vault: { type: 'object', secret: true } } as const;
    const lookalike = { $secret: 'x' };
    const stored = box.sealParameters(schema, { body: lookalike, vault: lookalike });
    expect(stored.body).toEqual(lookalike); // not secret: stored as given
    expect(stored.vault).not.toEqual(lookalike); // secret: sealed like any other value
    expect(box.openParameters(schema, stored)).toEqual({ body: lookalike, vault: lookalike });
    expect(redactSecrets(schema, stored)).toEqual({ body: lookalike, vault: REDACTED });
  });

  it('keeps the sealed form of a secret whose clear value did not change', () => {
    const box = SecretBox.forHome(home());
    const first = box.sealParameters(SCHEMA, { token: 'a', port: 1 });
    const again = box.sealParameters(SCHEMA, { token: 'a', port: 2 }, { previous: first });
    expect(again.token).toEqual(first.token);
    expect(again.port).not.toEqual(first.port);
    expect(box.openParameters(SCHEMA, again)).toEqual({ token: 'a', port: 2 });
  });

  it('leaves references in clear, and shows them, when asked to', () => {
    const box = SecretBox.forHome(home());
    const isReference = (value: unknown) => value === '{{ ref }}';
    const stored = box.sealParameters(SCHEMA, { token: '{{ ref }}', port: 1 }, { isReference });
    expect(stored.token).toBe('{{ ref }}');
    expect(redactSecrets(SCHEMA, stored, isReference)).toEqual({ token: '{{ ref }}', port: REDACTED });
  });

  it('names the secret it cannot open', () => {
    const stored = SecretBox.forHome(home()).sealParameters(SCHEMA, { token: 'a' });
    const open = () => SecretBox.forHome(home()).openParameters(SCHEMA, stored);
    expect(open).toThrow(AppError);
    expect(open).toThrow(/"token"/);
  });

  it('masks the default of a secret entry of a schema', () => {
    const schema = { token: { type: 'string', secret: true, default: 'd' }, url: { type: 'string', default: 'u' } } as const;
    expect(redactSchemaDefaults(schema)).toEqual({ token: { type: 'string', secret: true, default: REDACTED }, url: { type: 'string', default: 'u' } });
  });

  it('keeps one key per data dir, readable by its owner only', () => {
    const dir = home();
    const sealed = SecretBox.forHome(dir).seal('value');
    expect(SecretBox.forHome(dir).open(sealed)).toBe('value');
    expect(statSync(path.join(dir, 'secrets', 'parameters.key')).mode & 0o777).toBe(0o600);
  });

  it('refuses a value sealed with another key or altered', () => {
    const box = SecretBox.forHome(home());
    const sealed = box.seal('value');
    expect(() => SecretBox.forHome(home()).open(sealed)).toThrow();
    const [version, iv, tag, text] = sealed.$secret.split('.');
    const flipped = Buffer.from(text ?? '', 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 1; // one bit of ciphertext changed: authentication must fail
    expect(() => box.open({ $secret: [version, iv, tag, flipped.toString('base64url')].join('.') })).toThrow();
    expect(box.open(sealed)).toBe('value');
  });
});
