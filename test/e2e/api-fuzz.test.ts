import { once } from 'node:events';
import { connect } from 'node:net';
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

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly body?: { readonly properties?: Record<string, { type?: string }>; readonly required?: readonly string[] };
}

/** Values of every JSON type: for each field, those not of its type are wrong types. */
const TYPED: readonly [string, unknown][] = [['null', null], ['boolean', true], ['integer', 7], ['number', 1.5], ['string', 'x'], ['array', [1]], ['object', { a: 1 }]];
const MALFORMED = ['{', '{"a":', '[1,', 'nul', '{"a" 1}', '\u0000', '{"a":1}}', '\ud800'];
const PLACEHOLDERS: Readonly<Record<string, string>> = { ref: 'fuzz.none', id: '999999', name: 'fuzznone', login: 'nobody' };

describe('every route of the OpenAPI document, with and without a token, under bad bodies', () => {
  const attune = new AttuneProcess();
  let operations: Operation[] = [];
  let viewer = '';

  beforeAll(async () => {
    await attune.start();
    await attune.api('POST', '/api/v1/identities', { login: 'fuzz_viewer', password: 'fuzz-password', permission_sets: ['viewer'] });
    viewer = (await attune.apiAs<{ data: { access_token: string } }>(undefined, 'POST', '/auth/login', { login: 'fuzz_viewer', password: 'fuzz-password' })).body.data.access_token;
    type Spec = { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Operation['body'] }> } }>> };
    const spec = (await attune.api<Spec>('GET', '/api-spec/openapi.json')).body;
    operations = Object.entries(spec.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ method: method.toUpperCase(), path, body: operation.requestBody?.content['application/json']?.schema })),
    );
  });
  afterAll(() => attune.cleanup());

  /** Bodies for one route: malformed JSON, random bytes, missing and unknown fields, each field with each wrong type, one oversized. */
  const bodiesFor = (operation: Operation, random: () => number): { text: string; type: string; headersOnly?: boolean }[] => {
    const json = (value: unknown) => ({ text: JSON.stringify(value), type: 'application/json' });
    const bytes = Buffer.from(Array.from({ length: 64 + Math.floor(random() * 512) }, () => Math.floor(random() * 256))).toString('latin1');
    const fields = Object.entries(operation.body?.properties ?? {});
    return [
      ...MALFORMED.map((text) => ({ text, type: 'application/json' })),
      { text: bytes, type: 'application/json' },
      { text: bytes, type: 'application/octet-stream' },
      json({}),
      json([]),
      json({ unknown_field: 1 }),
      ...fields.flatMap(([name, schema]) => TYPED.filter(([type]) => type !== schema.type && !(schema.type === 'number' && type === 'integer')).map(([, value]) => json({ [name]: value }))),
      // Over the 1 MiB limit: the server answers from the declared length, before any of it, and
      // closes. Only the headers are sent: had the body been on its way, the reset of a connection
      // closed with unread data could wipe the answer out before the client read it.
      { ...json({ ...Object.fromEntries(fields.map(([name]) => [name, 'x'])), filler: 'x'.repeat(1_100_000) }), headersOnly: true },
    ];
  };

  it('never answers 5xx, and every 4xx carries an error code', async () => {
    const random = seededRandom(7);
    const wrong: string[] = [];
    let sent = 0;
    for (const operation of operations) {
      const url = `${attune.url}${operation.path.replace(/\{(\w+)\}/g, (_, name: string) => PLACEHOLDERS[name] ?? 'x')}`;
      const bodies = ['GET', 'DELETE'].includes(operation.method) ? [undefined] : bodiesFor(operation, random);
      for (const token of [attune.token, viewer, undefined]) {
        for (const body of bodies) {
          const headers: Record<string, string> = { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': body.type }) };
          const response = await send(url, operation.method, headers, body === undefined ? undefined : Buffer.from(body.text, 'latin1'), body?.headersOnly);
          const text = response.text;
          sent++;
          const what = `${operation.method} ${operation.path} ${token === undefined ? 'anonymous' : 'with a token'} ${body === undefined ? '' : JSON.stringify(body.text.slice(0, 60))}`;
          if (response.status >= 500) wrong.push(`${what}: ${response.status} ${text.slice(0, 200)}`);
          else if (response.status >= 400 && !/^\{"error":\{"code":"ERR_[A-Z_]+"/.test(text)) wrong.push(`${what}: ${response.status} without an error code: ${text.slice(0, 200)}`);
        }
      }
    }
    expect(sent).toBeGreaterThan(1000);
    expect(wrong).toEqual([]);
  });
});

/**
 * One request over a plain socket, reading the answer even when it comes before the whole body
 * was sent (a 401 refuses a body unread), which fetch reports only as a broken pipe. The body
 * goes in chunks, and no more once an answer came; the answer ends at its content-length.
 */
function send(url: string, method: string, headers: Record<string, string>, body: Buffer | undefined, headersOnly = false): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  const lines = [`${method} ${target.pathname}${target.search} HTTP/1.1`, `host: ${target.host}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  if (body !== undefined) lines.push(`content-length: ${body.length}`);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(target.port), target.hostname);
    let received = Buffer.alloc(0);
    let answer: { status: number; text: string } | undefined;
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = received.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
      if (received.length < end + 4 + length) return;
      answer = { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), text: received.subarray(end + 4, end + 4 + length).toString('utf8') };
      socket.destroy();
    });
    socket.on('error', () => undefined); // judged below: an answer, or none
    void closed.then(() => (answer ? resolve(answer) : reject(new Error(`${method} ${url} (${body?.length ?? 0} bytes): the connection closed without an answer`))));
    const write = async () => {
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      for (let offset = 0; body !== undefined && !headersOnly && offset < body.length && answer === undefined && socket.writable; offset += 65_536) {
        if (!socket.write(body.subarray(offset, offset + 65_536))) await Promise.race([once(socket, 'drain'), closed]);
      }
    };
    socket.once('connect', () => void write().catch(() => undefined));
  });
}
