import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttuneProcess } from './harness.js';
import { seededRandom } from '../support/seeded-random.js';

const ROUTES = [
  'GET /api/v1/packs/{s}', 'POST /api/v1/packs/register', 'DELETE /api/v1/packs/{s}', 'GET /api/v1/actions/{s}',
  'POST /api/v1/executions', 'GET /api/v1/executions', 'GET /api/v1/executions/{n}', 'POST /api/v1/executions/{n}/cancel',
  'GET /api/v1/triggers/{s}', 'GET /api/v1/sensors/{s}/logs', 'GET /api/v1/rules', 'POST /api/v1/rules', 'PATCH /api/v1/rules/{s}',
  'POST /api/v1/rules/{s}/enable', 'DELETE /api/v1/rules/{s}', 'GET /api/v1/events', 'POST /api/v1/events', 'GET /api/v1/enforcements',
  'POST /api/v1/webhooks/{s}',
];
const STRINGS = ['core', 'core.echo', 'examples.tick', '', '%00', '..%2F..', 'a'.repeat(400), '%E0%A4%A', 'x y', '-1', '1e400', 'null', 'deploy', '☃'];
const NUMBERS = ['1', '0', '-1', '2147483648', 'abc', '1.5', '1e400', '99999'];
const VALUES: unknown[] = [null, true, 0, -1, 1.5, 1e308, '', 'x', 'core.echo', [], [1], {}, { a: 1 }, 'a'.repeat(3000), '{{ event.payload }}', '{{', 'event.x >> 1'];
const KEYS = ['action_ref', 'parameters', 'timeout_seconds', 'path', 'ref', 'trigger_ref', 'trigger_params', 'conditions', 'action_params', 'enabled', 'payload', 'rule_ref', 'x'];
const QUERY = ['limit', 'offset', 'status', 'action_ref', 'rule_ref', 'parent', 'pack', 'trigger_ref', 'enabled', 'event'];
/** Names no route knows, or that are odd in themselves: each must be a 400, never ignored, never a 5xx. */
const ODD_QUERY = ['event_id', 'x', '', '__proto__', 'constructor', 'hasOwnProperty', 'limit[]', 'status[0]', 'a.b', '%00', '%E0%A4%A', '☃', 'LIMIT'];
const ODD_VALUES = ['', '0x10', '1e3', ' 1', '+1', '1,2', '[]', '{}', '%00', 'true', 'bogus'];

describe('API under random malformed input', () => {
  const attune = new AttuneProcess();
  beforeAll(async () => {
    await attune.start();
  });
  afterAll(() => attune.cleanup());

  it('answers 600 random requests, with odd and unknown query parameters and deep or out-of-range JSON bodies, without a 5xx, every error in the one error shape', async () => {
    const random = seededRandom(20261129);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
    // Nested arrays, from well inside the JSON depth limit (128) to far past it; the body's
    // depth is remembered, since past the limit the answer must be ERR_JSON_TOO_DEEP.
    let bodyDepth = 0;
    const deep = (outer: number): string => {
      const depth = pick([1, 64, 126, 127, 128, 129, 1000, 4100, 50_000]);
      bodyDepth = outer + depth;
      return `${'['.repeat(depth)}${pick(['', '1', '"x"', 'null'])}${']'.repeat(depth)}`;
    };
    const body = (): string => {
      bodyDepth = 0;
      if (random() < 0.15) return pick(['', '{', 'null', '[]', '"x"', '1', '{"a":', '1e400', '{"payload":-1e400}']);
      if (random() < 0.15) return random() < 0.5 ? deep(0) : `{${JSON.stringify(pick(KEYS))}:${deep(1)}}`;
      const entries = Array.from({ length: Math.floor(random() * 5) }, () => [pick(KEYS), random() < 0.3 ? { message: pick(VALUES), interval: pick(VALUES) } : pick(VALUES)]);
      return JSON.stringify(Object.fromEntries(entries));
    };
    /** No query, or one to three parameters: known or odd names, sometimes repeated, sometimes without `=`. */
    let hasUnknownName = false;
    const queryString = (): string => {
      hasUnknownName = false;
      if (random() < 0.35) return '';
      const parts = Array.from({ length: 1 + Math.floor(random() * 3) }, () => {
        const name = random() < 0.5 ? pick(QUERY) : pick(ODD_QUERY);
        const encodedName = name.startsWith('%') ? name : encodeURIComponent(name);
        const isBare = random() < 0.1;
        // A bare empty name (`?&`) is no parameter at all.
        if (ODD_QUERY.includes(name) && !(isBare && name === '')) hasUnknownName = true;
        if (isBare) return encodedName;
        const value = random() < 0.5 ? pick([...NUMBERS, ...STRINGS]) : pick(ODD_VALUES);
        return `${encodedName}=${value.startsWith('%') ? value : encodeURIComponent(value)}`;
      });
      return `?${parts.join('&')}`;
    };
    for (let i = 0; i < 600; i++) {
      const [method, template] = pick(ROUTES).split(' ') as [string, string];
      const route = template.replace('{s}', encodeURIComponent(pick(STRINGS)).replaceAll('%25', '%')).replace('{n}', pick(NUMBERS));
      const query = queryString();
      const withBody = method !== 'GET' && method !== 'DELETE';
      const contentType = random() < 0.9 ? 'application/json' : 'text/plain';
      const sent = withBody ? body() : null;
      const response = await fetch(`${attune.url}${route}${query}`, {
        method,
        headers: withBody ? { 'content-type': contentType, ...attune.authHeaders } : attune.authHeaders,
        body: sent,
      });
      const text = await response.text();
      const request = `${method} ${route}${query}`;
      expect(response.status, `${request} → ${text.slice(0, 200)}`).toBeLessThan(500);
      if (hasUnknownName) expect(response.status, `${request} ignored an unknown query parameter`).toBeGreaterThanOrEqual(400);
      if (response.status >= 400) expect((JSON.parse(text) as { error: { code: string } }).error.code, request).toMatch(/^ERR_[A-Z_]+$/);
      if (withBody && contentType === 'application/json' && bodyDepth > 128) expect(text, `${request} at depth ${bodyDepth}`).toMatch(/"code":"ERR_JSON_TOO_DEEP"/);
    }
  });
});
