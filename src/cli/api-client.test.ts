import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../domain/index.js';
import { ApiClient, UnknownApiError } from './api-client.js';
import { describeError } from './report-error.js';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
  readonly body: string;
}

const seen: Seen[] = [];

function send(res: ServerResponse, status: number, body?: unknown): void {
  res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
  res.end(body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body));
}

/** Canned API responses, keyed by method and path. */
function route(req: IncomingMessage, res: ServerResponse, body: string): void {
  seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body });
  const key = `${req.method} ${(req.url ?? '').split('?')[0]}`;
  switch (key) {
    case 'GET /api/v1/health':
      return send(res, 200, { data: { status: 'ok', services: ['api'], version: '0.1.0' } });
    case 'GET /api/v1/packs':
      return send(res, 200, { data: [{ ref: 'core' }], pagination: { limit: 50, offset: 0, total: 1 } });
    case 'POST /api/v1/executions':
      return send(res, 201, { data: { id: 1, status: 'requested', ...(JSON.parse(body) as object) } });
    case 'DELETE /api/v1/packs/examples':
      return send(res, 204);
    case 'GET /api/v1/packs/missing':
      return send(res, 404, { error: { code: 'ERR_PACK_NOT_FOUND', message: 'no pack has ref "missing"' } });
    case 'POST /api/v1/packs/register':
      return send(res, 400, {
        error: {
          code: 'ERR_PACK_INVALID',
          message: 'pack "bad" is invalid',
          details: [
            { file: 'actions/foo.yaml', line: 3, column: 5, field: 'timeout_seconds', message: 'must be integer' },
            { parameter: 'count', message: 'is required' },
          ],
        },
      });
    case 'GET /api/v1/future':
      return send(res, 418, { error: { code: 'ERR_FROM_THE_FUTURE', message: 'a newer server' } });
    case 'GET /api/v1/proxy':
      return send(res, 502, '<html>bad gateway</html>');
    default:
      return send(res, 404, { error: { code: 'ERR_NOT_FOUND', message: `no route ${key}` } });
  }
}

let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => route(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
});

afterEach(() => {
  seen.length = 0;
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the request to fail');
}

describe('ApiClient success responses', () => {
  it('unwraps data and sends the bearer token', async () => {
    const client = new ApiClient({ baseUrl, token: 's3cret' });
    expect(await client.get('/health')).toEqual({ status: 'ok', services: ['api'], version: '0.1.0' });
    expect(seen[0]?.authorization).toBe('Bearer s3cret');
  });

  it('returns list data with pagination and drops empty query values', async () => {
    const client = new ApiClient({ baseUrl });
    const page = await client.list('/packs', { limit: 5, offset: undefined, pack: '' });
    expect(page).toEqual({ data: [{ ref: 'core' }], pagination: { limit: 50, offset: 0, total: 1 } });
    expect(seen[0]?.url).toBe('/api/v1/packs?limit=5');
    expect(seen[0]?.authorization).toBeUndefined();
  });

  it('posts JSON bodies', async () => {
    const client = new ApiClient({ baseUrl: `${baseUrl}/` });
    const created = await client.post('/executions', { action_ref: 'core.echo', parameters: { message: 'hi' } });
    expect(created).toMatchObject({ id: 1, action_ref: 'core.echo', parameters: { message: 'hi' } });
  });

  it('treats 204 No Content as undefined', async () => {
    expect(await new ApiClient({ baseUrl }).delete('/packs/examples')).toBeUndefined();
  });
});

describe('ApiClient error mapping', () => {
  it('turns a known error code into an AppError with its exit code', async () => {
    const error = await rejection(new ApiClient({ baseUrl }).get('/packs/missing'));
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'ERR_PACK_NOT_FOUND', message: 'no pack has ref "missing"', exitCode: 3 });
  });

  it('keeps validation details and prints each on its own line', async () => {
    const error = await rejection(new ApiClient({ baseUrl }).post('/packs/register', { path: '/x' }));
    expect(error).toMatchObject({ code: 'ERR_PACK_INVALID', exitCode: 2 });
    expect(describeError(error)).toEqual({
      lines: [
        'ERR_PACK_INVALID: pack "bad" is invalid',
        '  actions/foo.yaml:3:5 timeout_seconds: must be integer',
        '  count: is required',
      ],
      exitCode: 2,
    });
  });

  it('passes an unknown error code through and exits 1', async () => {
    const error = await rejection(new ApiClient({ baseUrl }).get('/future'));
    expect(error).toBeInstanceOf(UnknownApiError);
    expect(describeError(error)).toEqual({ lines: ['ERR_FROM_THE_FUTURE: a newer server'], exitCode: 1 });
  });

  it('reports a response without an Attune error body by its HTTP status', async () => {
    const error = await rejection(new ApiClient({ baseUrl }).get('/proxy'));
    expect(error).toMatchObject({ code: 'ERR_INTERNAL' });
    expect((error as Error).message).toContain('HTTP 502');
  });

  it('reports a closed port as ERR_API_UNREACHABLE naming the URL', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const error = await rejection(new ApiClient({ baseUrl: url }).get('/health'));
    expect(error).toBeInstanceOf(AppError);
    expect(describeError(error)).toEqual({
      lines: [`ERR_API_UNREACHABLE: cannot reach the Attune API at ${url} — is "attune up" running?`],
      exitCode: 1,
    });
  });

  it('rejects a malformed API URL as a usage error', () => {
    expect(() => new ApiClient({ baseUrl: 'localhost:8080' })).toThrow(/invalid API URL/);
  });
});
