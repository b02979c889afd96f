import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError, type Rule } from '../domain/index.js';
import type { KeyService } from '../secrets/index.js';

/** What a webhook's rule asks of each request (its core.webhook trigger_params; docs/rules.md). */
export interface WebhookChecks {
  /** The key whose value signs the body (X-Hub-Signature-256). */
  readonly secretKey?: string;
  readonly maxBodyBytes?: number;
  readonly rateLimit?: { readonly requests: number; readonly perSeconds: number };
}

const DEFAULT_RATE_SECONDS = 60;
/** Rate buckets kept at once; the least recently used is forgotten beyond this (it refills anyway). */
const MAX_BUCKETS = 10_000;

const positive = (value: unknown): number | undefined => (typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined);

export function webhookChecks(rule: Pick<Rule, 'triggerParams'>): WebhookChecks {
  const params = rule.triggerParams;
  const requests = positive(params.rate_limit);
  return {
    ...(typeof params.secret_key === 'string' && params.secret_key !== '' ? { secretKey: params.secret_key } : {}),
    ...(positive(params.max_body_bytes) === undefined ? {} : { maxBodyBytes: positive(params.max_body_bytes) }),
    ...(requests === undefined ? {} : { rateLimit: { requests, perSeconds: positive(params.rate_limit_seconds) ?? DEFAULT_RATE_SECONDS } }),
  };
}

/** `sha256=<hex>` of the body under `secret`, compared in constant time. */
export function isValidSignature(body: Buffer, header: string | undefined, secret: string): boolean {
  if (header === undefined) return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(header.trim().toLowerCase());
  return given.length === expected.length && timingSafeEqual(given, expected);
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets, one per webhook and limit: `requests` may come at once, then one more each
 * `perSeconds / requests`. In memory, per API process: a restart refills every bucket.
 */
export class WebhookRateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** 0 when the request may go; else the whole seconds until it may (for Retry-After). */
  take(key: string, limit: NonNullable<WebhookChecks['rateLimit']>): number {
    const now = this.#now();
    const perMs = limit.requests / (limit.perSeconds * 1000);
    const bucket = this.#buckets.get(key) ?? { tokens: limit.requests, at: now };
    this.#buckets.delete(key); // re-inserted last: Map order is least recently used first
    bucket.tokens = Math.min(limit.requests, bucket.tokens + (now - bucket.at) * perMs);
    bucket.at = now;
    this.#buckets.set(key, bucket);
    const oldest = this.#buckets.keys().next();
    if (this.#buckets.size > MAX_BUCKETS && !oldest.done) this.#buckets.delete(oldest.value);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
  }
}

/**
 * The checks of every rule listening on a webhook, strictest first: its rate limit (429 with
 * Retry-After), body size (413), then signature (401). A request that fails one stores nothing.
 * Rules sharing a webhook should agree; when they do not, the request must pass each one's checks.
 */
export class WebhookGuard {
  readonly #keys: Pick<KeyService, 'resolve'>;
  readonly #limiter: WebhookRateLimiter;

  constructor(options: { readonly keys: Pick<KeyService, 'resolve'>; readonly limiter?: WebhookRateLimiter }) {
    this.#keys = options.keys;
    this.#limiter = options.limiter ?? new WebhookRateLimiter();
  }

  async check(name: string, rules: readonly Rule[], body: Buffer, signature: string | undefined): Promise<void> {
    const checks = rules.map((rule) => ({ rule, ...webhookChecks(rule) }));
    const waits = checks.flatMap(({ rateLimit }) => (rateLimit ? [this.#limiter.take(`${name}\n${rateLimit.requests}/${rateLimit.perSeconds}`, rateLimit)] : []));
    const wait = Math.max(0, ...waits);
    if (wait > 0) throw new AppError('ERR_RATE_LIMITED', `webhook "${name}" is over its rate limit; retry in ${wait} s`, { headers: { 'retry-after': String(wait) } });
    const limit = Math.min(...checks.map((c) => c.maxBodyBytes ?? Number.POSITIVE_INFINITY));
    if (body.length > limit) throw new AppError('ERR_PAYLOAD_TOO_LARGE', `webhook "${name}" accepts bodies of at most ${limit} bytes; this one has ${body.length}`);
    for (const { rule, secretKey } of checks) {
      if (secretKey === undefined) continue;
      const secret = await this.#keys.resolve(rule.packRef, secretKey);
      // A missing key fails closed: the webhook asked for a signature nobody can make.
      if (secret === undefined || !isValidSignature(body, signature, secret)) {
        throw new AppError('ERR_WEBHOOK_SIGNATURE', signature === undefined ? `webhook "${name}" needs X-Hub-Signature-256: sha256=<HMAC-SHA256 of the body>` : `webhook "${name}": the X-Hub-Signature-256 does not match the body`);
      }
    }
  }
}
