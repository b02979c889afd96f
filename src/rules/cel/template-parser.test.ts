import { describe, expect, it } from 'vitest';
import { parseTemplate } from './template-parser.js';

describe('parseTemplate', () => {
  it('leaves strings without templates alone', () => {
    expect(parseTemplate('plain }} text')).toEqual({ kind: 'literal' });
  });

  it('treats one template with only whitespace around as whole', () => {
    expect(parseTemplate('  {{ a.b }}\n')).toEqual({ kind: 'whole', template: { expression: 'a.b', offset: 2 } });
  });

  it('splits text and several templates', () => {
    expect(parseTemplate('x {{a}}{{ b }} y')).toEqual({
      kind: 'mixed',
      parts: ['x ', { expression: 'a', offset: 2 }, { expression: 'b', offset: 7 }, ' y'],
    });
  });

  it('balances braces of map literals and skips string literals', () => {
    expect(parseTemplate('{{ {"a": {"b": 1}} }}')).toEqual({
      kind: 'whole',
      template: { expression: '{"a": {"b": 1}}', offset: 0 },
    });
    expect(parseTemplate('{{ "}}" + \'{{\' + """}}""" }}')).toEqual({
      kind: 'whole',
      template: { expression: '"}}" + \'{{\' + """}}"""', offset: 0 },
    });
  });

  it('reports an unclosed or empty template with its offset', () => {
    expect(parseTemplate('ok {{ a }} then {{ b')).toEqual({ kind: 'invalid', message: "'{{' has no closing '}}'", position: 16 });
    expect(parseTemplate('a {{   }}')).toEqual({ kind: 'invalid', message: "'{{ }}' is empty", position: 2 });
  });
});
