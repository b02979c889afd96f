import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AppError, type FlatSchema, REDACTED, secretParameters } from '../domain/index.js';

/** How a sealed value is stored: `{ "$secret": "v1.<iv>.<tag>.<ciphertext>" }`, base64url parts. */
export const SEALED_KEY = '$secret';
const VERSION = 'v1';
const KEY_BYTES = 32;

const UNREADABLE = 'cannot be opened: it was sealed with another key than secrets/parameters.key in the data dir, or altered';

export type Sealed = { readonly [SEALED_KEY]: string };

/**
 * True for a value of the stored sealed shape. The shape alone never decides whether a value is
 * a secret — a user may send `{"$secret": "x"}` as an ordinary object — so this is only asked
 * about values the schema marks secret (see `openParameters`).
 */
export function isSealed(value: unknown): value is Sealed {
  return typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>)[SEALED_KEY] === 'string';
}

export interface SealOptions {
  /**
   * The values stored before: a secret whose clear value did not change keeps its sealed form,
   * so re-registering an unchanged pack rewrites no row (sealing draws a fresh IV every time).
   */
  readonly previous?: Readonly<Record<string, unknown>>;
  /** Secret-marked values that are references, not secrets (a rule's `{{ pack.config.x }}`). */
  readonly isReference?: (value: unknown) => boolean;
}

/**
 * Encrypts values marked `secret` in a flat schema (AES-256-GCM) so they are never stored in
 * clear; only the services that need the clear value (the worker, the rule engine) open them.
 * Every decision is made by the schema, never by a value's shape: input is always clear text,
 * so everything the schema marks secret is sealed, and only what it marks secret is opened.
 * The key lives in the data dir.
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

  /**
   * A key for another purpose (signing access tokens, hashing API tokens), derived from this one
   * with HKDF-SHA256: the data dir keeps one secret, and every process holding it agrees.
   */
  deriveKey(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.#key, Buffer.alloc(0), `attune ${purpose}`, KEY_BYTES));
  }

  seal(value: unknown): Sealed {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const text = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), text].map((b) => b.toString('base64url'));
    return { [SEALED_KEY]: [VERSION, ...parts].join('.') };
  }

  /** The clear value. Throws ERR_SECRET_UNREADABLE for a value sealed with another key, or altered. */
  open(sealed: Sealed): unknown {
    try {
      const [version, iv, tag, text] = sealed[SEALED_KEY].split('.');
      if (version !== VERSION || !iv || !tag || text === undefined) throw new Error(`not a sealed value of version ${VERSION}`);
      const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      const clear = Buffer.concat([decipher.update(Buffer.from(text, 'base64url')), decipher.final()]);
      return JSON.parse(clear.toString('utf8')) as unknown;
    } catch (error) {
      throw new AppError('ERR_SECRET_UNREADABLE', `a stored secret ${UNREADABLE}`, { cause: error });
    }
  }

  /**
   * Values ready to store: every value the schema marks secret sealed, whatever it looks like
   * (a clear value shaped like a sealed one is sealed too, so it comes back as it was given).
   */
  sealParameters(schema: FlatSchema, values: Readonly<Record<string, unknown>>, options: SealOptions = {}): Record<string, unknown> {
    const out: Record<string, unknown> = { ...values };
    for (const name of secretParameters(schema)) {
      if (!Object.hasOwn(out, name) || out[name] === undefined || options.isReference?.(out[name])) continue;
      out[name] = this.#unchanged(options.previous?.[name], out[name]) ?? this.seal(out[name]);
    }
    return out;
  }

  /**
   * Values as their consumer needs them: every value the schema marks secret and that was stored
   * sealed is opened; nothing else is touched, however it looks. Throws ERR_SECRET_UNREADABLE
   * naming the value that cannot be opened.
   */
  openParameters(schema: FlatSchema, values: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const out: Record<string, unknown> = { ...values };
    for (const name of secretParameters(schema)) {
      const value = out[name];
      if (!Object.hasOwn(out, name) || !isSealed(value)) continue; // stored before the schema marked it secret
      try {
        out[name] = this.open(value);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        throw new AppError('ERR_SECRET_UNREADABLE', `the stored secret "${name}" ${UNREADABLE}`, { cause: error.cause });
      }
    }
    return out;
  }

  /** `previous` when it is sealed and opens to `clear`; undefined otherwise. */
  #unchanged(previous: unknown, clear: unknown): Sealed | undefined {
    if (!isSealed(previous)) return undefined;
    try {
      return JSON.stringify(this.open(previous)) === JSON.stringify(clear) ? previous : undefined;
    } catch (error) {
      if (error instanceof AppError) return undefined; // sealed with an older key: seal it anew
      throw error;
    }
  }
}

/** Values as the API shows them: each one the schema marks secret replaced by `********`. */
export function redactSecrets(
  schema: FlatSchema,
  values: Readonly<Record<string, unknown>>,
  isReference: (value: unknown) => boolean = () => false,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...values };
  for (const name of secretParameters(schema)) {
    if (Object.hasOwn(out, name) && out[name] !== undefined && !isReference(out[name])) out[name] = REDACTED;
  }
  return out;
}

/** A flat schema as the API shows it: the `default` of a secret entry is a secret too. */
export function redactSchemaDefaults(schema: FlatSchema): FlatSchema {
  const secrets = new Set(secretParameters(schema));
  if (![...secrets].some((name) => schema[name]?.default !== undefined)) return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([name, spec]) => [name, secrets.has(name) && spec.default !== undefined ? { ...spec, default: REDACTED } : spec]),
  );
}
