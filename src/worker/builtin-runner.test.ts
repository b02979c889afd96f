import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '../domain/entities.js';
import { actionId } from '../domain/ids.js';
import { ActionRunner, createDefaultBuiltins, type BuiltinAction, type HttpRequestData, type RunRequest } from './index.js';

let server: Server;
let baseUrl: string;

function handle(req: IncomingMessage, res: ServerResponse): void {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
  req.on('end', () => {
    if (req.url === '/missing') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('nope');
      return;
    }
    if (req.url === '/slow') return; // never answers
    if (req.url === '/deep') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(`${'['.repeat(5000)}${']'.repeat(5000)}`);
      return;
    }
    const echo = { method: req.method, contentType: req.headers['content-type'] ?? null, custom: req.headers['x-custom'] ?? null, body };
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(echo));
  });
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function request(entryPoint: string, parameters: Record<string, unknown> = {}, timeoutSeconds = 30): RunRequest {
  const action: Action = {
    id: actionId(1), ref: `core.${entryPoint}`, packRef: 'core', label: '', description: '',
    runnerType: 'builtin', entryPoint, parameters: {}, output: {}, parameterDelivery: 'stdin',
    parameterFormat: 'json', outputFormat: 'text', timeoutSeconds, maxRetries: 0, created: '', updated: '',
  };
  return { executionId: 9, action, packPath: '/nonexistent', parameters, timeoutSeconds, env: {} };
}

/** Waits for its abort signal, or forever when told to ignore it. */
const waitForAbort =
  (isIgnoringSignal: boolean): BuiltinAction =>
  (_params, ctx) =>
    new Promise((_resolve, reject) => {
      if (!isIgnoringSignal) ctx.signal.addEventListener('abort', () => reject(new Error('aborted')));
    });

const builtins = new Map<string, BuiltinAction>([
  ...createDefaultBuiltins(),
  ['hang', waitForAbort(false)],
  ['deaf', waitForAbort(true)],
  ['throws', () => Promise.reject(new Error('builtin exploded'))],
  ['context', (_params, ctx) => Promise.resolve({ data: { executionId: ctx.executionId }, stdout: 'hi' })],
]);
const runner = new ActionRunner({ maxOutputBytes: 1024, killGraceMs: 100, baseEnv: {}, builtins });
const run = (entryPoint: string, parameters?: Record<string, unknown>, timeoutSeconds?: number) =>
  runner.start(request(entryPoint, parameters, timeoutSeconds)).done;

describe('builtin actions', () => {
  it('completes noop with empty data and a duration', async () => {
    const outcome = await run('noop');
    expect(outcome).toMatchObject({ status: 'completed', result: { data: {} } });
    expect(outcome.result.duration_ms).toBeGreaterThanOrEqual(0);
  });

  it('is used by default when no registry is given', async () => {
    const outcome = await new ActionRunner({ maxOutputBytes: 10, killGraceMs: 10, baseEnv: {} }).start(request('noop')).done;
    expect(outcome.status).toBe('completed');
  });

  it('passes the execution id and records stdout', async () => {
    const outcome = await run('context');
    expect(outcome.result).toMatchObject({ data: { executionId: 9 }, stdout: 'hi' });
  });

  it('fails with the message when a builtin throws', async () => {
    const outcome = await run('throws');
    expect(outcome).toMatchObject({ status: 'failed', result: { error: 'builtin exploded' } });
  });

  it('fails an unknown builtin entry point', async () => {
    const outcome = await run('nonexistent');
    expect(outcome.status).toBe('failed');
    expect(outcome.result.error).toContain('nonexistent');
  });

  it('times out a builtin through its abort signal', async () => {
    const outcome = await run('hang', {}, 1);
    expect(outcome).toMatchObject({ status: 'timeout', result: { error: 'action timed out after 1 s' } });
  });

  it('cancels a builtin even when it ignores its signal', async () => {
    const running = runner.start(request('deaf'));
    running.cancel();
    const outcome = await running.done;
    expect(outcome.status).toBe('cancelled');
    expect(outcome.result.duration_ms).toBeGreaterThanOrEqual(0);
  });
});

describe('http_request builtin', () => {
  it('sends a GET and returns the response with parsed JSON', async () => {
    const outcome = await run('http_request', { url: `${baseUrl}/echo`, headers: { 'x-custom': 'yes' } });
    expect(outcome.status).toBe('completed');
    const data = outcome.result.data as HttpRequestData;
    expect(data.status_code).toBe(200);
    expect(data.headers['content-type']).toContain('application/json');
    expect(data.json).toEqual({ method: 'GET', contentType: null, custom: 'yes', body: '' });
    expect(JSON.parse(data.body)).toEqual(data.json);
    expect(data.elapsed_ms).toBeGreaterThanOrEqual(0);
  });

  it('sends json_body as JSON with a content type', async () => {
    const outcome = await run('http_request', { url: `${baseUrl}/echo`, method: 'post', json_body: { a: [1, 'two'] } });
    const data = outcome.result.data as HttpRequestData;
    expect(data.json).toEqual({ method: 'POST', contentType: 'application/json', custom: null, body: '{"a":[1,"two"]}' });
  });

  it('sends a raw string body', async () => {
    const outcome = await run('http_request', { url: `${baseUrl}/echo`, method: 'PUT', body: 'plain text' });
    expect((outcome.result.data as HttpRequestData).json).toMatchObject({ method: 'PUT', body: 'plain text' });
  });

  it('leaves json null for a response nested deeper than the JSON limits, keeping the text in body', async () => {
    const outcome = await run('http_request', { url: `${baseUrl}/deep` });
    expect(outcome.status).toBe('completed');
    const data = outcome.result.data as HttpRequestData;
    expect(data.json).toBeNull();
    expect(data.body).toHaveLength(10_000);
  });

  it('fails on a 4xx response but keeps the response as data', async () => {
    const outcome = await run('http_request', { url: `${baseUrl}/missing` });
    expect(outcome.status).toBe('failed');
    expect(outcome.result.error).toMatch(/^HTTP 404/);
    expect(outcome.result.data).toMatchObject({ status_code: 404, body: 'nope', json: null });
  });

  it('fails when the request timeout parameter expires', async () => {
    const outcome = await run('http_request', { url: `${baseUrl}/slow`, timeout: 0.2 });
    expect(outcome.status).toBe('failed');
    expect(outcome.result.error).toMatch(/timed out after 0.2 s/);
  });

  it('reports the execution timeout, not a request failure, when the run times out', async () => {
    const outcome = await run('http_request', { url: `${baseUrl}/slow` }, 1);
    expect(outcome.status).toBe('timeout');
  });

  it('fails with the reason when the server is unreachable', async () => {
    const outcome = await run('http_request', { url: 'http://127.0.0.1:1/' });
    expect(outcome.status).toBe('failed');
    expect(outcome.result.error).toContain('http://127.0.0.1:1/');
  });
});
