import { createHmac } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttuneProcess, type ExecutionBody, TERMINAL, isTerminal, until, writePack } from './harness.js';

const HOOK_SECRET = 'hook-secret-2718';
const sign = (body: string, secret = HOOK_SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

type Page<T> = { data: T[]; pagination: { total: number } };
type Accepted = { data: { events: number[]; executions?: { id: number; status: string; result: ExecutionBody['result'] }[] } };
type Failed = { error: { code: string } };

describe('safe webhooks through attune up', () => {
  const attune = new AttuneProcess();
  writePack(path.join(attune.home, 'packs', 'hooks'), { 'pack.yaml': 'ref: hooks\nversion: 0.1.0\n' });

  const rule = (name: string, triggerParams: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    attune.api('POST', '/api/v1/rules', { ref: `hooks.${name}`, trigger_ref: 'core.webhook', trigger_params: triggerParams, action_ref: 'core.noop', ...extra });

  beforeAll(async () => {
    await attune.start();
    expect((await attune.api('PUT', '/api/v1/keys/hook_secret?scope=pack&owner=hooks', { value: HOOK_SECRET })).status).toBe(200);
    const made = await Promise.all([
      rule('signed', { url: 'signed', secret_key: 'hook_secret' }),
      rule('small', { url: 'small', max_body_bytes: 64 }),
      rule('limited', { url: 'limited', rate_limit: 3, rate_limit_seconds: 3600 }),
      rule('echo', { url: 'echo' }, { action_ref: 'core.shell', action_params: { cmd: 'echo {{ event.payload.body.n }}' } }),
      rule('never', { url: 'never' }, { conditions: 'event.payload.body.go == true' }),
    ]);
    expect(made.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
  });
  afterAll(() => attune.cleanup());

  const post = async <T = Accepted>(name: string, body: string, headers: Record<string, string> = {}, query = '') => {
    const response = await fetch(`${attune.url}/api/v1/webhooks/${name}${query}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as T };
  };
  const eventCount = async (ruleRef: string) => (await attune.api<Page<unknown>>('GET', `/api/v1/events?rule_ref=${ruleRef}`)).body.pagination.total;

  it('accepts a body signed with the key, stores the event and fires the rule', async () => {
    const body = JSON.stringify({ ref: 'main' });
    const accepted = await post('signed', body, { 'x-hub-signature-256': sign(body) });
    expect(accepted.status).toBe(202);
    const [id] = accepted.body.data.events;
    const event = await attune.api<{ data: { payload: { body: unknown } } }>('GET', `/api/v1/events/${id}`);
    expect(event.body.data.payload.body).toEqual({ ref: 'main' });
    const executions = await until(() => attune.api<Page<ExecutionBody>>('GET', '/api/v1/executions?rule_ref=hooks.signed').then((r) => r.body.data), (d) => d.length === 1 && d.every(isTerminal), 25);
    expect(executions[0]?.status).toBe('completed');
  });

  it('refuses a wrong or missing signature with 401 and stores nothing', async () => {
    const before = await eventCount('hooks.signed');
    const body = JSON.stringify({ ref: 'evil' });
    const cases = [
      await post<Failed>('signed', body),
      await post<Failed>('signed', body, { 'x-hub-signature-256': sign(body, 'guessed') }),
      await post<Failed>('signed', body, { 'x-hub-signature-256': sign(JSON.stringify({ ref: 'main' })) }),
    ];
    expect(cases.map((c) => [c.status, c.body.error.code])).toEqual(Array(3).fill([401, 'ERR_WEBHOOK_SIGNATURE']));
    expect(await eventCount('hooks.signed')).toBe(before);
  });

  it('refuses a body over max_body_bytes with 413 and stores nothing', async () => {
    const fits = await post('small', JSON.stringify({ pad: 'x'.repeat(40) }));
    expect(fits.status).toBe(202);
    const tooBig = await post<Failed>('small', JSON.stringify({ pad: 'x'.repeat(100) }));
    expect([tooBig.status, tooBig.body.error.code]).toEqual([413, 'ERR_PAYLOAD_TOO_LARGE']);
    expect(await eventCount('hooks.small')).toBe(1);
  });

  it('refuses a burst over the rate limit with 429 and Retry-After, storing only what it accepted', async () => {
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await post<Accepted | Failed>('limited', JSON.stringify({ i })));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 429, 429]);
    const refused = answers[3];
    expect(refused && 'error' in refused.body ? refused.body.error.code : undefined).toBe('ERR_RATE_LIMITED');
    expect(Number(refused?.retryAfter)).toBeGreaterThan(0);
    expect(await eventCount('hooks.limited')).toBe(3);
  });

  it('answers ?wait=5 with the output of the core.shell run the event caused', async () => {
    const answer = await post('echo', JSON.stringify({ n: 4242 }), {}, '?wait=5');
    expect(answer.status).toBe(200);
    const [execution] = answer.body.data.executions ?? [];
    expect(answer.body.data.executions).toHaveLength(1);
    expect(execution).toMatchObject({ status: 'completed', result: { exit_code: 0, stdout: '4242\n' } });
    expect(answer.body.data.events).toHaveLength(1);
  });

  it('answers ?wait at once when the rule did not match: no execution to wait for', async () => {
    const answer = await post('never', JSON.stringify({ go: false }), {}, '?wait=30');
    expect(answer.status).toBe(200);
    expect(answer.body.data).toMatchObject({ executions: [] });
  });

  it('answers 202 with the executions so far when the wait runs out', async () => {
    const slow = await attune.api('POST', '/api/v1/rules', { ref: 'hooks.slow', trigger_ref: 'core.webhook', trigger_params: { url: 'slow' }, action_ref: 'core.sleep', action_params: { seconds: 30 } });
    expect(slow.status).toBe(201);
    const answer = await post('slow', '{}', {}, '?wait=0.5');
    expect(answer.status).toBe(202);
    expect(answer.body.data.events).toHaveLength(1);
    // The rule engine may not even have made the execution yet: whatever is listed has not ended.
    expect(answer.body.data.executions?.filter((e) => TERMINAL.includes(e.status))).toEqual([]);
    const [sleeping] = await until(() => attune.api<Page<ExecutionBody>>('GET', '/api/v1/executions?rule_ref=hooks.slow').then((r) => r.body.data), (d) => d.length === 1, 25);
    expect((await attune.api('POST', `/api/v1/executions/${sleeping?.id}/cancel`)).status).toBe(200);
  });
});
