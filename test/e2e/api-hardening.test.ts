import { createServer, request as httpRequest, type Server } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttuneProcess, type ExecutionBody, isTerminal, itEmbeddedOnly, makeHome, until, writePack } from './harness.js';

const CAP = 65_536;

/** A request with headers fetch() will not send (Host), as curl or a browser would. */
function raw(base: string, method: string, route: string, headers: Record<string, string>): Promise<{ status: number; code?: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${route}`, { method, headers }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, code: text ? (JSON.parse(text) as { error?: { code: string } }).error?.code : undefined, headers: res.headers }));
    });
    req.once('error', reject);
    req.end();
  });
}

describe('the API of attune up under hardening checks', () => {
  const attune = new AttuneProcess(undefined, { ATTUNE__WORKER__MAX_OUTPUT_BYTES: String(CAP) });
  let upstream: Server;
  let upstreamUrl = '';

  beforeAll(async () => {
    // A 4 MB response: far more than the worker's cap.
    upstream = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('b'.repeat(4 * 1024 * 1024)));
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/big`;
    await attune.start();
  });
  afterAll(async () => {
    await attune.cleanup();
    upstream.closeAllConnections();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });

  it('starts without a deprecation warning', () => {
    expect(attune.output).not.toMatch(/FSTDEP|DeprecationWarning|FastifyWarning/);
  });

  it('stores at most the output cap of a large HTTP response, and lists only a summary of it', async () => {
    const created = await attune.api<{ data: ExecutionBody }>('POST', '/api/v1/executions', { action_ref: 'core.http_request', parameters: { url: upstreamUrl } });
    expect(created.status).toBe(201);
    const done = await attune.waitForExecution(created.body.data.id, isTerminal);
    expect(done.status).toBe('completed');
    expect(done.result).toMatchObject({ truncated: true, data: { status_code: 200, body: 'b'.repeat(CAP), truncated: true, json: null } });

    const response = await fetch(`${attune.url}/api/v1/executions?limit=5`, { headers: attune.authHeaders });
    const text = await response.text();
    expect(text.length).toBeLessThan(8192);
    const [listed] = (JSON.parse(text) as { data: Record<string, unknown>[] }).data;
    expect(listed).not.toHaveProperty('result');
    expect(listed?.result_summary).toMatchObject({ truncated: true, exit_code: null, error: null });
    expect((listed?.result_summary as { size_bytes: number }).size_bytes).toBeGreaterThan(CAP);

    const cli = await attune.cli(['execution', 'list', '--limit', '5']);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(new RegExp(`^${done.id}\\s+core\\.http_request\\s+-\\s+completed`, 'm'));
  });

  it('refuses a DNS-rebinding Host and a foreign Origin before anything changes', async () => {
    const route = '/api/v1/rules/examples.tick/enable';
    const enabled = async () => (await attune.api<{ data: { enabled: boolean } }>('GET', '/api/v1/rules/examples.tick')).body.data.enabled;
    const before = await enabled();
    // With the admin's token, as if it had leaked to the page: the guards still refuse.
    const auth = attune.authHeaders;
    const rebinding = await raw(attune.url, 'POST', route, { origin: 'http://evil.example', host: 'rebind.attacker.example', ...auth });
    expect(rebinding).toMatchObject({ status: 403, code: 'ERR_HOST_NOT_ALLOWED' });
    const read = await raw(attune.url, 'GET', '/api/v1/executions', { host: 'rebind.attacker.example:80', ...auth });
    expect(read).toMatchObject({ status: 403, code: 'ERR_HOST_NOT_ALLOWED' });
    const crossSite = await raw(attune.url, 'POST', route, { origin: 'http://evil.example', ...auth });
    expect(crossSite).toMatchObject({ status: 403, code: 'ERR_ORIGIN_NOT_ALLOWED' });
    expect(crossSite.headers['access-control-allow-origin']).toBeUndefined();
    const webhook = await raw(attune.url, 'POST', '/api/v1/webhooks/deploy', { origin: 'http://evil.example' });
    expect(webhook).toMatchObject({ status: 403, code: 'ERR_ORIGIN_NOT_ALLOWED' });
    expect(await enabled()).toBe(before);

    const own = await raw(attune.url, 'POST', '/api/v1/rules/examples.tick/disable', { origin: attune.url, ...auth });
    expect(own.status).toBe(200);
    const viaLocalhost = await raw(attune.url, 'GET', '/api/v1/health', { host: `localhost:${new URL(attune.url).port}` });
    expect(viaLocalhost.status).toBe(200);
  });
});

/** A port free right now, so a test knows the API's URL before attune up writes api.json. */
async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('health while attune up starts', () => {
  itEmbeddedOnly('the readiness of one process running every service (each separate service answers its own: services.test.ts)', 'answers 503 ERR_NOT_READY until every service runs, then 200 with the sensors already serving their rules', async () => {
    const home = makeHome();
    writePack(path.join(home, 'packs', 'ready'), {
      'pack.yaml': 'ref: ready\nversion: 1.0.0\n',
      'rules/hourly.yaml': 'name: hourly\ntrigger_ref: core.intervaltimer\ntrigger_params: {unit: hours, interval: 1}\naction_ref: core.noop\nenabled: true\n',
    });
    const port = await freePort();
    const attune = new AttuneProcess(home, { ATTUNE__SERVER__PORT: String(port) });
    const base = `http://127.0.0.1:${port}`;
    const started = attune.start();
    try {
      type HealthBody = { data?: { status: string }; error?: { code: string; details: { status: string } } };
      // Asked as often as it answers, so the answers while it starts are seen too.
      const health = async () => {
        const response = await fetch(`${base}/api/v1/health`).catch(() => undefined);
        return response === undefined ? undefined : { status: response.status, body: (await response.json()) as HealthBody };
      };
      const ready = await until(health, (answer) => {
        if (answer !== undefined && answer.status !== 200) {
          expect(answer.status).toBe(503);
          expect(answer.body.error).toMatchObject({ code: 'ERR_NOT_READY', details: { status: 'starting' } });
        }
        return answer?.status === 200;
      }, 2);
      expect(ready?.body.data?.status).toBe('ok');
      // Ready means ready: the timer sensor already holds the enabled rule's trigger.
      const sensor = await fetch(`${base}/api/v1/sensors/core.interval_timer_sensor`, { headers: attune.authHeaders }).then((r) => r.json() as Promise<{ data: { status: { instances: number } } }>);
      expect(sensor.data.status.instances).toBe(1);
      await started;
    } finally {
      await started.catch(() => undefined);
      await attune.cleanup();
    }
  });
});
