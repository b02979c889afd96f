import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type FlatSchema, secretParameters } from '../domain/index.js';

/** How a sealed value is stored: `{ "$secret": "v1.<iv>.<tag>.<ciphertext>" }`, base64url parts. */
export const SEALED_KEY = '$secret';
const VERSION = 'v1';
const KEY_BYTES = 32;

export type Sealed = { readonly [SEALED_KEY]: string };

export function isSealed(value: unknown): value is Sealed {
  return typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>)[SEALED_KEY] === 'string';
}

/**
 * Encrypts the values of parameters marked `secret` (AES-256-GCM) so they are never stored in
 * clear; only the worker opens them, to hand them to the action. The key lives in the data dir.
 */
export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new Error(`a secret key is ${KEY_BYTES} bytes`);
    this.#key = key;
  }

  /** The data dir's key, made (mode 0600) on first use. */
  static forHome(home: string): SecretBox {
    const dir = path.join(home, 'secrets');
    const file = path.join(dir, 'parameters.key');
    if (!existsSync(file)) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileSync(file, randomBytes(KEY_BYTES), { mode: 0o600, flag: 'wx' });
    }
    chmodSync(file, 0o600);
    return new SecretBox(readFileSync(file));
  }

  seal(value: unknown): Sealed {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const text = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), text].map((b) => b.toString('base64url'));
    return { [SEALED_KEY]: [VERSION, ...parts].join('.') };
  }

  open(sealed: Sealed): unknown {
    const [version, iv, tag, text] = sealed[SEALED_KEY].split('.');
    if (version !== VERSION || !iv || !tag || text === undefined) throw new Error('not a sealed value of this version');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    const clear = Buffer.concat([decipher.update(Buffer.from(text, 'base64url')), decipher.final()]);
    return JSON.parse(clear.toString('utf8')) as unknown;
  }

  /** Parameters ready to store: every value the schema marks secret sealed. */
  sealParameters(schema: FlatSchema, parameters: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const out: Record<string, unknown> = { ...parameters };
    for (const name of secretParameters(schema)) {
      if (name in out && !isSealed(out[name])) out[name] = this.seal(out[name]);
    }
    return out;
  }

  /** Parameters as the action gets them: every sealed value opened. */
  openParameters(parameters: Readonly<Record<string, unknown>>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(parameters).map(([name, value]) => [name, isSealed(value) ? this.open(value) : value]));
  }
}
