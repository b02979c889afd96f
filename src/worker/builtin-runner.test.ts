import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Action } from '../domain/index.js';
import { actionId } from '../domain/index.js';
import { ActionRunner, createDefaultBuiltins, type BuiltinAction, type HttpRequestData, type RunRequest } from './index.js';

let server: Server;
/** How long /late waits before it answers. */
const LATE_MS = 150;
let baseUrl: string;

/** Streams `a`s until the client goes away: only a reader that stops at a cap ever finishes. */
function streamEndlessly(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  const chunk = Buffer.alloc(4096, 'a');
  const pump = (): void => {
    while (!res.destroyed && res.write(chunk));
  };
  res.on('drain', pump);
  pump();
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  if (req.url === '/endless') return streamEndlessly(res);
  if (req.url === '/euros') {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('€'.repeat(1000));
    return;
  }
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
  req.on('end', () => {
    if (req.url === '/missing') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('nope');
      return;
    }
    if (req.url === '/slow') return; // never answers
    if (req.url === '/late') {
      setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain' }).end('late'), LATE_MS);
      return;
    }
    if (req.url === '/deep') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(`${'['.repeat(400)}${']'.repeat(400)}`);
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
    parameterFormat: 'json', outputFormat: 'text', timeoutSeconds, maxRetries: 0, apiAccess: false, permissionSet: null, workflow: null, created: '', updated: '',
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
  ['context', (_params, ctx) => Promise.resolve({ data: { executionId: ctx.executionId, maxOutputBytes: ctx.maxOutputBytes }, stdout: 'hi' })],
  ['bloated', () => Promise.resolve({ data: { blob: 'x'.repeat(5000) }, stdout: 'y'.repeat(5000) })],
]);
const runner = new ActionRunner({ maxOutputBytes: 1024, killGraceMs: 100, baseEnv: {}, builtins });
const run = (entryPoint: string, parameters?: Record<string, unknown>, timeoutSeconds?: number) =>
  runner.start(request(entryPoint, parameters, timeoutSeconds)).done;

describe('builtin actions', () => {
  it('completes noop with empty data', async () => {
    const outcome = await run('noop');
    expect(outcome).toMatchObject({ status: 'completed', result: { data: {} } });
  });

  describe('on a fake clock', () => {
    // performance.now() is what the runner measures with: faked, the durations are exact.
    beforeAll(() => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    });
    afterAll(() => {
      vi.useRealTimers();
    });

    it('records how long the builtin ran, in milliseconds', async () => {
      const slow = new ActionRunner({ maxOutputBytes: 1024, killGraceMs: 100, baseEnv: {}, builtins: new Map([['slow', () => new Promise((resolve) => setTimeout(() => resolve({}), 1_234))]]) });
      const running = slow.start(request('slow'));
      await vi.advanceTimersByTimeAsync(1_234);
      const outcome = await running.done;
      expect(outcome).toMatchObject({ status: 'completed', result: { duration_ms: 1_234 } });
    });

    it('cancels a builtin even when it ignores its signal, recording how long it ran until then', async () => {
      const running = runner.start(request('deaf'));
      await vi.advanceTimersByTimeAsync(250);
      running.cancel();
      const outcome = await running.done;
      expect(outcome.status).toBe('cancelled');
      expect(outcome.result.duration_ms).toBe(250);
    });
  });

  it('is used by default when no registry is given', async () => {
    const outcome = await new ActionRunner({ maxOutputBytes: 10, killGraceMs: 10, baseEnv: {} }).start(request('noop')).done;
    expect(outcome.status).toBe('completed');
  });

  it('passes the execution id and records stdout', async () => {
    const outcome = await run('context');
    expect(outcome.result).toMatchObject({ data: { executionId: 9, maxOutputBytes: 1024 }, stdout: 'hi' });
    expect(outcome.result.truncated).toBeUndefined();
  });

  it('caps what a builtin stores: stdout like a process, data over twice the cap dropped whole', async () => {
    const outcome = await run('bloated');
    expect(outcome.status).toBe('completed');
    expect(outcome.result.data).toBeUndefined();
    expect(outcome.result.error).toMatch(/exceeds 2048 bytes and was not stored/);
    expect(outcome.result.stdout).toMatch(/^y{1024}\n\[attune: output truncated, 3976 bytes dropped\]$/);
    expect(outcome.result.truncated).toBe(true);
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
  });

  it('says how long the response took, in whole milliseconds', async () => {
    const outcome = await run('http_request', { url: `${baseUrl}/late` });
    const data = outcome.result.data as HttpRequestData;
    expect(data.body).toBe('late');
    expect(Number.isInteger(data.elapsed_ms)).toBe(true);
    // A lower bound only, which load cannot break; a timer may fire a millisecond early.
    expect(data.elapsed_ms).toBeGreaterThanOrEqual(LATE_MS - 2);
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

  it('stops reading an endless body at the output cap and marks the result truncated', async () => {
    const outcome = await run('http_request', { url: `${baseUrl}/endless` });
    expect(outcome.status).toBe('completed');
    const data = outcome.result.data as HttpRequestData;
    expect(data).toMatchObject({ status_code: 200, body: 'a'.repeat(1024), json: null, truncated: true });
    expect(outcome.result.truncated).toBe(true);
  });

  it('cuts a body at the cap without splitting a character', async () => {
    const outcome = await run('http_request', { url: `${baseUrl}/euros` });
    // 341 three-byte euro signs fit in 1024 bytes; the 342nd is dropped whole.
    expect((outcome.result.data as HttpRequestData).body).toBe('€'.repeat(341));
  });

  it('keeps a body under the cap whole and says it was not truncated', async () => {
    const outcome = await run('http_request', { url: `${baseUrl}/echo` });
    expect((outcome.result.data as HttpRequestData).truncated).toBe(false);
    expect(outcome.result.truncated).toBeUndefined();
  });

  it('leaves json null for a response nested deeper than the JSON limits, keeping the text in body', async () => {
    const outcome = await run('http_request', { url: `${baseUrl}/deep` });
    expect(outcome.status).toBe('completed');
    const data = outcome.result.data as HttpRequestData;
    expect(data.json).toBeNull();
    expect(data.body).toHaveLength(800); // under the output cap (1024): only the depth leaves json null
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
