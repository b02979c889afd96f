import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../test/support/sqlite-store.js';
import { AuditLog } from '../auth/index.js';
import type { Rule } from '../domain/index.js';
import { KeyService, SecretBox } from '../secrets/index.js';
import type { Store } from '../store/index.js';
import { WebhookGuard, WebhookRateLimiter, isValidSignature, webhookChecks } from './webhook-guard.js';

const sign = (body: string, secret: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
const rule = (triggerParams: Record<string, unknown>, packRef = 'demo') => ({ ref: `${packRef}.r`, packRef, triggerParams }) as unknown as Rule;

describe('isValidSignature', () => {
  const body = Buffer.from('{"n":1}');
  it('accepts the HMAC-SHA256 of the exact body, in either case of hex', () => {
    expect(isValidSignature(body, sign('{"n":1}', 's3'), 's3')).toBe(true);
    expect(isValidSignature(body, sign('{"n":1}', 's3').toUpperCase().replace('SHA256=', 'sha256='), 's3')).toBe(true);
  });
  it('refuses another body, another secret, a missing or malformed header', () => {
    expect(isValidSignature(body, sign('{"n": 1}', 's3'), 's3')).toBe(false);
    expect(isValidSignature(body, sign('{"n":1}', 'other'), 's3')).toBe(false);
    expect(isValidSignature(body, undefined, 's3')).toBe(false);
    expect(isValidSignature(body, 'sha256=', 's3')).toBe(false);
    expect(isValidSignature(body, sign('{"n":1}', 's3').slice(7), 's3')).toBe(false);
  });
});

describe('WebhookRateLimiter', () => {
  it('lets a burst of `requests` through, then one per interval, and says how long to wait', () => {
    let now = 1_000_000;
    const limiter = new WebhookRateLimiter(() => now);
    const limit = { requests: 2, perSeconds: 10 };
    expect([limiter.take('a', limit), limiter.take('a', limit), limiter.take('a', limit)]).toEqual([0, 0, 5]);
    expect(limiter.take('b', limit)).toBe(0); // another webhook has its own bucket
    now += 4_000;
    expect(limiter.take('a', limit)).toBe(1);
    now += 1_000;
    expect([limiter.take('a', limit), limiter.take('a', limit)]).toEqual([0, 5]);
  });
});

describe('webhookChecks', () => {
  it('reads the checks a rule asks for, with the default window, and ignores what is not a positive integer', () => {
    expect(webhookChecks(rule({ url: 'x', secret_key: 'k', max_body_bytes: 10, rate_limit: 3 }))).toEqual({ secretKey: 'k', maxBodyBytes: 10, rateLimit: { requests: 3, perSeconds: 60 } });
    expect(webhookChecks(rule({ url: 'x', rate_limit: 3, rate_limit_seconds: 5 })).rateLimit).toEqual({ requests: 3, perSeconds: 5 });
    expect(webhookChecks(rule({ url: 'x', secret_key: '', max_body_bytes: 0, rate_limit: 1.5 }))).toEqual({});
  });
});

describe('WebhookGuard', () => {
  let dir: string;
  let store: Store;
  let guard: WebhookGuard;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'attune-webhook-guard-'));
    store = await openSqliteStore(path.join(dir, 'db.sqlite'));
    const secrets = SecretBox.forHome(dir);
    const keys = new KeyService({ store, secrets, audit: new AuditLog({ store, log: pino({ level: 'silent' }) }) });
    await store.keys.put({ scope: 'system', owner: '', name: 'hook', value: secrets.seal('system-secret'), secret: true, createdBy: null });
    await store.keys.put({ scope: 'pack', owner: 'mine', name: 'hook', value: secrets.seal('pack-secret'), secret: true, createdBy: null });
    guard = new WebhookGuard({ keys, limiter: new WebhookRateLimiter(() => 0) });
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const check = (rules: readonly Rule[], body: string, signature?: string) => guard.check('w', rules, Buffer.from(body), signature);
  const codeOf = (promise: Promise<void>) => promise.then(() => 'passed', (error: { code?: string }) => error.code);

  it("verifies the signature with the rule's pack key, else the system key, and fails closed without the key", async () => {
    expect(await codeOf(check([rule({ secret_key: 'hook' }, 'mine')], '{}', sign('{}', 'pack-secret')))).toBe('passed');
    expect(await codeOf(check([rule({ secret_key: 'hook' }, 'other')], '{}', sign('{}', 'system-secret')))).toBe('passed');
    expect(await codeOf(check([rule({ secret_key: 'hook' }, 'mine')], '{}', sign('{}', 'system-secret')))).toBe('ERR_WEBHOOK_SIGNATURE');
    expect(await codeOf(check([rule({ secret_key: 'hook' })], '{}'))).toBe('ERR_WEBHOOK_SIGNATURE');
    expect(await codeOf(check([rule({ secret_key: 'nokey' })], '{}', sign('{}', '')))).toBe('ERR_WEBHOOK_SIGNATURE');
    expect(await codeOf(check([rule({})], '{}'))).toBe('passed');
  });

  it('refuses a body over the smallest limit of its rules, and a request over a rate limit with Retry-After', async () => {
    const rules = [rule({ max_body_bytes: 100 }), rule({ max_body_bytes: 4 })];
    expect(await codeOf(check(rules, '1234'))).toBe('passed');
    expect(await codeOf(check(rules, '12345'))).toBe('ERR_PAYLOAD_TOO_LARGE');
    const limited = [rule({ rate_limit: 1, rate_limit_seconds: 30 })];
    expect(await codeOf(check(limited, '{}'))).toBe('passed');
    const refused = await check(limited, '{}').catch((error: unknown) => error as { code: string; headers: Record<string, string> });
    expect(refused).toMatchObject({ code: 'ERR_RATE_LIMITED', headers: { 'retry-after': '30' } });
  });
});
