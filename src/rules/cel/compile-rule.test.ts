import { describe, expect, it } from 'vitest';
import { CelEvaluationError, compileRule, type CelContext } from './index.js';

function context(payload: unknown, config: Record<string, unknown> = {}): CelContext {
  return {
    event: { id: 7, trigger_ref: 'core.intervaltimer', payload, created: '2025-01-02T03:04:05.000Z' },
    rule: { ref: 'demo.tick', pack_ref: 'demo' },
    pack: { config },
    system: { host: 'box' },
  };
}

function matches(conditions: string[], payload: unknown): boolean {
  return compileRule({ conditions, actionParams: {} }).matches(context(payload));
}

function render(actionParams: Record<string, unknown>, payload: unknown): Record<string, unknown> {
  return compileRule({ conditions: [], actionParams }).render(context(payload));
}

describe('compileRule conditions', () => {
  it('matches when the condition holds and not otherwise', () => {
    const condition = 'event.payload.severity == "high" && event.payload.count > 3';
    expect(matches([condition], { severity: 'high', count: 4 })).toBe(true);
    expect(matches([condition], { severity: 'high', count: 3 })).toBe(false);
    expect(matches([condition], { severity: 'low', count: 9 })).toBe(false);
  });

  it('matches everything when there are no conditions', () => {
    expect(matches([], {})).toBe(true);
  });

  it('requires every condition in the list to hold', () => {
    const conditions = ['event.payload.a == 1', 'event.payload.b == "x"'];
    expect(matches(conditions, { a: 1, b: 'x' })).toBe(true);
    expect(matches(conditions, { a: 1, b: 'y' })).toBe(false);
  });

  it('tests for a payload field with has()', () => {
    expect(matches(['has(event.payload.x)'], { x: null })).toBe(true);
    expect(matches(['has(event.payload.x)'], {})).toBe(false);
  });

  it('supports string functions', () => {
    const payload = { host: 'web-01.prod', msg: 'disk full on /var' };
    expect(matches(['event.payload.host.startsWith("web-")'], payload)).toBe(true);
    expect(matches(['event.payload.host.endsWith(".prod")'], payload)).toBe(true);
    expect(matches(['event.payload.msg.contains("full")'], payload)).toBe(true);
    expect(matches(['event.payload.host.matches("^web-[0-9]+\\\\.")'], payload)).toBe(true);
    expect(matches(['event.payload.host.startsWith("db-")'], payload)).toBe(false);
  });

  it('sees the event, rule, pack config and system variables', () => {
    const rule = compileRule({
      conditions: ['event.id == 7', 'event.trigger_ref == "core.intervaltimer"', 'rule.pack_ref == "demo"', 'pack.config.limit > 2', 'system.host == "box"'],
      actionParams: {},
    });
    expect(rule.matches(context({}, { limit: 3 }))).toBe(true);
  });

  it('compares ints and doubles across types', () => {
    expect(matches(['event.payload.count > 3.5'], { count: 4 })).toBe(true);
    expect(matches(['event.payload.ratio < 1'], { ratio: 0.5 })).toBe(true);
    expect(matches(['event.payload.count == 4.0'], { count: 4 })).toBe(true);
  });

  it('throws CelEvaluationError naming the expression when a payload key is missing', () => {
    const rule = compileRule({ conditions: ['event.payload.count > 3'], actionParams: {} });
    expect(() => rule.matches(context({}))).toThrow(CelEvaluationError);
    expect(() => rule.matches(context({}))).toThrow(/conditions\[0\]: event\.payload\.count > 3: .*column 15.*No such key: count/);
  });

  it('throws CelEvaluationError when a dyn condition is not a bool', () => {
    const rule = compileRule({ conditions: ['event.payload.flag'], actionParams: {} });
    expect(rule.matches(context({ flag: true }))).toBe(true);
    expect(() => rule.matches(context({ flag: 'yes' }))).toThrow(/must evaluate to a bool, got string/);
  });
});

describe('compileRule numbers', () => {
  it('keeps integer arithmetic on JSON integers', () => {
    expect(render({ n: '{{ event.payload.count + 1 }}' }, { count: 4 })).toEqual({ n: 5 });
  });

  it('mixes ints and doubles in arithmetic', () => {
    expect(render({ n: '{{ event.payload.count * 1.5 }}' }, { count: 4 })).toEqual({ n: 6 });
    expect(render({ n: '{{ event.payload.ratio + 1 }}' }, { ratio: 0.5 })).toEqual({ n: 1.5 });
    expect(render({ n: '{{ 1 - event.payload.ratio }}' }, { ratio: 0.25 })).toEqual({ n: 0.75 });
    expect(render({ n: '{{ event.id / 2.0 }}' }, {})).toEqual({ n: 3.5 });
    expect(matches(['event.payload.count * 1.5 > 5'], { count: 4 })).toBe(true);
  });

  it('keeps CEL integer division for two ints', () => {
    expect(render({ n: '{{ event.payload.count / 3 }}' }, { count: 7 })).toEqual({ n: 2 });
  });

  it('renders integers beyond 2^53 as exact strings', () => {
    expect(render({ n: '{{ 9007199254740993 }}' }, {})).toEqual({ n: '9007199254740993' });
  });
});

describe('compileRule templates', () => {
  it('keeps the type of a value that is exactly one template', () => {
    const payload = { execution_count: 42, ok: true, tags: ['a', 'b'], meta: { n: 1.5 }, none: null };
    expect(
      render(
        {
          count: '{{ event.payload.execution_count }}',
          padded: '  {{event.payload.ok}} ',
          tags: '{{ event.payload.tags }}',
          meta: '{{ event.payload.meta }}',
          none: '{{ event.payload.none }}',
        },
        payload,
      ),
    ).toEqual({ count: 42, padded: true, tags: ['a', 'b'], meta: { n: 1.5 }, none: null });
  });

  it('renders a mixed string with each value stringified', () => {
    const payload = { execution_count: 42, tags: ['a'], meta: { k: 'v' }, name: 'x' };
    expect(render({ message: 'tick {{ event.payload.execution_count }}' }, payload)).toEqual({ message: 'tick 42' });
    expect(render({ m: '{{ event.payload.name }}-{{ event.payload.execution_count }}' }, payload)).toEqual({ m: 'x-42' });
    expect(render({ m: 'tags={{ event.payload.tags }} meta={{ event.payload.meta }}' }, payload)).toEqual({
      m: 'tags=["a"] meta={"k":"v"}',
    });
  });

  it('builds lists and maps from CEL literals', () => {
    const payload = { count: 2, host: 'h1' };
    expect(render({ list: '{{ [event.payload.count, event.payload.host] }}' }, payload)).toEqual({ list: [2, 'h1'] });
    expect(render({ map: '{{ {"host": event.payload.host, "n": {"c": event.payload.count}} }}' }, payload)).toEqual({
      map: { host: 'h1', n: { c: 2 } },
    });
    expect(render({ hosts: '{{ event.payload.items.map(i, i.host) }}' }, { items: [{ host: 'a' }, { host: 'b' }] })).toEqual({
      hosts: ['a', 'b'],
    });
  });

  it('renders nested action_params and passes non-templates through', () => {
    const actionParams = {
      cmd: 'echo hi',
      retries: 3,
      enabled: false,
      nothing: null,
      env: { HOST: '{{ event.payload.host }}', PORT: '{{ event.payload.port }}' },
      args: ['--count', '{{ event.payload.port + 1 }}', { deep: 'at {{ event.created }}' }],
    };
    expect(render(actionParams, { host: 'h', port: 80 })).toEqual({
      cmd: 'echo hi',
      retries: 3,
      enabled: false,
      nothing: null,
      env: { HOST: 'h', PORT: 80 },
      args: ['--count', 81, { deep: 'at 2025-01-02T03:04:05.000Z' }],
    });
  });

  it('converts timestamps, durations and bytes to JSON values', () => {
    expect(
      render({ t: '{{ timestamp(event.created) }}', d: '{{ duration("90s") }}', b: '{{ b"hi" }}', u: '{{ 3u }}' }, {}),
    ).toEqual({ t: '2025-01-02T03:04:05.000Z', d: '90s', b: 'aGk=', u: 3 });
  });

  it('reports a missing key while rendering as CelEvaluationError with the param path', () => {
    const rule = compileRule({ conditions: [], actionParams: { env: { HOST: '{{ event.payload.host }}' } } });
    expect(() => rule.render(context({}))).toThrow(/action_params\.env\.HOST: event\.payload\.host: .*No such key: host/);
  });
});
