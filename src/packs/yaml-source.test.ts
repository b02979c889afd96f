import { describe, expect, it } from 'vitest';
import { MAX_ISSUES_PER_FILE, parseYaml } from './yaml-source.js';

describe('parseYaml', () => {
  it('reports a repeated key at the repetition, in yaml’s words', () => {
    const parsed = parseYaml('a.yaml', 'name: a\nparameters:\n  x: {type: string}\n  y: {type: string}\n  x: {type: integer}\nname: b\n');
    expect(parsed.data).toBeUndefined();
    expect(parsed.issues).toEqual([
      { file: 'a.yaml', line: 5, column: 3, field: '', message: 'invalid YAML: Map keys must be unique' },
      { file: 'a.yaml', line: 6, column: 1, field: '', message: 'invalid YAML: Map keys must be unique' },
    ]);
  });

  it('tells keys of different types apart, as yaml does', () => {
    const parsed = parseYaml('a.yaml', '1: a\n"1": b\ntrue: c\n"true": d\n');
    expect(parsed.issues).toEqual([]);
    expect(parsed.data).toEqual({ 1: 'b', true: 'd' });
  });

  it(`lists at most ${MAX_ISSUES_PER_FILE} problems of one file and says there are more`, () => {
    const text = Array.from({ length: 500 }, (_, i) => `k${i % 2}: ${i}`).join('\n');
    const parsed = parseYaml('a.yaml', text);
    expect(parsed.issues).toHaveLength(MAX_ISSUES_PER_FILE + 1);
    expect(parsed.issues.at(-1)).toEqual({
      file: 'a.yaml', line: 52, column: 1, field: '', message: `more problems in this file are not listed (only the first ${MAX_ISSUES_PER_FILE} are)`,
    });
  });
});
