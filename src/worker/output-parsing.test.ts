import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../domain/index.js';
import { parseOutput } from './output-parsing.js';

const nested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('parseOutput and the JSON limits', () => {
  it('keeps output at the depth limit as data', () => {
    expect(parseOutput('json', nested(MAX_JSON_DEPTH))).toHaveProperty('data');
  });

  it('records output nested deeper than the limit as a parse error instead of storing it', () => {
    for (const format of ['json', 'yaml', 'jsonl'] as const) {
      expect(parseOutput(format, nested(MAX_JSON_DEPTH + 1))).toEqual({
        error: `output could not be parsed as ${format}: output nests deeper than 128 levels`,
      });
    }
    expect(parseOutput('json', nested(50_000))).toEqual({ error: 'output could not be parsed as json: output nests deeper than 128 levels' });
  });

  it('records a number JSON cannot store instead of turning it into null', () => {
    expect(parseOutput('json', '{"n": 1e400}')).toEqual({ error: 'output could not be parsed as json: output.n is not a finite number (JSON cannot store it)' });
  });
});
