import { describe, expect, it } from 'vitest';
import { CelBudget, CelError, CelEvaluationError, compileRule, DEFAULT_COST_LIMIT, type CelContext } from './index.js';

function context(payload: unknown): CelContext {
  return {
    event: { id: 7, trigger_ref: 'core.webhook', payload, created: '2025-01-02T03:04:05.000Z' },
    rule: { ref: 'demo.hook', pack_ref: 'demo' },
    pack: { config: {} },
    system: {},
  };
}

function evaluationError(run: () => unknown): CelEvaluationError {
  try {
    run();
  } catch (error) {
    if (error instanceof CelEvaluationError) return error;
    throw error;
  }
  throw new Error('expected a CelEvaluationError');
}

const items = Array.from({ length: 6000 }, (_, i) => ({ id: i }));
const nestedExists = 'event.payload.items.exists(a, event.payload.items.exists(b, a.id == b.id + 100000))';

describe('compileRule cost budget', () => {
  it('stops a nested exists over 6,000 elements at the cost limit instead of running 36 million steps', () => {
    const rule = compileRule({ conditions: [nestedExists], actionParams: {} });
    const budget = new CelBudget();
    const error = evaluationError(() => rule.matches(context({ items }), budget));
    expect(error.message).toMatch(/^conditions\[0\]: .*: Cost limit exceeded: evaluation exceeded its cost limit of 1000000 units/);
    expect(budget.spent).toBeGreaterThan(DEFAULT_COST_LIMIT);
    expect(budget.spent).toBeLessThan(DEFAULT_COST_LIMIT * 1.1);
  });

  it('stops templates too, sharing one budget with the conditions', () => {
    const rule = compileRule({
      conditions: ['event.payload.items.size() > 0'],
      actionParams: { copies: '{{ event.payload.items.map(a, event.payload.items.filter(b, b.id < a.id).size()) }}' },
    });
    const budget = new CelBudget(50_000);
    expect(rule.matches(context({ items }), budget)).toBe(true);
    const spentOnConditions = budget.spent;
    expect(spentOnConditions).toBeGreaterThan(0);
    expect(evaluationError(() => rule.render(context({ items }), budget)).message).toMatch(/^action_params\.copies: .*Cost limit exceeded/);
  });

  it('fails deterministically even where CEL would absorb the error', () => {
    // `||` and `exists` absorb errors of one side or element; running out must still fail.
    const rule = compileRule({ conditions: [`${nestedExists} || true`], actionParams: {} });
    for (let run = 0; run < 2; run++) {
      const budget = new CelBudget(20_000);
      expect(evaluationError(() => rule.matches(context({ items }), budget)).message).toMatch(/Cost limit exceeded/);
    }
  });

  it('charges for the size of the data a step touches, not only for steps', () => {
    const rule = compileRule({ conditions: ['event.payload.items.exists(a, a.id in event.payload.ids)'], actionParams: {} });
    const ids = Array.from({ length: 5000 }, (_, i) => -i - 1);
    const budget = new CelBudget();
    expect(evaluationError(() => rule.matches(context({ items, ids }), budget)).message).toMatch(/Cost limit exceeded/);
    const text = compileRule({ conditions: ['event.payload.items.exists(a, event.payload.text.contains(string(a.id) + "!"))'], actionParams: {} });
    expect(evaluationError(() => text.matches(context({ items, text: 'x'.repeat(35_000) }))).message).toMatch(/Cost limit exceeded/);
  });

  it('charges a result far larger than its operands before building it (join)', () => {
    const rule = compileRule({ conditions: [], actionParams: { text: '{{ event.payload.parts.join(event.payload.separator) }}' } });
    const payload = { parts: Array.from({ length: 1000 }, () => 'p'), separator: 'x'.repeat(100_000) };
    expect(evaluationError(() => rule.render(context(payload))).message).toMatch(/Cost limit exceeded/);
    expect(rule.render(context({ parts: ['a', 'b', 'c'], separator: ', ' }))).toEqual({ text: 'a, b, c' });
  });

  it('leaves ordinary rules far inside the budget, macros over thousands of elements included', () => {
    const rule = compileRule({
      conditions: ['event.payload.items.exists(a, a.id == 5999)', 'event.payload.items.all(a, a.id >= 0)', '"x" in event.payload.tags'],
      actionParams: {
        ids: '{{ event.payload.items.filter(a, a.id % 1000 == 0).map(a, a.id) }}',
        doubled: '{{ event.payload.items.map(a, a.id * 2).size() }}',
        first: '{{ event.payload.items.exists(a, a.id == event.payload.items[0].id + 1) }}',
      },
    });
    const budget = new CelBudget();
    const payload = { items, tags: ['y', 'x'] };
    expect(rule.matches(context(payload), budget)).toBe(true);
    expect(rule.render(context(payload), budget)).toEqual({ ids: [0, 1000, 2000, 3000, 4000, 5000], doubled: 6000, first: true });
    expect(budget.spent).toBeLessThan(DEFAULT_COST_LIMIT / 4);
  });
});

describe('compileRule regular expressions (RE2)', () => {
  const matches = (pattern: string, text: string): boolean =>
    compileRule({ conditions: [`event.payload.text.matches(${JSON.stringify(pattern)})`], actionParams: {} }).matches(context({ text }));

  it('runs a pattern that backtracks exponentially in JavaScript in linear time', () => {
    // 28 × a + "!" kept the process busy for 2.7 s with RegExp; with 40 it would take minutes.
    expect(matches('^(a+)+$', `${'a'.repeat(40)}!`)).toBe(false);
    expect(matches('^(a+)+$', 'a'.repeat(40))).toBe(true);
    expect(matches('^(a|aa)+$', `${'a'.repeat(100_000)}!`)).toBe(false);
  });

  it('uses RE2 syntax: inline flags and \\A work, partial match as CEL specifies', () => {
    expect(matches('(?i)^WEB-\\d+$', 'web-12')).toBe(true);
    expect(matches('\\Aab', 'abc')).toBe(true);
    expect(matches('[[:digit:]]{3}', 'a123b')).toBe(true);
    expect(matches('b', 'abc')).toBe(true);
  });

  it('refuses a literal pattern RE2 does not accept when the rule is saved', () => {
    for (const pattern of ['(?=a)b', '(a)\\1', '(']) {
      const save = () => compileRule({ conditions: [`event.payload.text.matches(${JSON.stringify(pattern)})`], actionParams: {} });
      expect(save).toThrow(CelError);
      expect(save).toThrow(/Regular expression error at column \d+: invalid regular expression \(RE2 syntax\)/);
    }
  });

  it('fails an evaluation whose pattern comes from the payload and does not compile, or is not a string', () => {
    const rule = compileRule({ conditions: ['event.payload.text.matches(event.payload.pattern)'], actionParams: {} });
    expect(evaluationError(() => rule.matches(context({ text: 'a', pattern: '(?<=a)' }))).message).toMatch(/invalid regular expression \(RE2 syntax\)/);
    expect(evaluationError(() => rule.matches(context({ text: 'a', pattern: 'x'.repeat(3000) }))).message).toMatch(/longer than 2048 characters/);
    expect(evaluationError(() => rule.matches(context({ text: 1, pattern: 'a' }))).message).toMatch(/no matching overload for 'int\.matches\(string\)'/);
    expect(rule.matches(context({ text: 'abc', pattern: 'b+' }))).toBe(true);
  });
});
