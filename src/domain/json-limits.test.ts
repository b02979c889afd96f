import { describe, expect, it } from 'vitest';
import { AppError } from './errors.js';
import { assertJsonFits, describeJsonProblem, findJsonProblem, MAX_JSON_DEPTH } from './json-limits.js';

const arrays = (depth: number): unknown => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);
const objects = (depth: number): unknown => JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);

describe('findJsonProblem', () => {
  it('counts containers, not scalars: {} is depth 1, {"a": []} depth 2', () => {
    expect(findJsonProblem({}, 1)).toBeUndefined();
    expect(findJsonProblem({ a: [] }, 1)).toEqual({ kind: 'too_deep', path: ['a'] });
    expect(findJsonProblem({ a: [] }, 2)).toBeUndefined();
    expect(findJsonProblem('text', 0)).toBeUndefined();
  });

  it('accepts MAX_JSON_DEPTH and refuses one more, for arrays and objects', () => {
    expect(findJsonProblem(arrays(MAX_JSON_DEPTH))).toBeUndefined();
    expect(findJsonProblem(objects(MAX_JSON_DEPTH))).toBeUndefined();
    expect(findJsonProblem(arrays(MAX_JSON_DEPTH + 1))?.kind).toBe('too_deep');
    expect(findJsonProblem(objects(MAX_JSON_DEPTH + 1))?.path).toHaveLength(MAX_JSON_DEPTH);
  });

  it('checks values far deeper than the stack allows recursion for', () => {
    expect(findJsonProblem(arrays(200_000))?.kind).toBe('too_deep');
  });

  it('finds numbers JSON cannot store, with their path', () => {
    expect(findJsonProblem(JSON.parse('{"a":[1,{"b":1e400}]}'))).toEqual({ kind: 'non_finite_number', path: ['a', '1', 'b'] });
    expect(findJsonProblem(Number.NaN)).toEqual({ kind: 'non_finite_number', path: [] });
    expect(findJsonProblem({ max: 1.7976931348623157e308, min: -5e-324 })).toBeUndefined();
  });

  it('describes problems in one line, naming where they are', () => {
    expect(describeJsonProblem({ kind: 'too_deep', path: ['a'] }, 'body')).toBe('body nests deeper than 128 levels');
    expect(describeJsonProblem({ kind: 'non_finite_number', path: ['payload', 'items', '3'] }, 'body')).toBe(
      'body.payload.items[3] is not a finite number (JSON cannot store it)',
    );
  });

  it('throws the catalogue errors from assertJsonFits', () => {
    expect(() => assertJsonFits(arrays(MAX_JSON_DEPTH + 1), 'parameters')).toThrow(
      expect.objectContaining({ code: 'ERR_JSON_TOO_DEEP', httpStatus: 400 }) as AppError,
    );
    expect(() => assertJsonFits({ n: Infinity }, 'parameters')).toThrow(expect.objectContaining({ code: 'ERR_JSON_NUMBER_OUT_OF_RANGE' }) as AppError);
    expect(() => assertJsonFits({ n: 1 }, 'parameters')).not.toThrow();
  });
});
