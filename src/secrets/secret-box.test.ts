import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretBox, isSealed } from './secret-box.js';

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

  it('seals only the parameters marked secret, and opens them back to their values', () => {
    const box = SecretBox.forHome(home());
    const sealed = box.sealParameters(
      { token: { type: 'string', secret: true }, port: { type: 'integer', secret: true }, url: { type: 'string' } },
      { token: 's3cr3t', port: 8443, url: 'https://x' },
    );
    expect(sealed.url).toBe('https://x');
    expect(isSealed(sealed.token) && isSealed(sealed.port)).toBe(true);
    expect(JSON.stringify(sealed)).not.toContain('s3cr3t');
    expect(box.openParameters(sealed)).toEqual({ token: 's3cr3t', port: 8443, url: 'https://x' });
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
