import { describe, expect, it } from 'vitest';
import type { ParameterSpecJson } from '../api-contract/index.js';
import { AppError } from '../domain/index.js';
import { convertParameters, mergeParameters, parseAssignments } from './params.js';

const SPECS: Record<string, ParameterSpecJson> = {
  message: { type: 'string' },
  count: { type: 'integer' },
  ratio: { type: 'number' },
  loud: { type: 'boolean' },
  headers: { type: 'object' },
  tags: { type: 'array' },
};

function convert(...args: string[]): Record<string, unknown> {
  return convertParameters(parseAssignments(args), SPECS);
}

function usageError(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

describe('parseAssignments', () => {
  it('splits on the first = only', () => {
    expect(parseAssignments(['url=http://x/?a=b'])).toEqual([{ key: 'url', value: 'http://x/?a=b' }]);
  });

  it('treats key= as an empty string', () => {
    expect(parseAssignments(['message='])).toEqual([{ key: 'message', value: '' }]);
  });

  it('rejects an argument without a key or without =', () => {
    expect(usageError(() => parseAssignments(['oops'])).code).toBe('ERR_CLI_USAGE');
    expect(usageError(() => parseAssignments(['=value'])).message).toContain('"=value"');
  });
});

describe('convertParameters', () => {
  it('keeps string parameters as typed, even when they look like numbers or JSON', () => {
    expect(convert('message=42', 'count=3')).toEqual({ message: '42', count: 3 });
    expect(convert('message=true')).toEqual({ message: 'true' });
    expect(convert('message={"a":1}')).toEqual({ message: '{"a":1}' });
  });

  it('parses numbers, booleans, objects and arrays as JSON', () => {
    expect(convert('ratio=1.5', 'loud=false', 'headers={"a":"b"}', 'tags=["x",1]')).toEqual({
      ratio: 1.5,
      loud: false,
      headers: { a: 'b' },
      tags: ['x', 1],
    });
  });

  it('names the parameter and its type when a value is not JSON', () => {
    const error = usageError(() => convert('count=three'));
    expect(error.code).toBe('ERR_CLI_USAGE');
    expect(error.message).toContain('"count"');
    expect(error.message).toContain('integer');
    expect(error.exitCode).toBe(2);
  });

  it('sends unknown parameter names as strings for the server to reject', () => {
    expect(convert('nope=5')).toEqual({ nope: '5' });
  });

  it('ignores inherited names such as constructor', () => {
    expect(convert('constructor=1')).toEqual({ constructor: '1' });
  });

  it('refuses a parameter given twice instead of keeping only the last value', () => {
    const error = usageError(() => convert('count=1', 'count=2'));
    expect(error.code).toBe('ERR_CLI_USAGE');
    expect(error.message).toContain('"count" is given twice');
    expect(usageError(() => convert('tags=["a"]', 'tags=["b"]')).code).toBe('ERR_CLI_USAGE');
  });

  it('never echoes the value of a secret parameter in an error', () => {
    const specs = { pin: { type: 'integer', secret: true } };
    const error = usageError(() => convertParameters(parseAssignments(['pin=12x34']), specs));
    expect(error.message).toContain('"pin"');
    expect(error.message).not.toContain('12x34');
  });
});

describe('mergeParameters', () => {
  it('joins parameters from a file and from the command line', () => {
    expect(mergeParameters({ token: 't' }, { user: 'u' }, 'p.json')).toEqual({ token: 't', user: 'u' });
  });

  it('refuses a parameter given in both, naming where', () => {
    const error = usageError(() => mergeParameters({ user: 'a' }, { user: 'b' }, '-'));
    expect(error.code).toBe('ERR_CLI_USAGE');
    expect(error.message).toContain('"user"');
    expect(error.message).toContain('stdin');
  });
});
