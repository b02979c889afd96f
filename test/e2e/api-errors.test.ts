import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttuneProcess } from './harness.js';

type ErrorBody = { error?: { code?: string; message?: string } };

/** Requests a client can get wrong, each with the status and stable code it must get back. */
const CASES: readonly { name: string; method: string; route: string; raw?: string; body?: unknown; contentType?: string; status: number; code: string }[] = [
  { name: 'bad JSON', method: 'POST', route: '/api/v1/executions', raw: '{"action_ref": "core.echo",', status: 400, code: 'ERR_BAD_JSON' },
  { name: 'empty JSON body', method: 'POST', route: '/api/v1/executions', raw: '', status: 400, code: 'ERR_BAD_JSON' },
  { name: 'a JSON array body', method: 'POST', route: '/api/v1/executions', body: [1, 2], status: 400, code: 'ERR_VALIDATION' },
  { name: 'a JSON string body', method: 'POST', route: '/api/v1/executions', body: 'core.echo', status: 400, code: 'ERR_VALIDATION' },
  { name: 'null body', method: 'POST', route: '/api/v1/executions', raw: 'null', status: 400, code: 'ERR_VALIDATION' },
  { name: 'missing action_ref', method: 'POST', route: '/api/v1/executions', body: { parameters: {} }, status: 400, code: 'ERR_VALIDATION' },
  { name: 'action_ref of the wrong type', method: 'POST', route: '/api/v1/executions', body: { action_ref: 42 }, status: 400, code: 'ERR_VALIDATION' },
  { name: 'parameters of the wrong type', method: 'POST', route: '/api/v1/executions', body: { action_ref: 'core.echo', parameters: [1] }, status: 400, code: 'ERR_VALIDATION' },
  { name: 'an unknown field', method: 'POST', route: '/api/v1/executions', body: { action_ref: 'core.noop', paramters: {} }, status: 400, code: 'ERR_VALIDATION' },
  { name: 'a negative timeout', method: 'POST', route: '/api/v1/executions', body: { action_ref: 'core.noop', timeout_seconds: -1 }, status: 400, code: 'ERR_VALIDATION' },
  { name: 'an unknown action', method: 'POST', route: '/api/v1/executions', body: { action_ref: 'nope.nothing' }, status: 404, code: 'ERR_ACTION_NOT_FOUND' },
  { name: 'an unknown parameter', method: 'POST', route: '/api/v1/executions', body: { action_ref: 'core.noop', parameters: { x: 1 } }, status: 400, code: 'ERR_ACTION_PARAMETERS_INVALID' },
  { name: 'a wrong content type', method: 'POST', route: '/api/v1/executions', raw: 'action_ref=core.noop', contentType: 'text/plain', status: 415, code: 'ERR_UNSUPPORTED_MEDIA_TYPE' },
  { name: 'a non-numeric execution id', method: 'GET', route: '/api/v1/executions/abc', status: 400, code: 'ERR_VALIDATION' },
  { name: 'a huge execution id', method: 'GET', route: '/api/v1/executions/99999999999999999999999', status: 400, code: 'ERR_VALIDATION' },
  { name: 'an unknown execution', method: 'GET', route: '/api/v1/executions/987654', status: 404, code: 'ERR_EXECUTION_NOT_FOUND' },
  { name: 'cancel of an unknown execution', method: 'POST', route: '/api/v1/executions/987654/cancel', status: 404, code: 'ERR_EXECUTION_NOT_FOUND' },
  { name: 'a negative limit', method: 'GET', route: '/api/v1/executions?limit=-5', status: 400, code: 'ERR_VALIDATION' },
  { name: 'an infinite offset', method: 'GET', route: '/api/v1/executions?offset=1e400', status: 400, code: 'ERR_VALIDATION' },
  { name: 'an over-long path parameter', method: 'GET', route: `/api/v1/packs/${'a'.repeat(400)}`, status: 400, code: 'ERR_BAD_REQUEST' },
  { name: 'a malformed URL escape', method: 'GET', route: '/api/v1/packs/%E0%A4%A', status: 400, code: 'ERR_BAD_REQUEST' },
  { name: 'an unknown status filter', method: 'GET', route: '/api/v1/executions?status=exploded', status: 400, code: 'ERR_VALIDATION' },
  { name: 'an exponent as an id', method: 'GET', route: '/api/v1/executions/1e3', status: 400, code: 'ERR_VALIDATION' },
  { name: 'a hexadecimal id', method: 'GET', route: '/api/v1/events/0x10', status: 400, code: 'ERR_VALIDATION' },
  { name: 'a hexadecimal id to cancel', method: 'POST', route: '/api/v1/executions/0x10/cancel', status: 400, code: 'ERR_VALIDATION' },
  { name: 'an exponent as a limit', method: 'GET', route: '/api/v1/executions?limit=1e1', status: 400, code: 'ERR_VALIDATION' },
  { name: 'a padded id filter', method: 'GET', route: '/api/v1/enforcements?event=%201', status: 400, code: 'ERR_VALIDATION' },
  { name: 'an unknown query parameter', method: 'GET', route: '/api/v1/enforcements?event_id=5', status: 400, code: 'ERR_VALIDATION' },
  { name: 'a query parameter on a route that takes none', method: 'GET', route: '/api/v1/executions/1?verbose=1', status: 400, code: 'ERR_VALIDATION' },
  { name: 'a __proto__ key in the body', method: 'POST', route: '/api/v1/executions', raw: '{"action_ref":"core.noop","__proto__":{"x":1}}', status: 400, code: 'ERR_VALIDATION' },
  { name: 'an unknown pack', method: 'GET', route: '/api/v1/packs/nope', status: 404, code: 'ERR_PACK_NOT_FOUND' },
  { name: 'registering a missing directory', method: 'POST', route: '/api/v1/packs/register', body: { path: '/nonexistent/pack' }, status: 400, code: 'ERR_PACK_PATH_NOT_FOUND' },
  { name: 'registering with no path', method: 'POST', route: '/api/v1/packs/register', body: {}, status: 400, code: 'ERR_VALIDATION' },
  { name: 'removing an unknown pack', method: 'DELETE', route: '/api/v1/packs/nope', status: 404, code: 'ERR_PACK_NOT_FOUND' },
  { name: 'an unknown action ref', method: 'GET', route: '/api/v1/actions/core.nope', status: 404, code: 'ERR_ACTION_NOT_FOUND' },
  { name: 'an unknown route', method: 'GET', route: '/api/v1/nothing-here', status: 404, code: 'ERR_NOT_FOUND' },
  { name: 'a body over the size limit', method: 'POST', route: '/api/v1/executions', raw: JSON.stringify({ action_ref: 'core.echo', parameters: { message: 'x'.repeat(2_000_000) } }), status: 413, code: 'ERR_BODY_TOO_LARGE' },
];

describe('API error handling', () => {
  const attune = new AttuneProcess();
  beforeAll(async () => {
    await attune.start();
  });
  afterAll(() => attune.cleanup());

  it.each(CASES)('answers $name with $status $code', async ({ method, route, raw, body, contentType, status, code }) => {
    const headers: Record<string, string> = { ...attune.authHeaders };
    if (raw !== undefined || body !== undefined) headers['content-type'] = contentType ?? 'application/json';
    const response = await fetch(`${attune.url}${route}`, {
      method,
      headers,
      body: raw ?? (body === undefined ? null : JSON.stringify(body)),
    });
    const text = await response.text();
    expect(response.status, text).toBe(status);
    const parsed = JSON.parse(text) as ErrorBody;
    expect(parsed.error?.code).toBe(code);
    expect(parsed.error?.message).toBeTruthy();
    expect(text).not.toMatch(/at .*\.js:\d+/); // no stack traces
  });

  it('never answers 500 to a batch of malformed requests', async () => {
    const bodies = ['{', '[]', '"x"', '1', 'true', '{"action_ref":null}', '{"action_ref":"core.echo","parameters":{"message":{"deep":[1,{"a":null}]}}}', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}'];
    for (const raw of bodies) {
      const response = await attune.api('POST', '/api/v1/executions', undefined, raw);
      expect(response.status, raw).toBeGreaterThanOrEqual(400);
      expect(response.status, raw).toBeLessThan(500);
    }
  });

  it('names the field of a __proto__ key, rather than calling the body invalid JSON', async () => {
    const response = await attune.api<ErrorBody & { error: { details: unknown } }>('POST', '/api/v1/executions', undefined, '{"action_ref":"core.noop","parameters":{"__proto__":{"x":1}}}');
    expect(response.body.error).toMatchObject({ code: 'ERR_VALIDATION', details: [{ field: 'body.parameters.__proto__', message: 'is not accepted' }] });
  });

  it('names an unknown query parameter, and one bad status with the allowed values once', async () => {
    const unknown = await attune.api<{ error: { details: unknown } }>('GET', '/api/v1/enforcements?event_id=5');
    expect(unknown.body.error.details).toEqual([{ field: 'querystring.event_id', message: 'is not an accepted field' }]);
    const status = await attune.api<{ error: { message: string; details: unknown[] } }>('GET', '/api/v1/executions?status=bogus');
    expect(status.body.error.details).toHaveLength(1);
    expect(status.body.error.message).toBe('querystring.status must be one of: requested, scheduling, scheduled, running, canceling, completed, failed, timeout, cancelled, abandoned');
  });

  it('reports missing and unknown parameters by name', async () => {
    const response = await attune.api<{ error: { code: string; details: { parameter: string }[] } }>('POST', '/api/v1/executions', {
      action_ref: 'core.echo',
      parameters: { uppercase: 'yes', colour: 'red' },
    });
    expect(response.status).toBe(400);
    const named = response.body.error.details.map((d) => d.parameter).sort();
    expect(named).toEqual(['colour', 'message', 'uppercase']);
  });
});
