import { describe, expect, it } from 'vitest';
import { CelError, compileRule, MAX_EXPRESSION_LENGTH, type CelIssue } from './index.js';

function issuesOf(spec: { conditions?: string[]; actionParams?: Record<string, unknown> }): readonly CelIssue[] {
  try {
    compileRule({ conditions: spec.conditions ?? [], actionParams: spec.actionParams ?? {} });
  } catch (error) {
    if (error instanceof CelError) return error.issues;
    throw error;
  }
  throw new Error('expected a CelError');
}

function messageOf(spec: { conditions?: string[]; actionParams?: Record<string, unknown> }): string {
  try {
    compileRule({ conditions: spec.conditions ?? [], actionParams: spec.actionParams ?? {} });
  } catch (error) {
    if (error instanceof CelError) return error.message;
    throw error;
  }
  throw new Error('expected a CelError');
}

describe('compileRule save-time errors', () => {
  it('rejects a syntax error quoting the expression and a 1-based column', () => {
    expect(messageOf({ conditions: ['event.payload.count >> 3'] })).toBe(
      'conditions[0]: event.payload.count >> 3: Syntax error at column 22: Unexpected token: GT',
    );
    expect(issuesOf({ conditions: ['event.payload.count >> 3'] })).toEqual([
      expect.objectContaining({ field: 'conditions[0]', expression: 'event.payload.count >> 3', position: 21, line: 1, column: 22 }),
    ]);
  });

  it('reports line and column in a multi-line expression', () => {
    const [issue] = issuesOf({ conditions: ['event.payload.a == 1 &&\n  evnt.payload.b'] });
    expect(issue).toMatchObject({ line: 2, column: 3, position: 26 });
    expect(issue?.message).toMatch(/line 2, column 3: Unknown variable: evnt/);
  });

  it('rejects an unknown root variable', () => {
    expect(messageOf({ conditions: ['evnt.payload.x == 1'] })).toBe(
      'conditions[0]: evnt.payload.x == 1: Type error at column 1: Unknown variable: evnt',
    );
  });

  it('rejects unknown fields of the declared variables', () => {
    expect(messageOf({ conditions: ['event.paylod.x == 1'] })).toMatch(/column 7: No such key: paylod/);
    expect(messageOf({ conditions: ['pack.confg.x == 1'] })).toMatch(/No such key: confg/);
    expect(messageOf({ conditions: ['rule.name == "x"'] })).toMatch(/No such key: name/);
  });

  it('rejects an unknown function', () => {
    expect(messageOf({ conditions: ['lookup(event.payload.x)'] })).toMatch(/Type error at column 1: .*lookup/);
  });

  it('rejects ill-typed expressions on typed fields', () => {
    expect(messageOf({ conditions: ['event.id > "x"'] })).toMatch(/Type error/);
    expect(messageOf({ conditions: ['event.trigger_ref + 1 == 2'] })).toMatch(/no such overload: string \+ int/);
  });

  it('rejects a condition whose static type is not bool', () => {
    expect(messageOf({ conditions: ['event.id + 1'] })).toMatch(/a condition must be a bool, not int/);
  });

  it('rejects an unclosed template', () => {
    expect(issuesOf({ actionParams: { message: 'tick {{ event.payload.n ' } })).toEqual([
      expect.objectContaining({ field: 'action_params.message', position: 5, column: 6, message: "Template error at column 6: '{{' has no closing '}}'" }),
    ]);
  });

  it('rejects a bad expression inside a template with its parameter path', () => {
    expect(messageOf({ actionParams: { env: [{ x: '{{ evnt.id }}' }] } })).toBe(
      'action_params.env[0].x: evnt.id: Type error at column 1: Unknown variable: evnt',
    );
  });

  it('rejects an empty condition', () => {
    expect(messageOf({ conditions: ['  '] })).toBe('conditions[0]:   : Syntax error: expression is empty');
  });

  it('rejects an over-long expression', () => {
    const long = `${'event.id == 1 || '.repeat(MAX_EXPRESSION_LENGTH / 10)}true`;
    expect(messageOf({ conditions: [long] })).toMatch(/longer than 4096 characters/);
  });

  it('reports every bad expression at once', () => {
    const error = (() => {
      try {
        compileRule({
          conditions: ['event.payload.count >> 3', 'event.payload.ok', 'evnt.x'],
          actionParams: { a: '{{ nope }}', b: 'x {{ 1 + }} y {{ event.id }}', c: 'open {{', d: '{{ event.id }}' },
        });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(CelError);
    const celError = error as CelError;
    expect(celError.issues.map((issue) => issue.field)).toEqual([
      'conditions[0]',
      'conditions[2]',
      'action_params.a',
      'action_params.b',
      'action_params.c',
    ]);
    expect(celError.message.split('\n')).toHaveLength(5);
    expect(celError.code).toBe('ERR_RULE_INVALID');
    expect(celError.details).toEqual(celError.issues);
  });
});
