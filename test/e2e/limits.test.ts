import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttuneProcess, type ExecutionBody, isTerminal, makeHome, until, writePack } from './harness.js';

type Page<T> = { data: T[]; pagination: { total: number } };
type ErrorBody = { error: { code: string; message: string } };
interface EnforcementBody {
  event_id: number;
  rule_ref: string;
  status: string;
  failure: string | null;
  execution_id: number | null;
}
interface EventBody {
  id: number;
  processed_at: string | null;
}

/** JSON text of arrays nested `depth` levels: `[[…]]`. */
const nested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('input limits and evaluation budgets through attune up', () => {
  const home = makeHome();
  writePack(path.join(home, 'packs', 'probe'), { 'pack.yaml': 'ref: probe\nversion: 1.0.0\n', 'triggers/hit.yaml': 'name: hit\n' });
  const attune = new AttuneProcess(home);
  beforeAll(async () => {
    await attune.start();
  });
  afterAll(() => attune.cleanup());

  const webhookRule = async (ref: string, url: string, fields: Record<string, unknown> = {}) => {
    const created = await attune.api('POST', '/api/v1/rules', { ref, trigger_ref: 'core.webhook', trigger_params: { url }, action_ref: 'core.noop', ...fields });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
  };
  const enforcementsOf = (ruleRef: string) =>
    attune.api<Page<EnforcementBody>>('GET', `/api/v1/enforcements?rule_ref=${ruleRef}&limit=1000`).then((r) => r.body.data);
  const eventsOf = (ruleRef: string) => attune.api<Page<EventBody>>('GET', `/api/v1/events?rule_ref=${ruleRef}&limit=1000`).then((r) => r.body.data);
  const healthy = async () => (await attune.api('GET', '/api/v1/health')).status === 200;

  it('refuses a body nested deeper than 128 levels with 400 ERR_JSON_TOO_DEEP on every route that stores JSON', async () => {
    await webhookRule('probe.deep', 'deep');
    // Each body is `depth` levels deep in total: the deep part sits 1 or 2 levels down.
    const bodies = (depth: number): [string, string, string][] => [
      ['POST', '/api/v1/events', `{"trigger_ref":"probe.hit","payload":${nested(depth - 1)}}`],
      ['POST', '/api/v1/webhooks/deep', nested(depth)],
      ['POST', '/api/v1/executions', `{"action_ref":"core.echo","parameters":{"message":${nested(depth - 2)}}}`],
      ['POST', '/api/v1/rules', `{"ref":"probe.other","trigger_ref":"probe.hit","action_ref":"core.noop","action_params":{"p":${nested(depth - 2)}}}`],
      ['PATCH', '/api/v1/rules/probe.deep', `{"action_params":{"p":${nested(depth - 2)}}}`],
    ];
    for (const depth of [129, 4100, 100_000]) {
      for (const [method, route, raw] of bodies(depth)) {
        const response = await attune.api<ErrorBody>(method, route, undefined, raw);
        expect(response.status, `${method} ${route} at depth ${depth}`).toBe(400);
        expect(response.body.error).toEqual({ code: 'ERR_JSON_TOO_DEEP', message: 'body nests deeper than 128 levels' });
      }
    }
    expect(await eventsOf('probe.deep')).toEqual([]);
    expect((await attune.api('GET', '/api/v1/rules/probe.other')).status).toBe(404);
    expect(await healthy()).toBe(true);
  });

  it('accepts a body at the limit and runs the rule on it', async () => {
    await webhookRule('probe.edge', 'edge', { action_ref: 'core.echo', action_params: { message: 'got {{ event.payload.body }}' } });
    const posted = await attune.api<{ data: { events: number[] } }>('POST', '/api/v1/webhooks/edge', undefined, nested(128));
    expect(posted.status).toBe(202);
    const [enforcement] = await until(() => enforcementsOf('probe.edge'), (list) => list.length === 1);
    expect(enforcement).toMatchObject({ status: 'scheduled', failure: null });
    const execution = await attune.waitForExecution(enforcement?.execution_id ?? 0, isTerminal);
    expect(execution.status).toBe('completed');
    expect((execution as ExecutionBody).result?.stdout).toBe(`got ${nested(128)}\n`);
  });

  it('refuses a number JSON cannot store with 400 ERR_JSON_NUMBER_OUT_OF_RANGE instead of storing null', async () => {
    const response = await attune.api<ErrorBody>('POST', '/api/v1/events', undefined, '{"trigger_ref":"probe.hit","payload":{"big":1e400}}');
    expect(response.status).toBe(400);
    expect(response.body.error).toEqual({ code: 'ERR_JSON_NUMBER_OUT_OF_RANGE', message: 'body.payload.big is not a finite number (JSON cannot store it)' });
  });

  it('turns a condition that exceeds the cost limit into a failed enforcement, and keeps answering meanwhile', async () => {
    await webhookRule('probe.costly', 'costly', { conditions: 'event.payload.body.items.exists(a, event.payload.body.items.exists(b, a == b + 100000))' });
    // 6,000 items: 36 million steps without a budget (10 s of a frozen process each).
    const body = JSON.stringify({ items: Array.from({ length: 6000 }, (_, i) => i) });
    for (let i = 0; i < 5; i++) expect((await attune.api('POST', '/api/v1/webhooks/costly', undefined, body)).status).toBe(202);
    expect(await healthy()).toBe(true);
    const enforcements = await until(() => enforcementsOf('probe.costly'), (list) => list.length === 5);
    for (const enforcement of enforcements) {
      expect(enforcement).toMatchObject({ status: 'failed', execution_id: null });
      expect(enforcement.failure).toMatch(/^conditions\[0\]: .*: Cost limit exceeded: evaluation exceeded its cost limit of 1000000 units/);
    }
    expect((await eventsOf('probe.costly')).every((event) => event.processed_at !== null)).toBe(true);
    expect(await healthy()).toBe(true);
  });

  it('runs matches() in linear time: a pattern that backtracks exponentially in JavaScript decides at once', async () => {
    await webhookRule('probe.regex', 'regex', { conditions: 'event.payload.body.text.matches("^(a+)+$")' });
    // With JavaScript's RegExp, 28 × a + "!" took 2.7 s; each further "a" doubles that.
    expect((await attune.api('POST', '/api/v1/webhooks/regex', { text: `${'a'.repeat(60)}!` })).status).toBe(202);
    expect((await attune.api('POST', '/api/v1/webhooks/regex', { text: 'a'.repeat(60) })).status).toBe(202);
    const events = await until(() => eventsOf('probe.regex'), (list) => list.length === 2 && list.every((event) => event.processed_at !== null));
    const enforcements = await enforcementsOf('probe.regex');
    // Events are listed newest first: only the second, all-"a" text matched.
    expect(enforcements.map((e) => [e.event_id, e.status])).toEqual([[events[0]?.id, 'scheduled']]);
    expect(await healthy()).toBe(true);
  });
});
